package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smtprepl/smtprepl/repl"
	"github.com/smtprepl/smtprepl/repl/term"
)

// The credentials of these tests, and every form a hostile server could
// echo them in.
const (
	testUser = "student"
	testPass = "Tr0ub4dor&3"
)

var (
	testPlain   = b64("\x00" + testUser + "\x00" + testPass)
	testB64User = b64(testUser)
	testB64Pass = b64(testPass)
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// secretForms are what must appear nowhere: the password raw, its base64,
// the PLAIN blob, and (the way transcripts keep it) the LOGIN user name's
// base64, each also upper- and lower-cased and without padding.
func secretForms() []string {
	return append(passwordForms(), testB64User, strings.ToUpper(testB64User), strings.ToLower(testB64User))
}

// passwordForms leave out the user name: the shell shows it on purpose,
// in the prompt and when it encodes it for LOGIN.
func passwordForms() []string {
	var forms []string
	for _, f := range []string{testPass, testB64Pass, testPlain} {
		f = strings.TrimRight(f, "=")
		forms = append(forms, f, strings.ToUpper(f), strings.ToLower(f))
	}
	return forms
}

// assertNoSecret fails when any form of the test credentials is in text.
func assertNoSecret(t *testing.T, where, text string) {
	t.Helper()
	assertNone(t, where, text, secretForms())
}

func assertNone(t *testing.T, where, text string, forms []string) {
	t.Helper()
	for _, f := range forms {
		if strings.Contains(text, f) {
			t.Errorf("%s holds the secret form %q:\n%s", where, f, text)
		}
	}
}

// lineLog is what a test server received, line by line.
type lineLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *lineLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, s)
}

func (l *lineLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// echoServer answers like a server that quotes what it was sent back in
// its replies: AUTH PLAIN's blob as sent, shouted and decoded, and LOGIN's
// answers likewise. Its reply to QUIT is quit, malformed, so that the
// error sentence on stderr quotes it.
func echoServer(log *lineLog, quit string) func(net.Conn, <-chan struct{}) {
	return func(c net.Conn, _ <-chan struct{}) {
		br := bufio.NewReader(c)
		next := func() string {
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			line, _ := br.ReadString('\n')
			line = strings.TrimRight(line, "\r\n")
			log.add(line)
			return line
		}
		say := func(lines ...string) { io.WriteString(c, strings.Join(lines, "\r\n")+"\r\n") }
		say("220 evil.test ESMTP")
		last := "none" // the last secret, listed as an extension by the next EHLO
		for {
			line := next()
			verb, arg, _ := strings.Cut(line, " ")
			switch strings.ToUpper(verb) {
			case "EHLO":
				say("250-evil.test", "250-XECHO "+last, "250 AUTH PLAIN LOGIN "+last)
			case "AUTH":
				if mech, ir, _ := strings.Cut(arg, " "); strings.EqualFold(mech, "LOGIN") {
					say("334 VXNlcm5hbWU6")
					user := next()
					say("334 UGFzc3dvcmQ6")
					pass := next()
					last = pass
					clear, _ := base64.StdEncoding.DecodeString(pass)
					half := len(pass) / 2
					say("535-5.7.8 you said "+user+" and "+pass, "535-5.7.8 SHOUTED "+strings.ToUpper(pass)+" decoded "+string(clear),
						"535-5.7.8 split over lines: "+pass[:half], "535-5.7.8 "+pass[half:],
						"535 5.7.8 "+b64("in other words, "+string(clear)))
				} else {
					last = ir
					clear, _ := base64.StdEncoding.DecodeString(ir)
					say("535-5.7.8 bad AUTH PLAIN "+ir, "535-5.7.8 "+strings.ToUpper(ir)+" "+strings.ToLower(ir), "535 5.7.8 decoded "+strings.ReplaceAll(string(clear), "\x00", "/"))
				}
			case "QUIT":
				say(quit)
				return
			case "":
				return
			default:
				say("250 ok " + line)
			}
		}
	}
}

// TestEchoedSecretsAreScrubbed: a server that echoes the credentials in
// every encoding gets none of them into the script's output, its stderr,
// or the --record file.
func TestEchoedSecretsAreScrubbed(t *testing.T) {
	for _, tc := range []struct{ name, quit string }{
		{"blob cut short in the error", "2x0 bye " + strings.Repeat("x", 60) + testPlain},
		{"decoded blob with its NULs in the error", "221 bye \x00" + testUser + "\x00" + testPass},
		{"shouted password in the error", "2x0 bye " + strings.ToUpper(testPass)},
	} {
		t.Run(tc.name, func(t *testing.T) { echoedSecretsScrubbed(t, tc.quit) })
	}
}

func echoedSecretsScrubbed(t *testing.T, quit string) {
	var log lineLog
	addr := serveOnce(t, echoServer(&log, quit))
	rec := filepath.Join(t.TempDir(), "rec.txt")
	script := "EHLO me\nAUTH PLAIN " + testPlain + "\nAUTH LOGIN\n" + testB64User + "\n" + testB64Pass + "\nEHLO me\nQUIT\n"
	var stdout, stderr bytes.Buffer
	code := run([]string{"--timeout", "2s", "--record", rec, addr}, strings.NewReader(script), &stdout, &stderr)
	if code != exitFailure || !strings.Contains(stderr.String(), "malformed reply") {
		t.Fatalf("exit %d, stderr %q: want 2 and the malformed reply named", code, stderr.String())
	}
	if !strings.Contains(log.String(), testPlain) {
		t.Fatalf("the credentials never reached the server; it received:\n%s", log.String())
	}
	recorded, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	halves := []string{testB64Pass[:len(testB64Pass)/2], strings.TrimRight(testB64Pass[len(testB64Pass)/2:], "=")}
	for where, text := range map[string]string{"stdout": stdout.String(), "stderr": stderr.String(), "the recording": string(recorded)} {
		assertNoSecret(t, where, text)
		assertNone(t, where, text, halves)
	}
	for _, want := range []string{"S: 535-5.7.8 bad AUTH PLAIN <redacted: AUTH PLAIN credentials>", "SHOUTED <redacted: "} {
		if !strings.Contains(stdout.String(), want) || !strings.Contains(string(recorded), want) {
			t.Errorf("output or recording lacks %q:\n%s", want, stdout.String())
		}
	}
}

// TestEchoedSecretsAreScrubbedInTheShell: the same server, with the
// password typed at the shell's prompt: the screen never shows it.
func TestEchoedSecretsAreScrubbedInTheShell(t *testing.T) {
	var log lineLog
	addr := serveOnce(t, echoServer(&log, "221 bye "+testPlain))
	var out bytes.Buffer
	lr := &secretTyper{typedLines: typedLines{lines: []string{"EHLO me", "AUTH PLAIN " + testPlain, "AUTH LOGIN", testB64User, "EHLO me", ":status", "QUIT"}, out: &out}, password: testB64Pass}
	if err := term.RunShell(context.Background(), repl.Config{Addr: addr, Timeout: 2 * time.Second}, &out, lr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), testB64Pass) {
		t.Fatalf("the password never reached the server; it received:\n%s", log.String())
	}
	assertNone(t, "the shell's output", out.String(), passwordForms())
}

// secretTyper types lines, and a password when one is asked for.
type secretTyper struct {
	typedLines
	password string
}

func (l *secretTyper) ReadPassword(string) ([]byte, error) { return []byte(l.password), nil }

// TestAuthTimeoutNamesTheStep: a server silent after an AUTH answer gets
// a sentence naming the step, never the answer itself.
func TestAuthTimeoutNamesTheStep(t *testing.T) {
	for _, tc := range []struct {
		name, script, step string
		answers            int // lines the server reads after AUTH before going silent
	}{
		{"LOGIN username", "EHLO me\nAUTH LOGIN\n" + testB64User + "\n", "the AUTH LOGIN username", 0},
		{"LOGIN password", "EHLO me\nAUTH LOGIN\n" + testB64User + "\n" + testB64Pass + "\n", "the AUTH LOGIN password", 1},
		{"PLAIN after an empty challenge", "EHLO me\nAUTH PLAIN\n" + testPlain + "\n", "the AUTH PLAIN credentials", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := serveOnce(t, func(c net.Conn, stop <-chan struct{}) {
				io.WriteString(c, "220 evil.test ESMTP\r\n")
				readLine(c)
				io.WriteString(c, "250-evil.test\r\n250 AUTH PLAIN LOGIN\r\n")
				readLine(c)
				io.WriteString(c, "334 VXNlcm5hbWU6\r\n")
				for range tc.answers {
					readLine(c)
					io.WriteString(c, "334 UGFzc3dvcmQ6\r\n")
				}
				idle(c)
			})
			var stdout, stderr bytes.Buffer
			code := run([]string{"--timeout", hostileTimeout.String(), addr}, strings.NewReader(tc.script), &stdout, &stderr)
			msg := strings.TrimSpace(stderr.String())
			if code != exitFailure || msg != "smtprepl: auth stage: waiting for the reply to "+tc.step+": server did not answer within "+hostileTimeout.String() {
				t.Errorf("exit %d, stderr %q: want 2 and the step named", code, msg)
			}
			assertNoSecret(t, "stderr", msg)
			assertNoSecret(t, "stdout", stdout.String())
		})
	}
}

// starttlsRefuser offers STARTTLS, refuses it, and says 235 to any AUTH
// line, logging what it received.
func starttlsRefuser(log *lineLog) func(net.Conn, <-chan struct{}) {
	return func(c net.Conn, _ <-chan struct{}) {
		br := bufio.NewReader(c)
		io.WriteString(c, "220 evil.test ESMTP\r\n")
		for {
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\r\n")
			log.add(line)
			switch verb, _, _ := strings.Cut(strings.ToUpper(line), " "); verb {
			case "EHLO":
				io.WriteString(c, "250-evil.test\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n")
			case "STARTTLS":
				io.WriteString(c, "454 4.7.0 TLS not available due to local problem\r\n")
			case "AUTH":
				if strings.Count(line, " ") > 1 { // an initial response
					io.WriteString(c, "235 2.7.0 thanks\r\n")
				} else {
					io.WriteString(c, "334 \r\n")
				}
			case "QUIT":
				io.WriteString(c, "221 bye\r\n")
				return
			default:
				io.WriteString(c, "235 2.7.0 thanks\r\n")
			}
		}
	}
}

// TestNoCredentialsAfterRefusedStartTLS: after a refused STARTTLS the AUTH
// line and its answers never reach the server; they are shown as skipped,
// the rest of the script runs, and the run ends with exit 2 and one
// sentence. --allow-plaintext-auth sends them.
func TestNoCredentialsAfterRefusedStartTLS(t *testing.T) {
	script := "EHLO me\nSTARTTLS\nAUTH LOGIN\n" + testB64User + "\n" + testB64Pass + "\nAUTH PLAIN " + testPlain + "\nMAIL FROM:<a@b.test>\nQUIT\n"
	for _, tc := range []struct {
		name string
		args []string
		sent bool
		exit int
	}{
		{"refused", nil, false, exitFailure},
		{"--allow-plaintext-auth", []string{"--allow-plaintext-auth"}, true, exitReplies},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var log lineLog
			addr := serveOnce(t, starttlsRefuser(&log))
			var stdout, stderr bytes.Buffer
			code := run(append(append([]string{"--timeout", "2s"}, tc.args...), addr), strings.NewReader(script), &stdout, &stderr)
			received := log.String()
			if sent := strings.Contains(received, "AUTH"); sent != tc.sent || code != tc.exit {
				t.Fatalf("exit %d, AUTH sent %v; want %d, %v\nserver received:\n%s\nstderr: %s", code, sent, tc.exit, tc.sent, received, stderr.String())
			}
			if tc.sent {
				return
			}
			assertNoSecret(t, "what the server received", received)
			assertNoSecret(t, "stdout", stdout.String())
			if !strings.Contains(received, "MAIL FROM:<a@b.test>") {
				t.Errorf("the script did not go on after the skipped AUTH; server received:\n%s", received)
			}
			if n := strings.Count(stdout.String(), "# skipped, not sent:"); n != 4 {
				t.Errorf("%d lines shown as skipped, want 4 (two AUTH lines, two answers):\n%s", n, stdout.String())
			}
			msg := strings.TrimSpace(stderr.String())
			if strings.Contains(msg, "\n") || !strings.Contains(msg, "credentials were not sent") {
				t.Errorf("stderr = %q, want one sentence saying the credentials were not sent", msg)
			}
		})
	}
}

// ownAddress is this machine's first non-loopback IPv4 address (what
// `hostname -I` lists first), for tests of what loopback does not show.
func ownAddress(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Skip(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	t.Skip("this machine has no non-loopback IPv4 address")
	return ""
}

// serveOnceOn is serveOnce on host instead of 127.0.0.1.
func serveOnceOn(t *testing.T, host string, play func(net.Conn, <-chan struct{})) string {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Skip(err)
	}
	done, stop := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		if c, err := l.Accept(); err == nil {
			defer c.Close()
			play(c, stop)
		}
	}()
	t.Cleanup(func() { close(stop); l.Close(); <-done })
	return l.Addr().String()
}

// TestPlaintextAuthWarning: credentials in clear to another machine are
// warned about before they go out, on stderr in a script and on screen in
// the shell; to loopback, nothing is said.
func TestPlaintextAuthWarning(t *testing.T) {
	script := "EHLO me\nAUTH PLAIN " + testPlain + "\nQUIT\n"
	for _, tc := range []struct {
		name string
		host string
		warn bool
	}{
		{"another machine", ownAddress(t), true},
		{"loopback", "127.0.0.1", false},
	} {
		t.Run(tc.name+" script", func(t *testing.T) {
			var log lineLog
			addr := serveOnceOn(t, tc.host, echoServer(&log, "221 bye"))
			var stdout, stderr bytes.Buffer
			run([]string{"--timeout", "2s", addr}, strings.NewReader(script), &stdout, &stderr)
			if got := strings.Contains(stderr.String(), "not encrypted"); got != tc.warn {
				t.Errorf("warned %v, want %v; stderr: %s", got, tc.warn, stderr.String())
			}
		})
		t.Run(tc.name+" shell", func(t *testing.T) {
			var log lineLog
			addr := serveOnceOn(t, tc.host, echoServer(&log, "221 bye"))
			var out bytes.Buffer
			lr := &typedLines{lines: []string{"EHLO me", "AUTH PLAIN " + testPlain, "QUIT"}, out: &out}
			term.RunShell(context.Background(), repl.Config{Addr: addr, Timeout: 2 * time.Second}, &out, lr)
			text := out.String()
			warning, sent := strings.Index(text, "not encrypted"), strings.Index(text, "C: AUTH PLAIN")
			if got := warning >= 0; got != tc.warn || tc.warn && warning > sent {
				t.Errorf("warning at %d, AUTH shown at %d; want a warning %v, before the AUTH:\n%s", warning, sent, tc.warn, text)
			}
			assertNoSecret(t, "the shell's output", text)
		})
	}
}

// TestInsecureIsSaidLoudly: --insecure in a script says what it waived on
// stderr and as a transcript event.
func TestInsecureIsSaidLoudly(t *testing.T) {
	addr := serveOnce(t, func(c net.Conn, stop <-chan struct{}) {
		io.WriteString(c, "220 evil.test ESMTP\r\n")
		readLine(c)
		io.WriteString(c, "250-evil.test\r\n250 STARTTLS\r\n")
		readLine(c)
		io.WriteString(c, "220 go ahead\r\n")
		tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{otherNameCert()}})
		readLine(tc)
		io.WriteString(tc, "221 bye\r\n")
	})
	var stdout, stderr bytes.Buffer
	code := run([]string{"--timeout", "2s", "--insecure", addr}, strings.NewReader("EHLO me\nSTARTTLS\nQUIT\n"), &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	event := "=== certificate NOT VERIFIED, accepted only because of --insecure: "
	if !strings.Contains(stdout.String(), event) || !strings.Contains(stdout.String(), "elsewhere.example") {
		t.Errorf("no event saying what --insecure waived:\n%s", stdout.String())
	}
	if msg := stderr.String(); !strings.Contains(msg, "--insecure") || !strings.Contains(msg, "elsewhere.example, not this name") {
		t.Errorf("stderr = %q, want what --insecure waived", msg)
	}
}

// TestNoCredentialsAfterReconnecting: a server that refused STARTTLS does
// not get the credentials in clear on the next connection either.
func TestNoCredentialsAfterReconnecting(t *testing.T) {
	var log lineLog
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 2 {
			c, err := l.Accept()
			if err != nil {
				return
			}
			starttlsRefuser(&log)(c, nil)
			c.Close()
		}
	}()
	t.Cleanup(func() { l.Close(); <-done })
	script := "EHLO me\nSTARTTLS\n:open\nEHLO me\nAUTH PLAIN " + testPlain + "\nQUIT\n"
	var stdout, stderr bytes.Buffer
	code := run([]string{"--timeout", "2s", l.Addr().String()}, strings.NewReader(script), &stdout, &stderr)
	if received := log.String(); code != exitFailure || strings.Contains(received, "AUTH") {
		t.Errorf("exit %d, want 2; server received:\n%s\nstdout:\n%s", code, received, stdout.String())
	}
}
