package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binaryTimeout bounds every process these tests start.
const binaryTimeout = 30 * time.Second

// TestBinary drives the real smtprepl binary: the mock of each recording,
// replayed by smtprepl replay, matches it exactly; real clients (Python's
// smtplib, swaks) talk to the mock; a --record session replays.
func TestBinary(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "smtprepl")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Run("mock and replay", func(t *testing.T) {
		for _, name := range []string{"rfc5321-d1-typical.txt", "rfc5321-d2-aborted.txt", "rfc5321-d4-verify.txt",
			"rfc2920-pipelining.txt", "swaks-postfix-starttls.log", "swaks-postfix-submission.log"} {
			t.Run(name, func(t *testing.T) { mockAndReplay(t, bin, testdata+name) })
		}
	})
	t.Run("smtplib", func(t *testing.T) { smtplibAgainstMock(t, bin) })
	t.Run("swaks", func(t *testing.T) { swaksAgainstMock(t, bin) })
	t.Run("record and replay", func(t *testing.T) { recordAndReplay(t, bin) })
	t.Run("mock deviation", func(t *testing.T) { mockDeviation(t, bin) })
	t.Run("python app", func(t *testing.T) { pythonApp(t, bin) })
	t.Run("implicit TLS", func(t *testing.T) { implicitTLS(t, bin) })
	t.Run("interrupt", func(t *testing.T) { interrupt(t, bin) })
}

// interrupt: Ctrl-C while a script waits for a silent server. With a
// recording open the session ends cleanly, the recording holds what was
// said, and the exit is 2 with one sentence; with nothing to save the
// signal ends the process at once, as it ends swaks.
func interrupt(t *testing.T, bin string) {
	for _, tc := range []struct {
		name   string
		record bool
	}{{"recording", true}, {"nothing to save", false}} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			heard := make(chan string, 1)
			go func() {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
				c.Write([]byte("220 silent.example ESMTP\r\n"))
				line, _ := bufio.NewReader(c).ReadString('\n')
				heard <- line
				time.Sleep(binaryTimeout) // never answers
			}()
			rec := filepath.Join(t.TempDir(), "rec.txt")
			script := "EHLO me.example\nQUIT\n"
			if tc.record {
				script = ":record " + rec + "\n" + script
			}
			var out strings.Builder
			cmd := exec.Command(bin, ln.Addr().String())
			cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(script), &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			select {
			case line := <-heard:
				if line != "EHLO me.example\r\n" {
					t.Fatalf("the server heard %q", line)
				}
			case <-time.After(binaryTimeout):
				cmd.Process.Kill()
				t.Fatal("the script never sent EHLO")
			}
			cmd.Process.Signal(os.Interrupt)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("still running 10 s after Ctrl-C\n%s", out.String())
			}
			ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if !tc.record {
				if !ws.Signaled() || ws.Signal() != syscall.SIGINT {
					t.Errorf("with nothing to save: %v, want death by SIGINT\n%s", cmd.ProcessState, out.String())
				}
				return
			}
			if ws.Signaled() || ws.ExitStatus() != exitFailure || !strings.Contains(out.String(), "smtprepl: ") {
				t.Errorf("with a recording: %v, want exit 2 and a sentence\n%s", cmd.ProcessState, out.String())
			}
			b, err := os.ReadFile(rec)
			if err != nil || !strings.Contains(string(b), "S: 220 silent.example ESMTP\nC: EHLO me.example\n") {
				t.Errorf("the recording (%v):\n%s", err, b)
			}
		})
	}
}

// mockDeviation: a client that sends HELO where the recording has EHLO
// gets the 503, and mock --once exits 1 listing the deviation.
func mockDeviation(t *testing.T, bin string) {
	m := startMock(t, bin, testdata+"rfc5321-d2-aborted.txt")
	conn, err := net.DialTimeout("tcp", m.addr, binaryTimeout)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(binaryTimeout))
	br := bufio.NewReader(conn)
	greeting, _ := br.ReadString('\n')
	io.WriteString(conn, "HELO bar.com\r\n")
	reply, _ := br.ReadString('\n')
	conn.Close()
	if greeting != "220 foo.com Simple Mail Transfer Service Ready\r\n" ||
		reply != "503 5.5.1 Error: expected EHLO (recorded: EHLO bar.com)\r\n" {
		t.Errorf("got %q then %q", greeting, reply)
	}
	code, out := m.wait(t)
	want := "mock: the client deviated from the recording (1 of 7 steps played):\n" +
		"  - step 2: got \"HELO bar.com\", expected EHLO (recorded: EHLO bar.com)\n"
	if code != 1 || !strings.HasPrefix(out, want) {
		t.Errorf("mock: exit %d, want 1 and %q\n%s", code, want, out)
	}
}

func TestMockUsage(t *testing.T) {
	tests := []struct {
		args   []string
		stderr string
	}{
		{nil, "mock needs one transcript, got 0 argument(s)"},
		{[]string{testdata + "rfc5321-d1-typical.txt", "--timeout", "0s"}, "--timeout must be positive"},
		{[]string{"nope.txt"}, "cannot read the transcript"},
		{[]string{testdata + "rfc5321-d1-typical.txt", "--listen", "256.0.0.1:1"}, "mock cannot listen on 256.0.0.1:1"},
		{[]string{testdata + "rfc5321-d1-typical.txt", "--user", "app"}, "--user app needs its secret: --user-password-env VAR or --user-password-file FILE"},
		{[]string{testdata + "rfc5321-d1-typical.txt", "--user", ":x"}, "--user needs a user name"},
		{[]string{testdata + "rfc5321-d1-typical.txt", "--user", "app:x", "--user-password-env", "HOME"}, "--user takes its secret from one place"},
		{[]string{testdata + "rfc5321-d1-typical.txt", "--user", "app", "--user-password-env", "SMTPREPL_TEST_NO_SUCH_VARIABLE"}, "--user-password-env: $SMTPREPL_TEST_NO_SUCH_VARIABLE is empty or not set"},
		{[]string{testdata + "rfc5321-d1-typical.txt", "--user", "app", "--user-password-file", "/nonexistent/pw"}, "--user-password-file: open /nonexistent/pw: no such file or directory"},
		{[]string{testdata + "rfc5321-d1-typical.txt", "--user-password-file", "/nonexistent/pw"}, "--user-password-env and --user-password-file need --user NAME"},
	}
	for _, tc := range tests {
		code, _, errOut := runCmd(t, "", append([]string{"mock"}, tc.args...)...)
		wantCode := exitUsage
		if strings.HasPrefix(tc.stderr, "mock cannot listen") {
			wantCode = exitFailure
		}
		if code != wantCode || !strings.Contains(errOut, tc.stderr) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("mock %q: exit %d, stderr %q; want %d and %q", tc.args, code, errOut, wantCode, tc.stderr)
		}
	}
}

// mockProcess is a running "smtprepl mock --once".
type mockProcess struct {
	cmd    *exec.Cmd
	addr   string
	stdout *bufio.Reader
	stderr strings.Builder
}

var listeningRE = regexp.MustCompile(`listening on (\S+), playing`)

// startMock starts the mock of file and reads the address it prints.
func startMock(t *testing.T, bin, file string, extra ...string) *mockProcess {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), binaryTimeout)
	t.Cleanup(cancel)
	args := append([]string{"mock", file, "--listen", "127.0.0.1:0", "--once", "--timeout", "10s"}, extra...)
	return startMockCmd(t, exec.CommandContext(ctx, bin, args...))
}

// startMockCmd starts a mock command and reads the address it prints.
func startMockCmd(t *testing.T, cmd *exec.Cmd) *mockProcess {
	t.Helper()
	m := &mockProcess{cmd: cmd}
	m.cmd.Stderr = &m.stderr
	pipe, err := m.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	m.stdout = bufio.NewReader(pipe)
	line, err := m.stdout.ReadString('\n')
	sub := listeningRE.FindStringSubmatch(line)
	if err != nil || sub == nil {
		t.Fatalf("mock printed %q (%v), want its address; stderr:\n%s", line, err, m.stderr.String())
	}
	m.addr = sub[1]
	return m
}

// wait returns the mock's exit code and the rest of its output.
func (m *mockProcess) wait(t *testing.T) (int, string) {
	t.Helper()
	rest, _ := io.ReadAll(m.stdout)
	err := m.cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("mock: %v", err)
	}
	return m.cmd.ProcessState.ExitCode(), string(rest)
}

// runBinary runs the binary to its end and returns its exit code and output.
func runBinary(t *testing.T, bin, stdin string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), binaryTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("%s: %v", args[0], err)
	}
	return cmd.ProcessState.ExitCode(), string(out)
}

func mockAndReplay(t *testing.T, bin, file string) {
	cert := filepath.Join(t.TempDir(), "mock.pem")
	m := startMock(t, bin, file, "--write-cert", cert)
	code, out := runBinary(t, bin, "", "replay", file, "--against", m.addr, "--cafile", cert, "--exact", "--timeout", "10s")
	if code != 0 || !strings.Contains(out, "steps match (exact text, volatile parts masked)") {
		t.Errorf("replay: exit %d, want 0\n%s", code, out)
	}
	mcode, mout := m.wait(t)
	if mcode != 0 || !strings.Contains(mout, "the client followed the recording") {
		t.Errorf("mock: exit %d, want 0\n%s\nstderr:\n%s", mcode, mout, m.stderr.String())
	}
}

// smtplibScript sends one message to three recipients and prints what
// sendmail reports refused.
const smtplibScript = `import smtplib, sys
host, port = sys.argv[1].rsplit(":", 1)
s = smtplib.SMTP(host, int(port), timeout=10)
print(s.sendmail("Smith@bar.com", ["Jones@foo.com", "Green@foo.com", "Brown@foo.com"],
                 "Subject: test\r\n\r\nBlah blah blah...\r\n"))
s.quit()
`

func smtplibAgainstMock(t *testing.T, bin string) {
	const python = "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Skipf("%s is not installed (Debian's python3): skipping the smtplib client test", python)
	}
	m := startMock(t, bin, testdata+"rfc5321-d1-typical.txt")
	code, out := runBinary(t, python, "", "-c", smtplibScript, m.addr)
	if want := "{'Green@foo.com': (550, b'No such user here')}\n"; code != 0 || out != want {
		t.Errorf("smtplib: exit %d, printed %q, want %q", code, out, want)
	}
	if mcode, mout := m.wait(t); mcode != 0 {
		t.Errorf("mock: exit %d, want 0\n%s\nstderr:\n%s", mcode, mout, m.stderr.String())
	}
}

func swaksAgainstMock(t *testing.T, bin string) {
	const swaks = "/usr/bin/swaks"
	if _, err := os.Stat(swaks); err != nil {
		t.Skipf("%s is not installed (apt-get install -y swaks): skipping the swaks client test", swaks)
	}
	if code, out := runBinary(t, swaks, "", "--support"); code != 0 || !strings.Contains(out, "=== TLS supported") {
		t.Skipf("swaks cannot do STARTTLS here (Net::SSLeay missing?): %s", out)
	}
	m := startMock(t, bin, testdata+"swaks-postfix-submission.log")
	code, out := runBinary(t, swaks, "", "--server", m.addr, "--ehlo", "client.example", "--tls",
		"--from", "student@example.test", "--to", "alice@example.test",
		"--auth", "LOGIN", "--auth-user", "student", "--auth-password", "secret", "--timeout", "10")
	if code != 0 || !strings.Contains(out, "<~  221 2.0.0 Bye") {
		t.Errorf("swaks: exit %d, want 0\n%s", code, out)
	}
	// swaks sends what it sent when the log was recorded, so not even the
	// arguments differ.
	if mcode, mout := m.wait(t); mcode != 0 || !strings.Contains(mout, "(12 of 12 steps, 0 note(s))") {
		t.Errorf("mock: exit %d, want 0 and no notes\n%s\nstderr:\n%s", mcode, mout, m.stderr.String())
	}
}

// recordAndReplay records a sandbox session with smtprepl --record (script
// mode), replays it against a fresh sandbox, and then an edited copy that
// expects a refusal for carol.
func recordAndReplay(t *testing.T, bin string) {
	rec := recordViaScript(t, func(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
		b, _ := io.ReadAll(stdin)
		code, out := runBinary(t, bin, string(b), args...)
		io.WriteString(stdout, out)
		return code
	})
	code, out := runBinary(t, bin, "", "replay", rec, "--against", "sandbox")
	if want := `the recording needs the secret "AUTH PLAIN credentials" and stdin is not a terminal`; code != 64 || !strings.Contains(out, want) {
		t.Errorf("replay without the secret: exit %d, want 64 and %q\n%s", code, want, out)
	}
	code, out = runBinary(t, bin, "", "replay", rec, "--against", "sandbox", "--secret", "AUTH PLAIN credentials="+plainCredentials, "--exact")
	if code != 0 {
		t.Errorf("replay: exit %d, want 0\n%s", code, out)
	}
	b, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(b), "C: RCPT TO:<carol@example.test>\nS: 250 2.1.5 Ok\n",
		"C: RCPT TO:<carol@example.test>\nS: 550 5.1.1 <carol@example.test>: Recipient address rejected\n", 1)
	if edited == string(b) {
		t.Fatalf("the recording has no RCPT for carol answered 250 2.1.5 Ok:\n%s", b)
	}
	editedFile := filepath.Join(t.TempDir(), "edited.txt")
	os.WriteFile(editedFile, []byte(edited), 0o600)
	ctx, cancel := context.WithTimeout(context.Background(), binaryTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "replay", editedFile, "--against", "sandbox")
	cmd.Env = append(os.Environ(), "SMTPREPL_SECRET_AUTH_PLAIN_CREDENTIALS="+plainCredentials)
	out2, _ := cmd.CombinedOutput()
	want := "step 8   RCPT TO:<carol@example.test>\n         reply code: want 550, got 250\n"
	if cmd.ProcessState.ExitCode() != 1 || !strings.Contains(string(out2), want) {
		t.Errorf("replay of the edited recording: exit %d, want 1 and %q\n%s", cmd.ProcessState.ExitCode(), want, out2)
	}
}

// TestMockWriteCertAfterListen: a mock that cannot listen leaves the
// certificate file alone, since a running mock's clients trust it.
func TestMockWriteCertAfterListen(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cert := filepath.Join(t.TempDir(), "mock.pem")
	const old = "the certificate a running mock's clients trust\n"
	os.WriteFile(cert, []byte(old), 0o644)
	code, _, errOut := runCmd(t, "", "mock", testdata+"rfc5321-d1-typical.txt", "--listen", ln.Addr().String(), "--write-cert", cert)
	if b, _ := os.ReadFile(cert); code != exitFailure || string(b) != old {
		t.Errorf("mock on a busy address: exit %d (want %d), certificate file now %q\nstderr: %s", code, exitFailure, b, errOut)
	}
}

// TestMockUserInline: a secret on the command line works, with a warning
// that never repeats it.
func TestMockUserInline(t *testing.T) {
	var stdout, stderr strings.Builder
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: os.Getenv}
	f := &mockFlags{user: "app:hunter2-secret"}
	u, err := f.mockUser(e)
	if err != nil || u.Name != "app" || u.Secret != "hunter2-secret" {
		t.Fatalf("mockUser = %+v, %v", u, err)
	}
	want := "mock: warning: a secret in --user NAME:SECRET shows in ps and in the shell's history; use --user-password-env or --user-password-file\n"
	if stderr.String() != want {
		t.Errorf("stderr = %q, want %q", stderr.String(), want)
	}
}

// implicitTLS: mock --tls speaks TLS from the first byte to smtplib's
// SMTP_SSL, with the certificate --write-cert wrote; a plaintext client
// of it, and a TLS client of a plaintext mock, are one sentence each.
func implicitTLS(t *testing.T, bin string) {
	const python = "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Skipf("%s is not installed: skipping the SMTP_SSL client test", python)
	}
	dir := t.TempDir()
	rec, cert := filepath.Join(dir, "465.txt"), filepath.Join(dir, "mock.pem")
	os.WriteFile(rec, []byte("S: 220 mx.test ESMTP\nC: ehlo localhost\nS: 250 mx.test\nC: quit\nS: 221 2.0.0 Bye\n"), 0o600)
	const script = `import smtplib, ssl, sys
host, port, mode, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
try:
    if mode == "tls":
        s = smtplib.SMTP_SSL(host, port, local_hostname="localhost", timeout=10, context=ssl.create_default_context(cafile=cafile))
    else:
        s = smtplib.SMTP(host, port, local_hostname="localhost", timeout=3)
    s.ehlo()
    s.quit()
except Exception as e:
    print(type(e).__name__)
`
	tests := []struct {
		name, mode string
		tls        bool
		exit       int
		want       string
	}{
		{"SMTP_SSL and --tls", "tls", true, 0, "mock: the client followed the recording (3 of 3 steps, 0 note(s))"},
		{"plaintext client and --tls", "plain", true, 1, "  - the client sent no TLS handshake (it waits for a plaintext greeting, or hung up), but the mock is TLS from the first byte (--tls)\n"},
		{"SMTP_SSL and a plaintext mock", "tls", false, 1, "  - the client began a TLS handshake, but the recording starts in plaintext: use --tls\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			extra := []string{"--write-cert", cert, "--timeout", "5s"}
			if tc.tls {
				extra = append(extra, "--tls")
			}
			m := startMock(t, bin, rec, extra...)
			code, out := runBinary(t, python, "", "-c", script, "127.0.0.1", m.port(t), tc.mode, cert)
			mcode, mout := m.wait(t)
			if mcode != tc.exit || !strings.Contains(mout, tc.want) {
				t.Errorf("mock: exit %d, want %d and %q\n%s\nclient: exit %d %s", mcode, tc.exit, tc.want, mout, code, out)
			}
		})
	}
}
