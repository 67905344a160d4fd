//go:build interop

package main

// Interop rows for `smtprepl send`: a message with a header and an
// attachment, STARTTLS, and swaks's exit codes side by side with swaks
// itself against smtp-sink's failure flags.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestInteropSend(t *testing.T) {
	cases := []iopCase{
		{"send with a header and an attachment", nil, iopSendAttachment},
		{"send --starttls verified with --cafile", []string{fStartTLS}, iopSendStartTLS},
		{"send --auth, the best mechanism offered, right password", []string{fAuth}, iopSendAuth("", true)},
		{"send --auth login, right password", []string{fAuth}, iopSendAuth("login", true)},
		{"send --auth plain, wrong password exits 28", []string{fAuth}, iopSendAuth("plain", false)},
	}
	for _, s := range iopServers() {
		t.Run(s.name, func(t *testing.T) {
			if s.addr() == "" || os.Getenv("SMTPREPL_PEERS_CA") == "" {
				t.Skipf("%s or SMTPREPL_PEERS_CA is not set: start the peers with `bash .ci/peers/start.sh DIR` and export DIR/peers.env", s.addrEnv)
			}
			t.Parallel()
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					for _, f := range c.needs {
						if why, ok := s.lacks[f]; ok {
							t.Skipf("needs %s: %s", f, why)
						}
					}
					c.run(t, s)
				})
			}
		})
	}
}

// sendArgs are send's flags for s: its address, and what makes a session
// ready for mail there (--tls, --starttls, --cafile).
func (s *iopServer) sendArgs(flags ...string) []string {
	return append(append([]string{"send", "--server", s.addr()}, s.ready()...), flags...)
}

func iopSendAttachment(t *testing.T, s *iopServer) {
	// Short, so the builder does not fold the header line the token
	// is found by.
	tok := fmt.Sprintf("send-%d", time.Now().UnixNano())
	file := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(file, []byte("%PDF-1.4 interop "+tok+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := iopRun(t, nil, s.sendArgs("--ehlo", "interop.smtprepl.test", "--from", "bob@example.test", "--to", "alice@example.test",
		"--header", iopTokenHeader+tok, "--subject", "send interop", "--attach", file)...)
	iopExpectExit(t, r, exitOK)
	iopExpectReplies(t, r, iopWant{"MAIL", "250"}, iopWant{"RCPT", "250"}, iopWant{"DATA", "354 "},
		iopWant{".", s.reply("data")}, iopWant{"QUIT", s.reply("quit")})
	if s.maildirEnv == "" || s.maildir() == "" {
		return
	}
	ours, above := iopDelivered(t, s.maildir(), tok)
	delivered := string(above) + string(ours)
	for _, want := range []string{"Subject: send interop", "Content-Type: application/pdf; name=report.pdf",
		"Content-Disposition: attachment; filename=report.pdf", "MIME-Version: 1.0", "Message-ID: <"} {
		if !strings.Contains(delivered, want) {
			t.Errorf("the delivered message lacks %q:\n%s", want, delivered)
		}
	}
}

func iopSendStartTLS(t *testing.T, s *iopServer) {
	r := iopRun(t, nil, "send", "--server", s.addr(), "--cafile", os.Getenv("SMTPREPL_PEERS_CA"), "--starttls",
		"--ehlo", "interop.smtprepl.test", "--from", "bob@example.test", "--to", "alice@example.test", "--show", "none")
	iopExpectExit(t, r, exitOK)
	iopExpectSequence(t, r, "C: STARTTLS", "S: "+s.reply("starttls"), "=== TLS established", "C: EHLO interop.smtprepl.test")
	iopExpectReplies(t, r, iopWant{"EHLO", "250"}, iopWant{"STARTTLS", s.reply("starttls")}, iopWant{"EHLO", "250"},
		iopWant{"MAIL", "250"}, iopWant{"RCPT", "250"}, iopWant{"DATA", "354 "}, iopWant{".", s.reply("data")}, iopWant{"QUIT", s.reply("quit")})
}

// TestInteropSendExitCodesLikeSwaks fails a stage with smtp-sink's flags
// (-f: 5xx, -r: 4xx, -Q: 421 and hang up) and runs send and swaks against
// it: both must exit with the same number.
func TestInteropSendExitCodesLikeSwaks(t *testing.T) {
	for _, tool := range []string{"/usr/sbin/smtp-sink", "swaks"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (bash .ci/peers/install.sh)", tool)
		}
	}
	bin := iopBinary
	if bin == "" {
		var err error
		if bin, err = iopBuild(t.TempDir()); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name string
		sink []string
		want int
	}{
		{"accepted", nil, 0},
		{"greeting refused", []string{"-f", "connect"}, 21},
		{"EHLO refused", []string{"-f", "ehlo", "-f", "helo"}, 22},
		{"MAIL refused", []string{"-f", "mail"}, 23},
		{"MAIL deferred", []string{"-r", "mail"}, 23},
		{"RCPT refused", []string{"-f", "rcpt"}, 24},
		{"RCPT 421 and hang-up", []string{"-Q", "rcpt"}, 24},
		{"DATA refused", []string{"-f", "data"}, 25},
		{"message refused", []string{"-f", "."}, 26},
		{"message deferred", []string{"-r", "."}, 26},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr := startSink(t, tc.sink...)
			swaks := exitOf(t, exec.Command("swaks", "--server", addr, "--from", "bob@example.test", "--to", "alice@example.test", "--timeout", "10"))
			got := exitOf(t, exec.Command(bin, "send", "--server", addr, "--from", "bob@example.test", "--to", "alice@example.test", "--timeout", "10s"))
			if got != tc.want || swaks != tc.want {
				t.Errorf("exit: smtprepl send %d, swaks %d; want %d for both", got, swaks, tc.want)
			}
		})
	}
}

func exitOf(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd = exec.CommandContext(ctx, cmd.Path, cmd.Args[1:]...)
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s did not finish: %s", cmd.Path, out.String())
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

// startSink runs Postfix's smtp-sink on a free port with failure flags,
// stopped with t.
func startSink(t *testing.T, flags ...string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	args := append([]string{"-u", "postfix", "-h", "sink.example.test"}, flags...)
	cmd := exec.Command("/usr/sbin/smtp-sink", append(args, addr, "16")...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for range 100 {
		if c, err := net.Dial("tcp", addr); err == nil {
			bufio.NewReader(c).ReadString('\n')
			c.Close()
			return addr
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("smtp-sink did not listen on %s", addr)
	return ""
}

// iopSendAuth logs in with the secret from --auth-password-file; a wrong
// one is swaks's exit 28, one sentence, and never shown.
func iopSendAuth(mech string, right bool) func(t *testing.T, s *iopServer) {
	return func(t *testing.T, s *iopServer) {
		pass := iopPass()
		if !right {
			pass = "not-" + pass
		}
		// A file, not the environment: these run in parallel.
		file := filepath.Join(t.TempDir(), "secret")
		if err := os.WriteFile(file, []byte(pass+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		args := s.sendArgs("--from", "bob@example.test", "--to", "alice@example.test", "--show", "none",
			"--auth-user", os.Getenv("SMTPREPL_PEERS_USER"), "--auth-password-file", file)
		if mech != "" {
			args = append(args, "--auth", mech)
		}
		r := iopRun(t, nil, args...)
		if strings.Contains(r.stdout+r.stderr, pass) {
			t.Errorf("the password shows in the output\n%s", r.describe())
		}
		if !right {
			if r.exit != 28 {
				t.Errorf("exit %d, want 28\n%s", r.exit, r.describe())
			}
			if !strings.HasPrefix(r.stderr, "smtprepl: auth stage: the login was not accepted: "+s.reply("auth bad")) || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("stderr = %q, want one sentence quoting %q", r.stderr, s.reply("auth bad"))
			}
			return
		}
		iopExpectExit(t, r, exitOK)
		if mech != "" && !strings.Contains(r.stdout, "C: AUTH "+strings.ToUpper(mech)) {
			t.Errorf("no AUTH %s in the transcript\n%s", strings.ToUpper(mech), r.describe())
		}
		iopExpectReplies(t, r, iopWant{"MAIL", "250"}, iopWant{".", s.reply("data")})
		if !strings.Contains(r.stdout, "S: "+s.reply("auth ok")) {
			t.Errorf("no %q in the transcript\n%s", s.reply("auth ok"), r.describe())
		}
	}
}

// TestInteropSendAuthBest: send --auth with no mechanism picks the best
// each peer offers (SCRAM-SHA-256 > CRAM-MD5 > PLAIN > LOGIN) and logs in.
func TestInteropSendAuthBest(t *testing.T) {
	want := map[string]string{"postfix": "PLAIN", "postfix-scram": "SCRAM-SHA-256", "aiosmtpd": "PLAIN", "exim": "PLAIN"}
	for _, p := range iopAuthPeers() {
		t.Run(p.server.name, func(t *testing.T) {
			s := p.server
			if s.addr() == "" {
				t.Skipf("%s is not set: start the peers with .ci/peers/start.sh and export DIR/peers.env", s.addrEnv)
			}
			file := filepath.Join(t.TempDir(), "secret")
			if err := os.WriteFile(file, []byte(iopPass()+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			r := iopRun(t, nil, "send", "--server", s.addr(), "--from", "bob@example.test", "--to", "alice@example.test", "--show", "none",
				"--auth", "--auth-user", os.Getenv("SMTPREPL_PEERS_USER"), "--auth-password-file", file)
			iopExpectExit(t, r, exitOK)
			if !strings.Contains(r.stdout, "C: AUTH "+want[s.name]) || !strings.Contains(r.stdout, "S: "+s.reply("auth ok")) {
				t.Errorf("want AUTH %s and %q\n%s", want[s.name], s.reply("auth ok"), r.describe())
			}
		})
	}
}
