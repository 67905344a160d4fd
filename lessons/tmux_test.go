package lessons_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// screen drives the real binary in a real terminal: a private tmux
// server runs it, keys go in with send-keys, capture-pane reads it back.
type screen struct {
	t    *testing.T
	sock string
}

func (s *screen) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", s.sock}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (s *screen) text() string { return s.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "lesson") }

func (s *screen) keys(keys ...string) {
	s.tmux(append([]string{"send-keys", "-t", "lesson"}, keys...)...)
}

// waitCount polls until text is on screen n times, within a bound,
// rather than sleeping and hoping.
func (s *screen) waitCount(text string, n int) string {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := s.text()
		if strings.Count(got, text) >= n {
			return got
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("waiting for %q (×%d); the screen shows:\n%s", text, n, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startLesson builds the binary and runs `smtprepl lesson ARGS` in a
// private tmux server, with HOME and XDG_STATE_HOME in a fresh directory
// (args gets it, for files such as a report). It skips without tmux.
func startLesson(t *testing.T, args func(dir string) string) *screen {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (apt-get install -y tmux; .ci installs it): skipping the guided lesson in a real terminal")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "smtprepl")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/smtprepl").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	s := &screen{t: t, sock: filepath.Join(dir, "tmux.sock")}
	s.tmux("new-session", "-d", "-s", "lesson", "-x", "160", "-y", "50",
		"env HOME="+dir+" XDG_STATE_HOME="+dir+" "+bin+" lesson "+args(dir)+"; echo LESSON-EXIT=$?; sleep 60")
	t.Cleanup(func() { exec.Command("tmux", "-S", s.sock, "kill-server").Run() })
	return s
}

// TestTmuxLessonGuided: a student runs `smtprepl lesson hello` in a
// terminal, sends a suggested line with Enter, types a line, types a wrong
// one and sees the server's error explained and the step repeated.
func TestTmuxLessonGuided(t *testing.T) {
	s := startLesson(t, func(string) string { return "hello" })

	s.waitCount("type  :open", 1)
	s.keys("Enter") // Enter alone sends the suggested line
	s.waitCount("✓ 220", 1)

	s.waitCount("type  HELO laptop.example", 1)
	s.keys("HELO laptop.example", "Enter")
	s.waitCount("✓ 250", 1)

	s.waitCount("type  EHLO laptop.example", 1)
	s.keys("EHLO", "Enter") // wrong: EHLO needs the client's name
	got := s.waitCount("The step is repeated: try again.", 1)
	for _, want := range []string{
		"S: 501",
		"✗ this step expects 250; the server said 501",
		"EHLO needs your host name as its argument", // the lesson's words for 501
	} {
		if !strings.Contains(got, want) {
			t.Errorf("after a wrong EHLO the screen lacks %q:\n%s", want, got)
		}
	}
	s.waitCount("type  EHLO laptop.example", 2)
	s.keys("EHLO laptop.example", "Enter")
	s.waitCount("✓ 250", 2)

	s.waitCount("Step 4/5", 1)
	s.keys(":quit", "Enter")
	got = s.waitCount("LESSON-EXIT=", 1)
	if !strings.Contains(got, "Left the lesson at step 4 of 5") || !strings.Contains(got, "LESSON-EXIT=1") {
		t.Errorf("leaving the lesson early should say so and exit 1:\n%s", got)
	}
}

// TestTmuxTeacherFileReport: a student runs a teacher's lesson file in a
// terminal with --report, gets a recipient wrong once, and the report
// counts two attempts at that checkpoint; the end shows what alice got.
func TestTmuxTeacherFileReport(t *testing.T) {
	var report string
	s := startLesson(t, func(dir string) string {
		report = filepath.Join(dir, "week3.json")
		return teacher + "week3.txtar --report " + report
	})

	for _, prompt := range []string{"type  :open", "type  EHLO student.example", "type  MAIL FROM:<student@example.test>"} {
		s.waitCount(prompt, 1)
		s.keys("Enter")
	}
	s.waitCount("type  RCPT TO:<alice@example.test>", 1)
	s.keys("RCPT TO:<alise@example.test>", "Enter")
	s.waitCount("The step is repeated: try again.", 1)
	for _, p := range []struct {
		prompt string
		n      int
	}{{"type  RCPT TO:<alice@example.test>", 2}, {"type  DATA", 1}, {"type  Subject: Week 3", 1}, {"type an empty line", 1},
		{"type  Hello alice.", 1}, {"type  .", 1}, {"type  QUIT", 1}} {
		s.waitCount(p.prompt, p.n)
		s.keys("Enter")
	}
	got := s.waitCount("LESSON-EXIT=", 1)
	for _, want := range []string{"in alice's mailbox", "  Subject: Week 3", "✓ Lesson week3 done: 5 steps, 7 checkpoints held.", "LESSON-EXIT=0"} {
		if !strings.Contains(got, want) {
			t.Errorf("the screen lacks %q:\n%s", want, got)
		}
	}
	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var rep reportOf
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Mode != "guided" || !rep.Passed || rep.Totals.Attempts != 8 || rep.Checkpoints[3].Attempts != 2 || rep.Checkpoints[3].Reply != "250 2.1.5" {
		t.Errorf("report: mode %q, passed %v, %d attempts, RCPT %+v; want guided, true, 8, two attempts ending in 250 2.1.5",
			rep.Mode, rep.Passed, rep.Totals.Attempts, rep.Checkpoints[3])
	}
}

// TestTmuxAuthLessonRestarts: in the auth lesson, a user name typed in
// plain text where its base64 is due ends the login (501); the lesson
// says so and asks for AUTH LOGIN again, and the login then succeeds.
func TestTmuxAuthLessonRestarts(t *testing.T) {
	s := startLesson(t, func(string) string { return "auth" })

	for _, want := range []string{"type  :open", "type  EHLO laptop.example", "type  :b64 student", "type  AUTH LOGIN"} {
		s.waitCount(want, 1)
		s.keys("Enter")
	}
	s.waitCount("type  c3R1ZGVudA==", 1)
	s.keys("student", "Enter")
	got := s.waitCount("Start the AUTH again.", 1)
	if !strings.Contains(got, "The server ended the login with 501") || strings.Contains(got, "STUDENT") {
		t.Errorf("after a plain-text answer the screen should say the login ended, and never upper-case the answer:\n%s", got)
	}
	s.waitCount("type  AUTH LOGIN", 2)
	s.keys("Enter")
	s.waitCount("type  c3R1ZGVudA==", 2)
	s.keys("Enter")
	s.waitCount("Step 5/11", 1)
	s.keys(":quit", "Enter")
	s.waitCount("LESSON-EXIT=", 1)
}
