package term

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smtprepl/smtprepl/repl/internal/repltest"
)

func TestShellOpenElsewhereAndBack(t *testing.T) {
	srv := startSandbox(t)
	addr, _ := repltest.FakeServer(t)
	run := runShell(t, srv, []readStep{{line: ":open " + addr}, {line: ":open sandbox"}, {line: ":mailbox"}})
	wantAll(t, run.out, "S: 220 fake.example", "the mailbox is empty")
	if n := strings.Count(run.out, "S: 220 sandbox.smtprepl.test"); n != 2 {
		t.Errorf("sandbox greetings: %d, want 2\n%s", n, run.out)
	}
}

// TestShellRecordRedacts checks the wiring only: redaction itself is the
// transcripts package's job.
func TestShellRecordRedacts(t *testing.T) {
	srv := startSandbox(t)
	file := filepath.Join(t.TempDir(), "session.txt")
	runShell(t, srv, []readStep{
		{line: ":record " + file}, {line: "EHLO a.example"}, {line: "AUTH LOGIN"}, {line: "c3R1ZGVudA=="}, {line: "c2VjcmV0", secret: true}, {line: ":record off"},
	})
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "c2VjcmV0") || !strings.Contains(string(data), "C: AUTH LOGIN") {
		t.Errorf("recording:\n%s", data)
	}
}

// TestShellRecordMidSession: :record started after the session began
// writes it from its start, so the recording replays: the greeting, the
// EHLO and the login come first, the password still redacted.
func TestShellRecordMidSession(t *testing.T) {
	srv := startSandbox(t)
	file := filepath.Join(t.TempDir(), "session.txt")
	runShell(t, srv, []readStep{
		{line: "EHLO a.example"}, {line: "AUTH LOGIN"}, {line: "c3R1ZGVudA=="}, {line: "c2VjcmV0", secret: true},
		{line: ":record " + file}, {line: "MAIL FROM:<student@example.test>"}, {line: ":record off"},
	})
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	got := string(data)
	order := []string{"S: 220 ", "C: EHLO a.example", "C: AUTH LOGIN", "S: 235 ", "C: MAIL FROM:<student@example.test>"}
	for _, want := range order {
		i := strings.Index(got, want)
		if i < 0 {
			t.Fatalf("recording lacks %q (in order):\n%s", want, data)
		}
		got = got[i:]
	}
	if strings.Contains(string(data), "c2VjcmV0") {
		t.Errorf("the password reached the recording:\n%s", data)
	}
}
