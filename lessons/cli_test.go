package lessons_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// teacher holds lesson files as a teacher writes them, outside the binary.
const teacher = "testdata/teacher/"

// TestCommandLine runs the real binary: the list, an unattended lesson,
// and the refusals, with their exit codes.
func TestCommandLine(t *testing.T) {
	run := buildBinary(t)
	t.Run("list", func(t *testing.T) {
		out, code := run("lesson")
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if code != 0 || len(lines) < len(required()) {
			t.Fatalf("exit %d, %d lines; want 0 and at least %d:\n%s", code, len(lines), len(required()), out)
		}
		for i, l := range allLessons(t) {
			if f := strings.Fields(lines[i]); len(f) < 2 || f[0] != l.Name || !strings.HasSuffix(lines[i], " "+l.Title) {
				t.Errorf("line %d = %q, want the name %q, then the title", i+1, lines[i], l.Name)
			}
		}
	})
	t.Run("auto", func(t *testing.T) {
		out, code := run("lesson", "hello", "--auto")
		if code != 0 || !strings.Contains(out, "✓ Lesson hello done: 5 steps") {
			t.Errorf("exit %d; want 0 and the lesson done:\n%s", code, out)
		}
	})
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"guided without a terminal", []string{"lesson", "hello"}, 64, "smtprepl lesson hello --auto"},
		{"unknown lesson", []string{"lesson", "nope", "--auto"}, 64, `no lesson "nope"`},
		{"two lessons", []string{"lesson", "hello", "auth", "--auto"}, 64, "one lesson at a time"},
		{"cafile without server", []string{"lesson", "tls", "--auto", "--insecure"}, 64, "are for --server"},
		{"server down", []string{"lesson", "hello", "--auto", "--server", "127.0.0.1:1", "--timeout", "2s"}, 1, "✗ Lesson hello stopped at step 1"},
		{"teacher's file", []string{"lesson", teacher + "week3.txtar", "--auto"}, 0, "✓ Lesson week3 done: 5 steps, 7 checkpoints held."},
		{"teacher's file with mistakes", []string{"lesson", teacher + "broken.txtar", "--auto"}, 64,
			`broken.txtar:2: unknown header key "colour" (title, summary, order, sandbox) (and 4 more; smtprepl lesson check lists them)`},
		{"no such file", []string{"lesson", "./nope.txtar", "--auto"}, 64, "cannot read ./nope.txtar: no such file or directory"},
		{"a built-in lesson's file name", []string{"lesson", "testdata/hello.txtar", "--auto"}, 64,
			"cannot read testdata/hello.txtar: no such file or directory; the built-in lesson is smtprepl lesson hello"},
		{"check fine", []string{"lesson", "check", teacher + "week3.txtar"}, 0, `week3.txtar: ok: "Week 3: one message, start to finish", 5 steps, 7 checkpoints`},
		{"check nothing", []string{"lesson", "check"}, 64, "lesson check needs the lesson file(s)"},
		{"report without a lesson", []string{"lesson", "--report", "x.json"}, 64, "--report is for running a lesson"},
		{"check a device", []string{"lesson", "check", "/dev/zero"}, 1, "/dev/zero is not a regular file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, code := run(tt.args...)
			if code != tt.code || !strings.Contains(out, tt.want) {
				t.Errorf("exit %d, want %d; output should contain %q:\n%s", code, tt.code, tt.want, out)
			}
		})
	}
}

// buildBinary builds smtprepl once for a test.
func buildBinary(t *testing.T) func(args ...string) (string, int) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "smtprepl")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/smtprepl").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return func(args ...string) (string, int) {
		t.Helper()
		out, err := exec.Command(bin, args...).CombinedOutput()
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			return string(out), ee.ExitCode()
		case err != nil:
			t.Fatalf("smtprepl %s: %v", strings.Join(args, " "), err)
		}
		return string(out), 0
	}
}

// TestCheckLists: lesson check lists every problem of a teacher's file,
// one file:line: sentence each, and exits 1.
func TestCheckLists(t *testing.T) {
	run := buildBinary(t)
	out, code := run("lesson", "check", teacher+"broken.txtar")
	f := teacher + "broken.txtar"
	want := f + `:2: unknown header key "colour" (title, summary, order, sandbox)
` + f + `:5: unknown directive "expct"; the directives are >, >>, expect, match, ok: and if CODE:
` + f + `:6: step "Words only" has no line to type (> ...): every step has the student do something
` + f + `:11: match: bad regular expression "queued as (": missing closing ): ` + "`queued as (`" + `
` + f + `:12: a checkpoint with no expectation: if and match need an expect line for "RCPT TO:<alice@example.test>"
`
	if diff := cmp.Diff(want, out); code != 1 || diff != "" {
		t.Errorf("exit %d, want 1; output (-want +got):\n%s", code, diff)
	}
}

// reportOf is the part of a --report a teacher grades by.
type reportOf struct {
	Version     int    `json:"version"`
	Lesson      string `json:"lesson"`
	File        string `json:"file"`
	Mode        string `json:"mode"`
	Passed      bool   `json:"passed"`
	Steps       struct{ Total, Done int }
	Checkpoints []struct {
		ID       string `json:"id"`
		Typed    string `json:"typed"`
		Expect   string `json:"expect"`
		Match    string `json:"match"`
		Reached  bool   `json:"reached"`
		Passed   bool   `json:"passed"`
		Attempts int    `json:"attempts"`
		Reply    string `json:"reply"`
	}
	Totals struct {
		Checkpoints, Passed, Failed, Attempts int
		NotReached                            int `json:"not_reached"`
	}
	Started, Ended time.Time
}

// TestReportFile runs a teacher's lesson file with --auto --report, as a
// teacher would, once right and once with a wrong recipient, and reads
// the JSON field by field.
func TestReportFile(t *testing.T) {
	run := buildBinary(t)
	dir := t.TempDir()
	read := func(file string, wantCode int) reportOf {
		t.Helper()
		path := filepath.Join(dir, strings.TrimSuffix(file, ".txtar")+".json")
		out, code := run("lesson", teacher+file, "--auto", "--report", path)
		if code != wantCode {
			t.Fatalf("exit %d, want %d:\n%s", code, wantCode, out)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var rep reportOf
		if err := json.Unmarshal(data, &rep); err != nil {
			t.Fatalf("%v:\n%s", err, data)
		}
		if rep.Started.IsZero() || rep.Ended.Before(rep.Started) {
			t.Errorf("started %v, ended %v", rep.Started, rep.Ended)
		}
		return rep
	}
	type cp struct {
		ID, Typed, Expect, Match string
		Reached, Passed          bool
		Attempts                 int
		Reply                    string
	}
	checkpoints := func(rep reportOf) []cp {
		var out []cp
		for _, c := range rep.Checkpoints {
			out = append(out, cp{c.ID, c.Typed, c.Expect, c.Match, c.Reached, c.Passed, c.Attempts, c.Reply})
		}
		return out
	}
	t.Run("passing", func(t *testing.T) {
		rep := read("week3.txtar", 0)
		if rep.Version != 1 || rep.Lesson != "week3" || rep.File != teacher+"week3.txtar" || rep.Mode != "auto" || !rep.Passed ||
			rep.Steps.Total != 5 || rep.Steps.Done != 5 {
			t.Errorf("report header %+v", rep)
		}
		want := []cp{
			{"1.1", ":open", "220", "", true, true, 1, "220"},
			{"2.1", "EHLO student.example", "250", "PIPELINING", true, true, 1, "250"},
			{"3.1", "MAIL FROM:<student@example.test>", "250", "", true, true, 1, "250 2.1.0"},
			{"3.2", "RCPT TO:<alice@example.test>", "250", "", true, true, 1, "250 2.1.5"},
			{"4.1", "DATA", "354", "", true, true, 1, "354"},
			{"4.2", ".", "250", "queued as", true, true, 1, "250 2.0.0"},
			{"5.1", "QUIT", "221", "", true, true, 1, "221 2.0.0"},
		}
		if diff := cmp.Diff(want, checkpoints(rep)); diff != "" {
			t.Errorf("checkpoints (-want +got):\n%s", diff)
		}
		if rep.Totals.Checkpoints != 7 || rep.Totals.Passed != 7 || rep.Totals.Failed != 0 || rep.Totals.NotReached != 0 || rep.Totals.Attempts != 7 {
			t.Errorf("totals %+v", rep.Totals)
		}
	})
	t.Run("failing", func(t *testing.T) {
		rep := read("week3-wrong.txtar", 1)
		if rep.Passed || rep.Steps.Done != 2 {
			t.Errorf("passed %v, %d steps done; want false, 2", rep.Passed, rep.Steps.Done)
		}
		got := checkpoints(rep)
		want := cp{"3.2", "RCPT TO:<nobody@example.test>", "250", "", true, false, 1, "550 5.1.1"}
		if len(got) != 7 || got[3] != want || got[4].Reached || got[6].Attempts != 0 {
			t.Errorf("checkpoints %+v; want the 4th %+v and the rest not reached", got, want)
		}
		if rep.Totals.Passed != 3 || rep.Totals.Failed != 1 || rep.Totals.NotReached != 3 || rep.Totals.Attempts != 4 {
			t.Errorf("totals %+v", rep.Totals)
		}
	})
}

// TestCheckHostileFiles: a lesson file is a stranger's input; what check
// prints of it is escaped, and a file too large is refused unread.
func TestCheckHostileFiles(t *testing.T) {
	run := buildBinary(t)
	dir := t.TempDir()
	escape := filepath.Join(dir, "escape.txtar")
	if err := os.WriteFile(escape, []byte("title: T\x1b]0;owned\x07\n-- step: A\u202e --\n> NOOP\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge.txtar")
	if err := os.WriteFile(huge, bytes.Repeat([]byte("title: T\n"), 200_000), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		file, want string
	}{
		{escape, `escape.txtar:1: a control or invisible character, shown escaped: title: T\x1b]0;owned\x07; a lesson is plain text`},
		{escape, `escape.txtar:2: a control or invisible character, shown escaped: step: A\u202e`},
		{huge, "huge.txtar is larger than 1024 KiB, the most a lesson file may be"},
	} {
		out, code := run("lesson", "check", tt.file)
		if code != 1 || !strings.Contains(out, tt.want) {
			t.Errorf("check %s: exit %d, want 1 and %q in:\n%s", filepath.Base(tt.file), code, tt.want, out)
		}
		if strings.ContainsAny(out, "\x1b\x07\u202e") {
			t.Errorf("check %s printed a control or bidi character: %q", filepath.Base(tt.file), out)
		}
	}
}
