package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smtprepl/smtprepl/repl"
	"github.com/smtprepl/smtprepl/repl/term"
)

// testToken is an OAuth bearer token, sent inside XOAUTH2 and OAUTHBEARER
// responses.
const testToken = "ya29.a0AfB-Bearer_Token42"

var (
	testXOAUTH2     = b64("user=" + testUser + "\x01auth=Bearer " + testToken + "\x01\x01")
	testOAUTHBEARER = b64("n,a=" + testUser + ",\x01host=evil.test\x01port=587\x01auth=Bearer " + testToken + "\x01\x01")
)

// echoingServer answers every AUTH exchange, LOGIN's two questions
// included, with a 535 that says echo: a server that quotes the secret
// back in some encoding of its own.
func echoingServer(log *lineLog, echo string) func(net.Conn, <-chan struct{}) {
	return func(c net.Conn, _ <-chan struct{}) {
		br := bufio.NewReader(c)
		next := func() string {
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			line, _ := br.ReadString('\n')
			log.add(strings.TrimRight(line, "\r\n"))
			return strings.TrimRight(line, "\r\n")
		}
		say := func(s string) { io.WriteString(c, s+"\r\n") }
		say("220 evil.test ESMTP")
		for {
			verb, arg, _ := strings.Cut(next(), " ")
			switch strings.ToUpper(verb) {
			case "EHLO":
				say("250-evil.test\r\n250 AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER")
			case "AUTH":
				if strings.EqualFold(arg, "LOGIN") {
					say("334 VXNlcm5hbWU6")
					next()
					say("334 UGFzc3dvcmQ6")
					next()
				}
				say("535 5.7.8 you sent " + echo)
			case "QUIT", "":
				say("221 bye")
				return
			default:
				say("250 ok")
			}
		}
	}
}

// secretEchoes are the ways a server echoes a secret that the script and
// the shell must not show: hex either case, percent-encoded, and an OAuth
// bearer token pulled out of its response, raw or in hex.
func secretEchoes() []struct{ name, auth, echo string } {
	hexPass := hex.EncodeToString([]byte(testPass))
	login := "AUTH LOGIN\n" + testB64User + "\n" + testB64Pass
	return []struct{ name, auth, echo string }{
		{"LOGIN password in hex", login, hexPass + " / " + strings.ToUpper(hexPass)},
		{"LOGIN password percent-encoded", login, "https://evil.test/?p=" + url.QueryEscape(testPass)},
		{"PLAIN password in hex", "AUTH PLAIN " + testPlain, "pass=" + strings.ToUpper(hexPass)},
		{"XOAUTH2 bearer token", "AUTH XOAUTH2 " + testXOAUTH2, "token " + testToken + " rejected, " + hex.EncodeToString([]byte(testToken))},
		{"XOAUTH2 response shouted", "AUTH XOAUTH2 " + testXOAUTH2, strings.ToUpper(testXOAUTH2)},
		{"OAUTHBEARER bearer token", "AUTH OAUTHBEARER " + testOAUTHBEARER, "Bearer " + testToken},
	}
}

// echoForms are every form of the secrets that must not appear.
func echoForms() []string {
	forms := passwordForms()
	for _, s := range []string{hex.EncodeToString([]byte(testPass)), url.QueryEscape(testPass), testToken,
		hex.EncodeToString([]byte(testToken)), strings.TrimRight(testXOAUTH2, "="), strings.TrimRight(testOAUTHBEARER, "=")} {
		forms = append(forms, s, strings.ToUpper(s), strings.ToLower(s))
	}
	return forms
}

// TestEchoedSecretsInOtherEncodings: a script's output and its --record
// file never show a secret the server echoed in another encoding, or the
// bearer token inside an OAuth response.
func TestEchoedSecretsInOtherEncodings(t *testing.T) {
	for _, tc := range secretEchoes() {
		t.Run(tc.name, func(t *testing.T) {
			var log lineLog
			addr := serveOnce(t, echoingServer(&log, tc.echo))
			rec := filepath.Join(t.TempDir(), "rec.txt")
			var stdout, stderr bytes.Buffer
			code := run([]string{"--timeout", "2s", "--record", rec, addr}, strings.NewReader("EHLO me\n"+tc.auth+"\nQUIT\n"), &stdout, &stderr)
			if code != exitReplies || !strings.Contains(stdout.String(), "S: 535 5.7.8 you sent ") {
				t.Fatalf("exit %d, want 1 and the 535 shown:\n%s%s", code, stdout.String(), stderr.String())
			}
			recorded, err := os.ReadFile(rec)
			if err != nil {
				t.Fatal(err)
			}
			for where, text := range map[string]string{"stdout": stdout.String(), "stderr": stderr.String(), "the recording": string(recorded)} {
				assertNone(t, where, text, echoForms())
			}
		})
	}
}

// TestEchoedSecretsInOtherEncodingsInTheShell: the same, on the shell's
// screen, for AUTH typed in full and for :auth.
func TestEchoedSecretsInOtherEncodingsInTheShell(t *testing.T) {
	cases := secretEchoes()
	cases = append(cases, struct{ name, auth, echo string }{":auth login, hex echo", ":auth login " + testUser,
		hex.EncodeToString([]byte(testPass))})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var log lineLog
			addr := serveOnce(t, echoingServer(&log, tc.echo))
			var out bytes.Buffer
			// After a typed AUTH LOGIN the shell reads the answers as wire
			// lines, the password unechoed; :auth asks for the password itself.
			auth, password := strings.Replace(tc.auth, "\n"+testB64Pass, "", 1), testB64Pass
			if strings.HasPrefix(tc.auth, ":auth") {
				password = testPass
			}
			lines := append(append([]string{"EHLO me"}, strings.Split(auth, "\n")...), "QUIT")
			lr := &secretTyper{typedLines: typedLines{lines: lines, out: &out}, password: password}
			if err := term.RunShell(context.Background(), repl.Config{Addr: addr, Timeout: 2 * time.Second}, &out, lr); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "535 5.7.8 you sent ") {
				t.Fatalf("the 535 was not shown:\n%s", out.String())
			}
			assertNone(t, "the shell's output", out.String(), echoForms())
		})
	}
}

// TestReplayScrubsEchoedSecrets: replay sends a secret given with
// --secret; a server that echoes it, in its replies or in a malformed
// one, gets it neither into the -v transcript nor into the report nor
// into the error sentence.
func TestReplayScrubsEchoedSecrets(t *testing.T) {
	recording := "S: 220 good.test ESMTP\nC: EHLO me\nS: 250-good.test\nS: 250 AUTH PLAIN LOGIN\n" +
		"C: AUTH PLAIN <redacted: AUTH PLAIN credentials>\nS: 235 2.7.0 ok\nC: QUIT\nS: 221 bye\n"
	path := filepath.Join(t.TempDir(), "t.txt")
	if err := os.WriteFile(path, []byte(recording), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, quit string
		exit       int
	}{
		{"in the replies", "221 bye", exitReplies},
		{"in a malformed reply", "2x0 bye " + strings.ToUpper(testPlain) + " " + testPass, exitFailure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var log lineLog
			addr := serveOnce(t, echoServer(&log, tc.quit))
			var stdout, stderr bytes.Buffer
			code := run([]string{"replay", path, "-v", "--exact", "--against", addr, "--timeout", "2s",
				"--secret", "AUTH PLAIN credentials=" + testPlain}, strings.NewReader(""), &stdout, &stderr)
			if code != tc.exit || !strings.Contains(stdout.String(), "S: 535-5.7.8 bad AUTH PLAIN <redacted: AUTH PLAIN credentials>") {
				t.Fatalf("exit %d, want %d, and the echo redacted in -v's transcript:\n%s%s", code, tc.exit, stdout.String(), stderr.String())
			}
			if !strings.Contains(log.String(), testPlain) {
				t.Fatalf("the secret never reached the server; it received:\n%s", log.String())
			}
			assertNone(t, "stdout", stdout.String(), passwordForms())
			assertNone(t, "stderr", stderr.String(), passwordForms())
		})
	}
}

// TestEchoedSecretsAfterColonAuth: :auth in a script, its secret given by
// --auth-password-env, against a server that echoes it in other
// encodings: none reaches the output, the recording or stderr's sentence.
func TestEchoedSecretsAfterColonAuth(t *testing.T) {
	hexPass, hexToken := hex.EncodeToString([]byte(testPass)), hex.EncodeToString([]byte(testToken))
	for _, tc := range []struct{ mech, secret, echo string }{
		{"plain", testPass, strings.ToUpper(hexPass) + " " + url.QueryEscape(testPass)},
		{"login", testPass, hexPass + " " + strings.ToUpper(testB64Pass)},
		{"xoauth2", testToken, "token " + testToken + " " + hexToken},
		{"oauthbearer", testToken, "Bearer " + strings.ToUpper(testToken)},
	} {
		t.Run(tc.mech, func(t *testing.T) {
			var log lineLog
			addr := serveOnce(t, echoingServer(&log, tc.echo))
			rec := filepath.Join(t.TempDir(), "rec.txt")
			t.Setenv("ECHO_TEST_PW", tc.secret)
			var stdout, stderr bytes.Buffer
			code := run([]string{"--timeout", "2s", "--record", rec, "--auth-password-env", "ECHO_TEST_PW", addr},
				strings.NewReader("EHLO me\n:auth "+tc.mech+" "+testUser+"\nQUIT\n"), &stdout, &stderr)
			if code != exitReplies || !strings.Contains(stderr.String(), "the server refused the login: 535 5.7.8 you sent ") {
				t.Fatalf("exit %d, want 1 and the refusal on stderr:\n%s%s", code, stdout.String(), stderr.String())
			}
			recorded, err := os.ReadFile(rec)
			if err != nil {
				t.Fatal(err)
			}
			for where, text := range map[string]string{"stdout": stdout.String(), "stderr": stderr.String(), "the recording": string(recorded)} {
				assertNone(t, where, text, echoForms())
			}
		})
	}
}
