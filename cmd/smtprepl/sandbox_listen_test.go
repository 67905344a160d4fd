package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smtprepl/smtprepl/proto/sandbox"
	"github.com/smtprepl/smtprepl/repl/term"
)

// sandboxRun is "smtprepl sandbox" running in this process.
type sandboxRun struct {
	addrs  map[string]string // "plain", "tls", "submission" -> address
	cancel context.CancelFunc
	done   chan struct{}
	code   int
	err    error
	mu     sync.Mutex
	out    strings.Builder // stdout after the announcements
	errOut strings.Builder
}

var announceRE = regexp.MustCompile(`^smtprepl sandbox(?: listening on (\S+) |: (implicit TLS|submission|POP3) \(.* on (\S+)$)`)

// startSandbox runs the sandbox with args on loopback ports and reads the
// announcements of its listeners, one per kind in kinds after the plain one.
func startSandbox(t *testing.T, kinds int, args ...string) *sandboxRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &sandboxRun{addrs: map[string]string{}, cancel: cancel, done: make(chan struct{})}
	pr, pw := io.Pipe()
	e := &env{stdout: pw, stderr: lockedWriter{&r.mu, &r.errOut}, getenv: os.Getenv}
	go func() {
		defer close(r.done)
		r.code, r.err = runSandbox(ctx, e, append([]string{"--listen", "127.0.0.1:0"}, args...))
		pw.Close()
	}()
	br := bufio.NewReader(pr)
	for len(r.addrs) < 1+kinds {
		line, err := br.ReadString('\n')
		m := announceRE.FindStringSubmatch(strings.TrimSuffix(line, "\n"))
		if err != nil || m == nil {
			cancel()
			t.Fatalf("sandbox printed %q (%v), want its addresses; stderr %q", line, err, r.errOut.String())
		}
		switch {
		case m[1] != "":
			r.addrs["plain"] = m[1]
		case m[2] == "implicit TLS":
			r.addrs["tls"] = m[3]
		case m[2] == "POP3":
			r.addrs["pop3"] = m[3]
		default:
			r.addrs["submission"] = m[3]
		}
	}
	go io.Copy(lockedWriter{&r.mu, &r.out}, br)
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop ends the sandbox and returns what it printed after its announcements.
func (r *sandboxRun) stop(t *testing.T) string {
	t.Helper()
	r.cancel()
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the sandbox did not stop")
	}
	if r.err != nil || r.code != exitOK {
		t.Errorf("sandbox: exit %d, %v", r.code, r.err)
	}
	time.Sleep(10 * time.Millisecond) // let io.Copy take the last line
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.String()
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// trusting is a TLS configuration that trusts only the PEM certificate in file.
func trusting(t *testing.T, file string) *tls.Config {
	t.Helper()
	pem, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("%s holds no certificate", file)
	}
	return &tls.Config{RootCAs: pool, ServerName: "localhost"}
}

// TestSandboxListenTLSGoClient sends a message over --listen-tls with Go's
// net/smtp, verifying the certificate that --write-cert wrote.
func TestSandboxListenTLSGoClient(t *testing.T) {
	cert := filepath.Join(t.TempDir(), "sandbox.pem")
	r := startSandbox(t, 1, "--listen-tls", "127.0.0.1:0", "--write-cert", cert)
	conn, err := tls.Dial("tcp", r.addrs["tls"], trusting(t, cert))
	if err != nil {
		t.Fatalf("TLS to --listen-tls with the written certificate: %v", err)
	}
	c, err := smtp.NewClient(conn, "localhost")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("EHLO on the implicit-TLS port offers STARTTLS")
	}
	if err := c.Auth(smtp.PlainAuth("", "student", "secret", "localhost")); err != nil {
		t.Fatal(err)
	}
	sendOne(t, c, "bob@example.test", "alice@example.test", "Subject: over 465\r\n\r\nhello\r\n")
	if out := r.stop(t); !strings.Contains(out, "sandbox stopped; 1 message(s) were received") {
		t.Errorf("sandbox said %q, want one message received", out)
	}
}

func sendOne(t *testing.T, c *smtp.Client, from, to, msg string) {
	t.Helper()
	if err := c.Mail(from); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt(to); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, msg); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
}

const python3 = "/usr/bin/python3"

// runPython runs a course-style Python program with args, or skips the
// test, saying so, when python3 is not installed.
func runPython(t *testing.T, program string, args ...string) string {
	t.Helper()
	if _, err := os.Stat(python3); err != nil {
		t.Skipf("skipped: %s is not installed (%v)", python3, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, python3, append([]string{"-c", program}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, out)
	}
	return string(out)
}

// smtpSSLProgram is the course texts' smtplib.SMTP_SSL program, trusting
// the certificate the sandbox wrote.
const smtpSSLProgram = `import smtplib, ssl, sys
from email.message import EmailMessage
host, port = sys.argv[1].rsplit(":", 1)
ctx = ssl.create_default_context(cafile=sys.argv[2])
msg = EmailMessage()
msg["From"] = "bob@example.test"
msg["To"] = "alice@example.test"
msg["Subject"] = "SMTP_SSL"
msg.set_content("sent over implicit TLS")
with smtplib.SMTP_SSL("localhost", int(port), context=ctx) as s:
    s.login("student", "secret")
    print(s.send_message(msg))
`

// TestSandboxListenTLSPython runs smtplib.SMTP_SSL against --listen-tls,
// which failed with WRONG_VERSION_NUMBER when only the plain port existed.
func TestSandboxListenTLSPython(t *testing.T) {
	cert := filepath.Join(t.TempDir(), "sandbox.pem")
	maildir := filepath.Join(t.TempDir(), "Maildir")
	r := startSandbox(t, 1, "--listen-tls", "127.0.0.1:0", "--write-cert", cert, "--maildir", maildir)
	if got := runPython(t, smtpSSLProgram, r.addrs["tls"], cert); got != "{}\n" {
		t.Errorf("send_message refused recipients: %q", got)
	}
	if out := r.stop(t); !strings.Contains(out, "sandbox stopped; 1 message(s) were received") {
		t.Errorf("sandbox said %q, want one message received", out)
	}
	files, _ := filepath.Glob(filepath.Join(maildir, "alice", "new", "*"))
	if len(files) != 1 {
		t.Fatalf("--maildir holds %v in alice/new, want one file", files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s does not read as a message: %v", files[0], err)
	}
	if got := m.Header.Get("Received"); !strings.Contains(got, " (unknown [127.0.0.1]) by sandbox.smtprepl.test (smtprepl sandbox) with ESMTPSA id ") ||
		!strings.Contains(got, "for <alice@example.test>;") || m.Header.Get("Subject") != "SMTP_SSL" {
		t.Errorf("stored message's Received: %q, Subject: %q", got, m.Header.Get("Subject"))
	}
}

// TestSandboxSubmissionFlag runs --submission beside the plain listener:
// MAIL before STARTTLS is refused there as Postfix refuses it, and taken
// after STARTTLS.
func TestSandboxSubmissionFlag(t *testing.T) {
	cert := filepath.Join(t.TempDir(), "sandbox.pem")
	r := startSandbox(t, 1, "--submission", "127.0.0.1:0", "--write-cert", cert)
	c, err := smtp.Dial(r.addrs["submission"])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var refusal *textproto.Error
	if err := c.Mail("bob@example.test"); !errors.As(err, &refusal) || refusal.Code != 530 || refusal.Msg != "5.7.0 Must issue a STARTTLS command first" {
		t.Fatalf("MAIL before STARTTLS: %v, want 530 5.7.0 Must issue a STARTTLS command first", err)
	}
	if err := c.StartTLS(trusting(t, cert)); err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(smtp.PlainAuth("", "student", "secret", "127.0.0.1")); err != nil {
		t.Fatal(err)
	}
	sendOne(t, c, "bob@example.test", "alice@example.test", "Subject: over 587\r\n\r\nhello\r\n")

	p, err := smtp.Dial(r.addrs["plain"])
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	sendOne(t, p, "bob@example.test", "alice@example.test", "Subject: over 25\r\n\r\nhello\r\n")
	if out := r.stop(t); !strings.Contains(out, "sandbox stopped; 2 message(s) were received") {
		t.Errorf("sandbox said %q, want two messages received", out)
	}
}

var logTimeRE = regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d #`)

// TestSandboxLiveLog runs a session whose HELO name and address try to
// reach the terminal: the log has a line per event, escaped, and with
// --verbose the whole transcript, AUTH's credentials withheld.
func TestSandboxLiveLog(t *testing.T) {
	for _, verbose := range []bool{false, true} {
		t.Run(fmt.Sprintf("verbose %v", verbose), func(t *testing.T) {
			args := []string{"--no-color"}
			if verbose {
				args = append(args, "--verbose")
			}
			r := startSandbox(t, 0, args...)
			conn, err := net.Dial("tcp", r.addrs["plain"])
			if err != nil {
				t.Fatal(err)
			}
			script := "EHLO evil\x1b]0;owned\x07.example\r\nAUTH PLAIN AHN0dWRlbnQAc2VjcmV0\r\n" +
				"MAIL FROM:<eve\u202egro.elpmaxe@example.org> SMTPUTF8\r\nRCPT TO:<alice@example.test>\r\nRCPT TO:<bob@example.test>\r\n" +
				"DATA\r\nSubject: hi\r\n\r\nhello\r\n.\r\nQUIT\r\n"
			io.WriteString(conn, script)
			io.ReadAll(conn)
			conn.Close()
			out := logTimeRE.ReplaceAllString(r.stop(t), "#")
			if strings.ContainsAny(out, "\x1b\x07\u202e") || strings.Contains(out, "AHN0dWRlbnQAc2VjcmV0") {
				t.Fatalf("the log lets a control or a secret through:\n%q", out)
			}
			want := []string{
				"#1 connect from 127.0.0.1:",
				`#1 EHLO evil\x1b]0;owned\x07.example`,
				"#1 AUTH as student",
				`#1 message 9E3779B97F5 from <eve\u202egro.elpmaxe@example.org> to 2 recipient(s) <alice@example.test> <bob@example.test>, 22 bytes`,
				"#1 disconnect: QUIT (7 commands, 1 messages)",
				"sandbox stopped; 1 message(s) were received",
			}
			if verbose {
				want = append(want, "#1 C: AUTH PLAIN <secret withheld>", "#1 S: 235 2.7.0 Authentication successful",
					`#1 C: (the message text: 22 bytes, then ".")`, "#1 S: 221 2.0.0 Bye")
			}
			for _, w := range want {
				if !strings.Contains(out, w) {
					t.Errorf("the log lacks %q:\n%s", w, out)
				}
			}
			if got := strings.Contains(out, "#1 C: EHLO"); got != verbose {
				t.Errorf("C: lines in the log: %v, want %v:\n%s", got, verbose, out)
			}
		})
	}
}

// TestSandboxLogColour: on a terminal the log is coloured, and the only
// escape sequences in it are the colours' own.
func TestSandboxLogColour(t *testing.T) {
	var out strings.Builder
	l := newSandboxLog(&out, term.NewTheme(true), func() time.Time { return time.Date(2026, 12, 7, 19, 0, 0, 0, time.UTC) })
	l.event(sandbox.Event{Session: 3, Kind: sandbox.EventHelo, Text: "HELO x\x1b[2Jy"})
	l.event(sandbox.Event{Session: 3, Kind: sandbox.EventServer, Text: "550 5.1.1 no"})
	l.flush()
	want := "19:00:00 #3 \x1b[35;2mHELO x\\x1b[2Jy\x1b[0;22m\n" +
		"19:00:00 #3 \x1b[31;1mS: 550 5.1.1 no\x1b[0;22m\n"
	if out.String() != want {
		t.Errorf("log %q, want %q", out.String(), want)
	}
}

// TestSandboxScenarios: greylisting refuses a first RCPT for now and takes
// the retry; tls-required makes the plain port a submission port; an
// unknown name is a usage error naming the known ones.
func TestSandboxScenarios(t *testing.T) {
	r := startSandbox(t, 0, "--scenario", "greylisting")
	c, err := smtp.Dial(r.addrs["plain"])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("bob@example.test"); err != nil {
		t.Fatal(err)
	}
	var refusal *textproto.Error
	if err := c.Rcpt("alice@example.test"); !errors.As(err, &refusal) || refusal.Code != 451 || !strings.HasPrefix(refusal.Msg, "4.7.1 <alice@example.test>: Recipient address rejected: Greylisted") {
		t.Fatalf("first RCPT with greylisting: %v, want 451 4.7.1", err)
	}
	if err := c.Rcpt("alice@example.test"); err != nil {
		t.Fatalf("the retry: %v, want it accepted", err)
	}

	r = startSandbox(t, 0, "--scenario", "tls-required")
	p, err := smtp.Dial(r.addrs["plain"])
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Mail("bob@example.test"); !errors.As(err, &refusal) || refusal.Code != 530 {
		t.Fatalf("MAIL before STARTTLS with tls-required: %v, want 530", err)
	}

	for _, tc := range []struct{ spec, err string }{
		{"tarpit", "the scenario tarpit needs a value: tarpit=DURATION"},
		{"bogus", `unknown scenario "bogus"; the scenarios are greylisting, tls-required, 421-at=STAGE`},
		{"421-at=helo", `421-at takes greeting, ehlo, mail, rcpt, data or dot, got "helo"`},
		{"reject-rcpt=0", `reject-rcpt takes a number from 1 to 1000, got "0"`},
		{"greylisting=yes", "the scenario greylisting takes no value"},
	} {
		code, _, errOut := runCmd(t, "", "sandbox", "--scenario", tc.spec)
		if code != exitUsage || !strings.Contains(errOut, tc.err) {
			t.Errorf("--scenario %s: exit %d, stderr %q, want 64 and %q", tc.spec, code, errOut, tc.err)
		}
	}
}

// TestSandboxMoreScenarios drives each behaviour a client's error
// handling is tested against, as a client sees it on the wire.
func TestSandboxMoreScenarios(t *testing.T) {
	file := filepath.Join(t.TempDir(), "scenario.txt")
	os.WriteFile(file, []byte("# the second recipient is refused\nreject-rcpt=2\nsize-limit=1000\n"), 0o644)
	tests := []struct {
		name   string
		args   []string
		script string
		want   []string // substrings of the session, in order
	}{
		{"421 at the greeting", []string{"--scenario", "421-at=greeting"}, "EHLO me\n", []string{"421 4.3.2"}},
		{"421 at RCPT", []string{"--scenario", "421-at=rcpt"}, "EHLO me\nMAIL FROM:<bob@example.test>\nRCPT TO:<alice@example.test>\n",
			[]string{"250 2.1.0 Ok", "421 4.3.2"}},
		{"421 after the dot", []string{"--scenario", "421-at=dot"}, "EHLO me\nMAIL FROM:<bob@example.test>\nRCPT TO:<alice@example.test>\nDATA\nSubject: x\n\nhi\n.\n",
			[]string{"354 End data", "421 4.3.2"}},
		{"the second RCPT refused, from a file", []string{"--scenario", file}, "EHLO me\nMAIL FROM:<bob@example.test>\nRCPT TO:<alice@example.test>\nRCPT TO:<bob@example.test>\nRCPT TO:<carol@example.test>\nQUIT\n",
			[]string{"250 2.1.5 Ok", "550 5.1.1 <bob@example.test>: Recipient address rejected: User unknown (scenario: RCPT number 2)", "250 2.1.5 Ok", "221"}},
		{"a size limit", []string{"--scenario", "size-limit=1000"}, "EHLO me\nMAIL FROM:<bob@example.test> SIZE=5000\nQUIT\n",
			[]string{"250-SIZE 1000", "552 5.3.4"}},
		{"AUTH fails once", []string{"--scenario", "auth-fails-once"}, "EHLO me\nAUTH PLAIN AHN0dWRlbnQAc2VjcmV0\nAUTH PLAIN AHN0dWRlbnQAc2VjcmV0\nQUIT\n",
			[]string{"535 5.7.8", "235 2.7.0"}},
		{"a slow banner", []string{"--scenario", "slow-banner=300ms"}, "QUIT\n", []string{"220 ", "221"}},
		{"a tarpit", []string{"--scenario", "tarpit=50ms"}, "NOOP\nQUIT\n", []string{"220 ", "250 2.0.0 Ok", "221"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := startSandbox(t, 0, tt.args...)
			c, err := net.Dial("tcp", r.addrs["plain"])
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			start := time.Now()
			io.WriteString(c, strings.ReplaceAll(tt.script, "\n", "\r\n"))
			b, _ := io.ReadAll(c)
			got := string(b)
			at := 0
			for _, w := range tt.want {
				i := strings.Index(got[at:], w)
				if i < 0 {
					t.Fatalf("the session lacks %q after byte %d:\n%s", w, at, got)
				}
				at += i + len(w)
			}
			if tt.name == "a slow banner" && time.Since(start) < 300*time.Millisecond {
				t.Errorf("the greeting came after %s, want 300ms or more", time.Since(start))
			}
			if tt.name == "a tarpit" && time.Since(start) < 150*time.Millisecond {
				t.Errorf("three replies came in %s, want 50ms before each", time.Since(start))
			}
		})
	}
}

// poplibProgram is a course text's first retrieval program: send, then
// read it back with poplib and delete it.
const poplibProgram = `import poplib, smtplib, sys
smtp_host, smtp_port = sys.argv[1].rsplit(":", 1)
pop_host, pop_port = sys.argv[2].rsplit(":", 1)
with smtplib.SMTP(smtp_host, int(smtp_port)) as s:
    s.sendmail("bob@example.test", ["alice@example.test"], "Subject: hi alice\r\n\r\nhello\r\n")
p = poplib.POP3(pop_host, int(pop_port))
p.user("alice")
p.pass_("secret")
print(p.stat()[0], [l.decode() for l in p.retr(1)[1] if l.startswith(b"Subject")])
p.dele(1)
print(p.quit().decode())
`

// TestSandboxListenPOP3 runs --listen-pop3 as a student's Python program
// meets it, and checks the live log: a line per login, RETR and QUIT that
// deleted, and with --verbose no password.
func TestSandboxListenPOP3(t *testing.T) {
	r := startSandbox(t, 1, "--listen-pop3", "127.0.0.1:0", "--verbose", "--no-color")
	got := runPython(t, poplibProgram, r.addrs["plain"], r.addrs["pop3"])
	if want := "1 ['Subject: hi alice']\n+OK Logging out, messages deleted.\n"; got != want {
		t.Errorf("poplib printed %q, want %q", got, want)
	}
	out := r.stop(t)
	for _, w := range []string{"#2 connect from 127.0.0.1:", "(POP3)", "#2 POP3 login alice", "#2 POP3 RETR 1 (9E3779B97F5)",
		"#2 POP3 QUIT: 1 message(s) deleted", "#2 C: PASS <secret withheld>", "#2 S: +OK Logged in."} {
		if !strings.Contains(out, w) {
			t.Errorf("the log lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "secret\n") || strings.Contains(out, "PASS secret") {
		t.Errorf("the password reached the log:\n%s", out)
	}
}
