package term

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tmuxTerm drives a real terminal: a private tmux server runs the binary,
// keys go in with send-keys, and the screen comes back with capture-pane.
type tmuxTerm struct {
	t    *testing.T
	sock string
}

// run runs a tmux command on the private server, started without the
// user's configuration (a destroy-unattached there would end the
// detached session at once).
func (tm *tmuxTerm) run(args ...string) string {
	tm.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-f", os.DevNull, "-S", tm.sock}, args...)...).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// screen is everything the pane showed, scrollback included, with wrapped
// lines joined.
func (tm *tmuxTerm) screen() string { return tm.run("capture-pane", "-p", "-J", "-S", "-", "-t", "t") }

func (tm *tmuxTerm) keys(keys ...string) {
	tm.run(append([]string{"send-keys", "-t", "t"}, keys...)...)
}

// waitFor polls the screen until ok accepts it, within a bounded time,
// instead of sleeping a fixed amount and hoping.
func (tm *tmuxTerm) waitFor(what string, ok func(screen string) bool) string {
	tm.t.Helper()
	deadline := time.Now().Add(20 * time.Second) // generous: CI machines are loaded
	for {
		s := tm.screen()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("waiting for %s; the screen shows:\n%s", what, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (tm *tmuxTerm) waitText(text string) string {
	tm.t.Helper()
	return tm.waitFor(text, func(s string) bool { return strings.Contains(s, text) })
}

// waitCount waits until text has appeared n times, e.g. the n-th prompt.
func (tm *tmuxTerm) waitCount(text string, n int) string {
	tm.t.Helper()
	return tm.waitFor(text, func(s string) bool { return strings.Count(s, text) >= n })
}

func startTmux(t *testing.T, command string) *tmuxTerm {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (apt-get install -y tmux; .ci installs it): skipping the end-to-end terminal test")
	}
	tm := &tmuxTerm{t: t, sock: filepath.Join(t.TempDir(), "tmux.sock")}
	// remain-on-exit keeps the pane, and so the server, when the command
	// ends early (a signal, a crash): the test then fails on what the
	// screen shows, not on "no server running".
	tm.run("new-session", "-d", "-s", "t", "-x", "200", "-y", "50", command, ";", "set-option", "-t", "t", "remain-on-exit", "on")
	t.Cleanup(func() { exec.Command("tmux", "-S", tm.sock, "kill-server").Run() })
	return tm
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "smtprepl")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/smtprepl").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestTmuxInteractiveSession is the user's view end to end: the real
// binary in a real terminal against its sandbox.
func TestTmuxInteractiveSession(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (apt-get install -y tmux; .ci installs it): skipping the end-to-end terminal test")
	}
	bin := buildBinary(t)
	state := t.TempDir()
	tm := startTmux(t, "env XDG_STATE_HOME="+state+" HOME="+state+" "+bin+"; echo SMTPREPL-EXITED; sleep 60")
	prompt := " › "

	tm.waitText("S: 220 sandbox.smtprepl.test ESMTP")
	tm.waitCount(prompt, 1)

	tm.keys("EHLO me.example", "Enter")
	s := tm.waitText("CHUNKING ")
	for _, want := range []string{"S: 250-PIPELINING", "(RFC 2920)", "SIZE 10485760", "(RFC 1870)", "log in with AUTH"} {
		if !strings.Contains(s, want) {
			t.Errorf("after EHLO the screen lacks %q:\n%s", want, s)
		}
	}
	tm.waitCount(prompt, 2)

	tm.keys("MA", "Tab")
	tm.waitFor("MA+Tab to complete MAIL FROM:<", func(s string) bool { return strings.HasSuffix(lastLine(s), "› MAIL FROM:<") })
	tm.keys("C-u")

	tm.keys(":b64 alice", "Enter")
	tm.waitText("YWxpY2U=")
	tm.waitCount(prompt, 3)

	tm.keys("AUTH LOGIN", "Enter")
	tm.waitText("Username:")
	tm.keys("c3R1ZGVudA==", "Enter")
	tm.waitText("Password:")
	tm.keys("c2VjcmV0", "Enter")
	s = tm.waitText("S: 235 2.7.0")
	_, afterPrompt, _ := strings.Cut(s, "Password:")
	for _, secret := range []string{"secret", "c2VjcmV0"} {
		if strings.Contains(afterPrompt, secret) {
			t.Errorf("%q appeared on screen after the password prompt:\n%s", secret, afterPrompt)
		}
	}

	tm.waitFor("the prompt to show the login", func(s string) bool { return strings.Contains(lastLine(s), "student") })
	tm.keys(":quit", "Enter")
	tm.waitText("SMTPREPL-EXITED")

	hist, err := os.ReadFile(filepath.Join(state, "smtprepl", "history"))
	if err != nil {
		t.Fatalf("history file: %v", err)
	}
	for _, secret := range []string{"secret", "c2VjcmV0"} {
		if strings.Contains(string(hist), secret) {
			t.Errorf("history holds %q:\n%s", secret, hist)
		}
	}
	if !strings.Contains(string(hist), "AUTH LOGIN\n") {
		t.Errorf("history lacks the commands typed:\n%s", hist)
	}
}

// lastLine is the last non-empty line on screen: where the cursor is.
func lastLine(screen string) string {
	lines := strings.Split(strings.TrimRight(screen, "\n "), "\n")
	return strings.TrimRight(lines[len(lines)-1], " ")
}

// TestTmuxClearAndComposeTab: Ctrl-L clears the screen, leaving the
// prompt at the top; Tab after ":compose " lists the subcommands, not the
// files of the directory.
func TestTmuxClearAndComposeTab(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "stray-file.txt"), nil, 0o600)
	tm := startTmux(t, "cd "+dir+" && env XDG_STATE_HOME="+dir+" HOME="+dir+" "+bin+"; sleep 60")
	tm.waitText("S: 220 sandbox.smtprepl.test ESMTP")
	tm.waitCount(" › ", 1)
	tm.keys(":compose ", "Tab", "Tab")
	s := tm.waitText("inline")
	if strings.Contains(s, "stray-file.txt") {
		t.Errorf("Tab after :compose listed the directory's files:\n%s", s)
	}
	tm.keys("C-u", "C-l")
	tm.waitFor("Ctrl-L to clear the screen", func(string) bool {
		visible := strings.TrimSpace(tm.run("capture-pane", "-p", "-t", "t"))
		return !strings.Contains(visible, "220 sandbox") && strings.HasSuffix(visible, "›")
	})
}

// TestTmuxSIGTERMEndsTheShell: kill's SIGTERM ends the shell as Ctrl-D
// does: exit 2 with one sentence, the recording finished, and the
// terminal given back with its echo on.
func TestTmuxSIGTERMEndsTheShell(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (apt-get install -y tmux; .ci installs it): skipping the end-to-end terminal test")
	}
	bin := buildBinary(t)
	state := t.TempDir()
	rec := filepath.Join(state, "rec.txt")
	tm := startTmux(t, "sh -c 'echo PID=$$; exec env XDG_STATE_HOME="+state+" HOME="+state+" "+bin+" --record "+rec+"'; echo EXIT=$?; sh")
	s := tm.waitText("S: 220 sandbox.smtprepl.test ESMTP")
	tm.waitCount(" › ", 1)
	_, after, _ := strings.Cut(s, "PID=")
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(after, "\n", 2)[0]))
	if err != nil {
		t.Fatalf("no PID on screen:\n%s", s)
	}
	tm.keys("EHLO me.example", "Enter")
	tm.waitText("CHUNKING ")
	tm.waitCount(" › ", 2)

	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	s = tm.waitText("EXIT=")
	if !strings.Contains(s, "smtprepl: the shell was ended by SIGTERM") || !strings.Contains(s, "EXIT=2") {
		t.Errorf("after SIGTERM the screen shows:\n%s", s)
	}
	tm.keys("echo typed-back", "Enter")
	tm.waitFor("the shell's echo of what is typed", func(s string) bool { return strings.Count(s, "typed-back") >= 2 })

	b, err := os.ReadFile(rec)
	if err != nil || !strings.Contains(string(b), "C: EHLO me.example\nS: 250-sandbox.smtprepl.test") || !strings.Contains(string(b), "S: 250 CHUNKING") {
		t.Errorf("the recording (%v):\n%s", err, b)
	}
}
