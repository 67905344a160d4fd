package main

import (
	"bufio"
	"crypto/tls"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeMTA is a small SMTP server that misbehaves on purpose at one point:
// a reply by verb ("MAIL", "." for the end of the message, "EHLO-TLS" for
// the EHLO after STARTTLS), or a hang-up after a verb's 250.
type fakeMTA struct {
	replies  map[string]string // verb → the reply line instead of the usual one
	caps     []string          // EHLO keywords (default PIPELINING, STARTTLS)
	hangUp   string            // verb after whose reply the server closes
	implicit bool              // TLS from the first byte (port 465 style)
	// received is every line read, message text included, in order.
	mu       sync.Mutex
	received []string
}

func (f *fakeMTA) start(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go f.serve(c)
		}
	}()
	return l.Addr().String()
}

func (f *fakeMTA) lines() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.received...)
}

func (f *fakeMTA) reply(key, usual string) string {
	if r, ok := f.replies[key]; ok {
		return r
	}
	return usual
}

func (f *fakeMTA) serve(c net.Conn) {
	defer func() { c.Close() }()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if f.implicit {
		tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{otherNameCert()}})
		if tc.Handshake() != nil {
			return
		}
		c = tc
	}
	write := func(s string) { c.Write([]byte(s + "\r\n")) }
	write(f.reply("greeting", "220 fake.example ESMTP"))
	br, tlsOn := bufio.NewReader(c), false
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		f.mu.Lock()
		f.received = append(f.received, line)
		f.mu.Unlock()
		verb := strings.ToUpper(strings.Fields(line + " x")[0])
		switch verb {
		case "EHLO":
			key := "EHLO"
			if tlsOn {
				key = "EHLO-TLS"
			}
			caps := f.caps
			if caps == nil {
				caps = []string{"PIPELINING", "STARTTLS"}
			}
			r := f.reply(key, "")
			if r == "" {
				r = "250-fake.example\r\n250-" + strings.Join(caps, "\r\n250-") + "\r\n250 8BITMIME"
			}
			write(r)
		case "STARTTLS":
			r := f.reply("STARTTLS", "220 2.0.0 go ahead")
			write(r)
			if strings.HasPrefix(r, "220") {
				tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{otherNameCert()}})
				if tc.Handshake() != nil {
					return
				}
				c, br, tlsOn = tc, bufio.NewReader(tc), true
			}
		case "DATA":
			r := f.reply("DATA", "354 go ahead")
			write(r)
			if strings.HasPrefix(r, "354") && !f.readText(br) {
				return
			}
			if strings.HasPrefix(r, "354") {
				write(f.reply(".", "250 2.0.0 queued"))
			}
		case "QUIT":
			write("221 2.0.0 bye")
			return
		default:
			write(f.reply(verb, "250 2.0.0 ok"))
		}
		if verb == f.hangUp {
			return
		}
	}
}

// readText reads message text up to the lone ".", keeping each line.
func (f *fakeMTA) readText(br *bufio.Reader) bool {
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return false
		}
		f.mu.Lock()
		f.received = append(f.received, strings.TrimSuffix(line, "\r\n"))
		f.mu.Unlock()
		if line == ".\r\n" {
			return true
		}
	}
}

// Every stage's exit status comes from a server that really fails there,
// and matches swaks's number for it.
func TestSendStageExitCodes(t *testing.T) {
	t.Setenv("SMTPREPL_TEST_SECRET", "hunter2")
	closed := func(t *testing.T) string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return addr
	}
	cases := []struct {
		name   string
		mta    *fakeMTA // nil: nothing listens
		args   []string
		exit   int
		stderr string
	}{
		{"nothing listens", nil, nil, 2, "connect stage: cannot connect"},
		{"greeting 554", &fakeMTA{replies: map[string]string{"greeting": "554 5.7.1 go away"}}, nil, 21, "banner stage: the greeting refused the session: 554 5.7.1 go away"},
		{"EHLO refused", &fakeMTA{replies: map[string]string{"EHLO": "550 5.7.1 no hello"}}, nil, 22, "first-ehlo stage: EHLO was refused: 550 5.7.1 no hello"},
		{"STARTTLS not offered", &fakeMTA{caps: []string{"PIPELINING"}}, []string{"--starttls", "--insecure"}, 29, "tls stage: "},
		{"STARTTLS refused", &fakeMTA{replies: map[string]string{"STARTTLS": "454 4.7.0 TLS not available"}}, []string{"--starttls", "--insecure"}, 29, "tls stage: STARTTLS was refused: 454 4.7.0"},
		{"certificate refused", &fakeMTA{}, []string{"--starttls"}, 29, "tls stage: "},
		{"implicit TLS: certificate refused", &fakeMTA{implicit: true}, []string{"--tls"}, 29, "tls stage: the server's certificate"},
		{"implicit TLS: accepted with --insecure", &fakeMTA{implicit: true}, []string{"--tls", "--insecure"}, 0, "warning: certificate NOT VERIFIED"},
		{"EHLO after TLS refused", &fakeMTA{replies: map[string]string{"EHLO-TLS": "554 5.7.1 not over TLS"}}, []string{"--starttls", "--insecure"}, 32, "ehlo stage: EHLO was refused: 554 5.7.1"},
		{"AUTH not offered", &fakeMTA{}, []string{"--auth-user", "bob", "--auth-password-env", "SMTPREPL_TEST_SECRET"}, 28, "auth stage: the server offers no AUTH in its EHLO reply"},
		{"AUTH mechanism not offered", &fakeMTA{caps: []string{"AUTH LOGIN"}}, []string{"--auth", "cram-md5", "--auth-user", "bob", "--auth-password-env", "SMTPREPL_TEST_SECRET"}, 28, "auth stage: CRAM-MD5 is not offered (the server offers LOGIN)"},
		{"AUTH refused", &fakeMTA{caps: []string{"AUTH PLAIN"}, replies: map[string]string{"AUTH": "535 5.7.8 bad credentials"}}, []string{"--auth-user", "bob", "--auth-password-env", "SMTPREPL_TEST_SECRET"}, 28, "auth stage: the login was not accepted: 535 5.7.8 bad credentials"},
		{"MAIL refused", &fakeMTA{replies: map[string]string{"MAIL": "550 5.1.8 bad sender"}}, nil, 23, "mail stage: MAIL FROM was refused: 550 5.1.8 bad sender"},
		{"MAIL refused, pipelined", &fakeMTA{replies: map[string]string{"MAIL": "550 5.1.8 bad sender", "RCPT": "503 5.5.1 need MAIL", "DATA": "503 5.5.1 need RCPT"}}, []string{"--pipeline"}, 23, "mail stage: MAIL FROM was refused: 550 5.1.8"},
		{"every RCPT refused", &fakeMTA{replies: map[string]string{"RCPT": "550 5.1.1 no such user"}}, []string{"--to", "b@example.test"}, 24, "rcpt stage: no recipient was accepted: 550 5.1.1"},
		{"every RCPT refused, pipelined", &fakeMTA{replies: map[string]string{"RCPT": "550 5.1.1 no such user", "DATA": "554 5.5.1 no valid recipients"}}, []string{"--pipeline"}, 24, "rcpt stage: no recipient was accepted: 550 5.1.1"},
		{"DATA refused", &fakeMTA{replies: map[string]string{"DATA": "554 5.5.1 no"}}, nil, 25, "data stage: DATA was refused: 554 5.5.1 no"},
		{"message refused", &fakeMTA{replies: map[string]string{".": "554 5.7.1 spam"}}, nil, 26, "dot stage: the message was refused: 554 5.7.1 spam"},
		{"hang-up after MAIL's 250", &fakeMTA{hangUp: "MAIL"}, nil, 6, "rcpt stage: waiting for the reply to RCPT: "},
		{"421 to RCPT", &fakeMTA{replies: map[string]string{"RCPT": "421 4.3.2 shutting down"}, hangUp: "RCPT"}, nil, 24, "rcpt stage: the server closed the session: 421 4.3.2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr := closed(t)
			if tc.mta != nil {
				addr = tc.mta.start(t)
			}
			args := append([]string{"send", "--server", addr, "--to", "a@example.test", "--timeout", "5s"}, tc.args...)
			code, out, errOut := runCLI(t, "", args...)
			if code != tc.exit {
				t.Fatalf("exit %d, want %d\nstderr: %s\nstdout:\n%s", code, tc.exit, errOut, out)
			}
			// --insecure's warning may come first; the error is the last line.
			lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
			if strings.Contains(out+errOut, "hunter2") {
				t.Errorf("the password shows:\n%s\n%s", out, errOut)
			}
			if last := lines[len(lines)-1]; !strings.HasPrefix(last, "smtprepl: "+tc.stderr) || !strings.HasSuffix(errOut, "\n") {
				t.Errorf("stderr = %q, want one sentence starting %q", errOut, "smtprepl: "+tc.stderr)
			}
		})
	}
}

func TestSendUsageErrors(t *testing.T) {
	dir := t.TempDir()
	eml := filepath.Join(dir, "m.eml")
	os.WriteFile(eml, []byte("Subject: x\n\nhi\n"), 0o644)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no recipient", nil, "--to is needed"},
		{"a positional server", []string{"--to", "a@example.test", "mx.example.test"}, "send takes flags only"},
		{"an address with brackets", []string{"--to", "<a@example.test>"}, `"<a@example.test>" is not an address`},
		{"an address with a CR", []string{"--to", "a@example.test\rRSET"}, "is not an address"},
		{"--data with --subject", []string{"--to", "a@example.test", "--data", eml, "--subject", "x"}, "--data sends FILE as it is"},
		{"--data missing", []string{"--to", "a@example.test", "--data", filepath.Join(dir, "none.eml")}, "--data: open"},
		{"--attach missing", []string{"--to", "a@example.test", "--attach", filepath.Join(dir, "none.pdf")}, "none.pdf"},
		{"--body @ missing", []string{"--to", "a@example.test", "--body", "@" + filepath.Join(dir, "none.txt")}, "--body: open"},
		{"header without colon", []string{"--to", "a@example.test", "--header", "X-Test yes"}, "--header takes 'Name: value'"},
		{"header with a newline", []string{"--to", "a@example.test", "--header", "X-Test: a\nBcc: b@example.test"}, "X-Test"},
		{"Content-Type header", []string{"--to", "a@example.test", "--header", "Content-Type: text/html"}, "Content-Type"},
		{"--show bogus", []string{"--to", "a@example.test", "--show", "some"}, "--show takes all, headers or none"},
		{"unknown stage", []string{"--to", "a@example.test", "--quit-after", "helo2"}, `--quit-after: unknown stage "helo2"`},
		{"quit-after data", []string{"--to", "a@example.test", "--quit-after", "data"}, "--quit-after data cannot be"},
		{"both stop-points", []string{"--to", "a@example.test", "--quit-after", "mail", "--drop-after", "rcpt"}, "exclude each other"},
		{"--tls with --starttls", []string{"--to", "a@example.test", "--tls", "--starttls", "--server", "127.0.0.1:1"}, "--tls and --starttls exclude each other"},
		{"bad --timeout", []string{"--to", "a@example.test", "--timeout", "-1s"}, "--timeout must be positive"},
		{"unknown flag", []string{"--to", "a@example.test", "--helo", "x"}, "unknown flag -helo"},
		{"--auth without a user", []string{"--to", "a@example.test", "--auth"}, "--auth needs --auth-user USER"},
		{"--auth with an unknown mechanism", []string{"--to", "a@example.test", "--auth=NTLM", "--auth-user", "bob"}, `--auth "NTLM": the mechanisms are plain, login`},
		{"--auth with no secret and no terminal", []string{"--to", "a@example.test", "--auth-user", "bob"}, "--auth needs the password (or token), and stdin is not a terminal"},
		{"--auth-user with a space", []string{"--to", "a@example.test", "--auth-user", "bob smith"}, "--auth-user takes one name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", append([]string{"send"}, tc.args...)...)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d\nstderr: %s\nstdout:\n%s", code, exitUsage, errOut, out)
			}
			first, _, _ := strings.Cut(errOut, "\n")
			if !strings.Contains(first, tc.want) || !strings.HasPrefix(first, "smtprepl: ") {
				t.Errorf("stderr = %q, want one sentence with %q", errOut, tc.want)
			}
			if out != "" {
				t.Errorf("a usage error sent something:\n%s", out)
			}
		})
	}
}

// What the server receives for each stop-point: swaks's points, QUIT or
// a hang-up.
func TestSendStopPoints(t *testing.T) {
	cases := []struct {
		flag, stage string
		received    string // the commands the server read, message text left out
	}{
		{"--quit-after", "connect", "QUIT"},
		{"--quit-after", "banner", "QUIT"},
		{"--quit-after", "first-ehlo", "EHLO|QUIT"},
		{"--quit-after", "tls", "EHLO|QUIT"},
		{"--quit-after", "ehlo", "EHLO|QUIT"},
		{"--quit-after", "auth", "EHLO|QUIT"},
		{"--quit-after", "mail", "EHLO|MAIL|QUIT"},
		{"--quit-after", "rcpt", "EHLO|MAIL|RCPT|RCPT|QUIT"},
		{"--quit-after", "dot", "EHLO|MAIL|RCPT|RCPT|DATA|.|QUIT"},
		{"--drop-after", "connect", ""},
		{"--drop-after", "ehlo", "EHLO"},
		{"--drop-after", "rcpt", "EHLO|MAIL|RCPT|RCPT"},
		{"--drop-after", "data", "EHLO|MAIL|RCPT|RCPT|DATA"},
		{"--drop-after", "dot", "EHLO|MAIL|RCPT|RCPT|DATA|."},
	}
	for _, pipelined := range []bool{false, true} {
		for _, tc := range cases {
			name := tc.flag + " " + tc.stage
			if pipelined {
				name += " --pipeline"
			}
			t.Run(name, func(t *testing.T) {
				mta := &fakeMTA{}
				args := []string{"send", "--server", mta.start(t), "--to", "a@example.test,b@example.test", "--timeout", "5s", tc.flag, tc.stage}
				if pipelined {
					args = append(args, "--pipeline")
				}
				code, out, errOut := runCLI(t, "", args...)
				if code != exitOK {
					t.Fatalf("exit %d\nstderr: %s\nstdout:\n%s", code, errOut, out)
				}
				if !strings.Contains(out, "# stopping after the "+tc.stage+" stage ("+tc.flag+" "+tc.stage+"): nothing more is sent") {
					t.Errorf("no comment for the stop-point:\n%s", out)
				}
				// The server may still be reading the last line.
				var got string
				for range 50 {
					if got = verbs(mta.lines()); got == tc.received {
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
				if got != tc.received {
					t.Errorf("the server received %s, want %s\n%s", got, tc.received, out)
				}
			})
		}
	}
}

// verbs names the commands among received lines, and the lone "."
func verbs(lines []string) string {
	var v []string
	inText := false
	for _, l := range lines {
		switch {
		case inText && l == ".":
			v, inText = append(v, "."), false
		case inText:
		default:
			v = append(v, strings.Fields(l + " x")[0])
			inText = l == "DATA"
		}
	}
	return strings.Join(v, "|")
}

// --data sends the file as it is: bare LF and CRLF both end lines, a
// line starting with "." gets its dot doubled, a lone "." inside does
// not end the message, and a last line without an ending gets one.
func TestSendDataDots(t *testing.T) {
	dir := t.TempDir()
	eml := filepath.Join(dir, "m.eml")
	os.WriteFile(eml, []byte("Subject: dots\r\n\n.\n..two\r\n. one\nlast"), 0o644)
	mta := &fakeMTA{}
	code, out, errOut := runCLI(t, "", "send", "--server", mta.start(t), "--to", "a@example.test", "--data", eml, "--timeout", "5s")
	if code != exitOK {
		t.Fatalf("exit %d\nstderr: %s\nstdout:\n%s", code, errOut, out)
	}
	lines := mta.lines()
	start := strings.Index(strings.Join(lines, "\n"), "Subject: dots")
	got := strings.Join(lines, "\n")[start:]
	want := "Subject: dots\n\n..\n...two\n.. one\nlast\n.\nQUIT"
	if got != want {
		t.Errorf("the server read\n%q\nwant\n%q", got, want)
	}
}

// A script's error sentence names the stage it happened in.
func TestScriptErrorNamesTheStage(t *testing.T) {
	mta := &fakeMTA{hangUp: "MAIL"}
	addr := mta.start(t)
	code, _, errOut := runCLI(t, "EHLO me\nMAIL FROM:<a@example.test>\nRCPT TO:<b@example.test>\n", "--timeout", "5s", addr)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d: %s", code, exitFailure, errOut)
	}
	if want := regexp.MustCompile(`^smtprepl: rcpt stage: waiting for the reply to RCPT: .*\n$`); !want.MatchString(errOut) {
		t.Errorf("stderr = %q, want %s", errOut, want)
	}
}

// Script mode stops at --quit-after too, end to end.
func TestScriptQuitAfter(t *testing.T) {
	mta := &fakeMTA{}
	addr := mta.start(t)
	code, out, errOut := runCLI(t, "EHLO me\nMAIL FROM:<a@example.test>\nRCPT TO:<b@example.test>\nDATA\nhi\n.\nQUIT\n", "--timeout", "5s", "--quit-after", "mail", addr)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "# stopping after the mail stage (--quit-after mail): the rest of the script is not sent\nC: QUIT\n") {
		t.Errorf("no stop:\n%s", out)
	}
	if got := verbs(mta.lines()); got != "EHLO|MAIL|QUIT" {
		t.Errorf("the server received %s", got)
	}
}

// "--auth MECH" takes the next argument only when it names a mechanism:
// anything else stays an argument of its own.
func TestJoinAuthMechanism(t *testing.T) {
	cases := []struct{ in, want string }{
		{"--auth plain --auth-user bob", "--auth=plain --auth-user bob"},
		{"--auth SCRAM-SHA-256 --to a@example.test", "--auth=SCRAM-SHA-256 --to a@example.test"},
		{"--auth --auth-user bob", "--auth --auth-user bob"},
		{"--auth mx.example.test", "--auth mx.example.test"},
		{"-auth login", "--auth=login"},
		{"--to plain --auth", "--to plain --auth"},
	}
	for _, tc := range cases {
		if got := strings.Join(joinAuthMechanism(strings.Fields(tc.in)), " "); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}
