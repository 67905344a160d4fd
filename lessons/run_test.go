package lessons

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/smtprepl/smtprepl/proto"
)

// fakeSession answers each line from a table, as a server would, and
// keeps what was sent: the engine is tested without a socket. Where the
// session stands is proto.Session's to say, as in the REPL.
type fakeSession struct {
	replies map[string]int // line -> reply code; absent: 500
	sent    []string
	last    *proto.Reply
	model   proto.Session
}

func (f *fakeSession) Exec(_ context.Context, line string) error {
	f.sent = append(f.sent, line)
	if f.model.Phase() == proto.PhaseConnected {
		f.model.Greeting(proto.NewReply(220, proto.EnhancedCode{}, "fake"))
	}
	switch {
	case f.model.State().InData() && line != ".":
		return nil
	case strings.HasPrefix(line, ":fail"):
		return errors.New("refused by smtprepl")
	case strings.HasPrefix(line, ":"):
		return nil
	}
	code, ok := f.replies[line]
	if !ok {
		code = 500
	}
	f.last = proto.NewReply(code, proto.EnhancedCode{}, "text")
	f.model.Feed(line, f.last)
	return nil
}

func (f *fakeSession) ExecBatch(ctx context.Context, lines []string) ([]*proto.Reply, error) {
	var out []*proto.Reply
	for _, l := range lines {
		f.Exec(ctx, l)
		out = append(out, f.last)
	}
	return out, nil
}

func (f *fakeSession) LastReply() *proto.Reply { return f.last }
func (f *fakeSession) State() proto.State      { return f.model.State() }
func (f *fakeSession) Redact(line string) string {
	if line == "c2VjcmV0" {
		return "<redacted>"
	}
	return line
}

// typist is a student who types the lines given, then leaves.
type typist struct{ lines []string }

func (s *typist) ReadLine(context.Context) (string, error) {
	if len(s.lines) == 0 {
		return "", io.EOF
	}
	line := s.lines[0]
	s.lines = s.lines[1:]
	return line, nil
}

const testLesson = `title: Test
-- step: Hello --
Say hello.
> EHLO a.example
expect 250
ok: Greeted.
-- step: Send --
> MAIL FROM:<a@example.test>
expect 250
if 503: Say EHLO first.
> DATA
expect 354
> Subject: x
> .
expect 250
`

func mustParse(t *testing.T, src string) Lesson {
	t.Helper()
	l, err := Parse("test", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func server() *fakeSession {
	return &fakeSession{replies: map[string]int{
		"EHLO a.example": 250, "MAIL FROM:<a@example.test>": 250, "DATA": 354, ".": 250,
		"RCPT TO:<b@example.test>": 503, "c2VjcmV0": 235, "AUTH LOGIN": 334,
	}}
}

func TestRunAuto(t *testing.T) {
	var out strings.Builder
	s := server()
	res, err := (&Runner{Out: &out}).Run(context.Background(), mustParse(t, testLesson), s)
	if err != nil {
		t.Fatal(err)
	}
	want := Result{Lesson: "test", Steps: 2, Done: 2, Held: 4,
		Input: []string{"EHLO a.example", "MAIL FROM:<a@example.test>", "DATA", "Subject: x", "."}}
	// The checkpoints and times are TestCheckpoints's.
	if diff := cmp.Diff(want, res, cmpopts.IgnoreFields(Result{}, "Started", "Ended", "Checkpoints")); diff != "" {
		t.Errorf("Result (-want +got):\n%s", diff)
	}
	for _, line := range []string{"── Step 1/2: Hello ──", "› EHLO a.example", "✓ 250, as this step expects.", "Greeted.", "✓ Lesson test done"} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("output lacks %q:\n%s", line, out.String())
		}
	}
}

// TestRunAutoStopsAtFailure: unattended, the first checkpoint that does
// not hold ends the run and names the line.
func TestRunAutoStopsAtFailure(t *testing.T) {
	s := server()
	s.replies["MAIL FROM:<a@example.test>"] = 503
	var out strings.Builder
	res, err := (&Runner{Out: &out}).Run(context.Background(), mustParse(t, testLesson), s)
	if err != nil {
		t.Fatal(err)
	}
	if res.Passed() || res.Done != 1 || !strings.Contains(res.Failed, "line 8") {
		t.Errorf("Result = %+v, want stopped at step 2, line 8", res)
	}
	if !strings.Contains(out.String(), "Say EHLO first.") {
		t.Errorf("the lesson's if-text is missing:\n%s", out.String())
	}
	if diff := cmp.Diff([]string{"EHLO a.example", "MAIL FROM:<a@example.test>"}, s.sent); diff != "" {
		t.Errorf("sent after the failure (-want +got):\n%s", diff)
	}
}

// TestRunGuided: Enter sends the suggestion; a wrong command is sent,
// its reply explained, and the line asked for again; a colon-command of
// the student's own is run but not judged.
func TestRunGuided(t *testing.T) {
	s := server()
	st := &typist{lines: []string{"", ":help", "RCPT TO:<b@example.test>", "MAIL FROM:<a@example.test>", "", "", "", ""}}
	var out strings.Builder
	res, err := (&Runner{Out: &out, Student: st}).Run(context.Background(), mustParse(t, testLesson), s)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Passed() {
		t.Fatalf("not passed: %+v\n%s", res, out.String())
	}
	wantSent := []string{"EHLO a.example", ":help", "RCPT TO:<b@example.test>", "MAIL FROM:<a@example.test>", "DATA", "Subject: x", "."}
	if diff := cmp.Diff(wantSent, s.sent); diff != "" {
		t.Errorf("sent (-want +got):\n%s", diff)
	}
	for _, line := range []string{
		"type  EHLO a.example",
		"✗ this step is about MAIL, not RCPT (the server said 503)",
		"send MAIL FROM", // the server's 503 explained, not the step's if-text about MAIL
		"The step is repeated: try again.",
	} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("output lacks %q:\n%s", line, out.String())
		}
	}
	if strings.Count(out.String(), "type  MAIL FROM:<a@example.test>") != 3 {
		t.Errorf("the MAIL line should be asked for three times (first, after :help, after RCPT):\n%s", out.String())
	}
}

func TestRunGuidedLeaves(t *testing.T) {
	for _, lines := range [][]string{{":quit"}, {}} {
		res, err := (&Runner{Out: io.Discard, Student: &typist{lines: lines}}).Run(context.Background(), mustParse(t, testLesson), server())
		if err != nil || !res.Left || res.Passed() {
			t.Errorf("typing %q: Result %+v, err %v; want Left", lines, res, err)
		}
	}
}

func TestRunBatchAndErrors(t *testing.T) {
	src := `title: Batch
-- step: Batch --
>> MAIL FROM:<a@example.test>
expect 250
>> DATA
expect 354
> .
expect 2
-- step: Refused --
> :fail now
expect error
> AUTH LOGIN
expect 334
> c2VjcmV0
expect 235
`
	res, err := (&Runner{Out: io.Discard}).Run(context.Background(), mustParse(t, src), server())
	if err != nil || !res.Passed() || res.Held != 6 {
		t.Fatalf("Result %+v, err %v; want all 6 checkpoints held", res, err)
	}
	want := []string{"MAIL FROM:<a@example.test>", "DATA", ".", ":fail now", "AUTH LOGIN", "<redacted>"}
	if diff := cmp.Diff(want, res.Input); diff != "" {
		t.Errorf("Input (-want +got):\n%s", diff)
	}
}

func TestRunVariables(t *testing.T) {
	src := "title: V\n-- step: A --\nServer {{implicit-tls}}.\n> :open {{implicit-tls}} --tls {{trust}}\n"
	l := mustParse(t, src)
	if _, err := (&Runner{Out: io.Discard}).Run(context.Background(), l, server()); err == nil {
		t.Error("a lesson needing {{implicit-tls}} ran without it")
	}
	s := server()
	var out strings.Builder
	r := &Runner{Out: &out, Vars: map[string]string{"implicit-tls": "h:465", "trust": ""}}
	res, err := r.Run(context.Background(), l, s)
	if err != nil || !res.Passed() {
		t.Fatalf("Result %+v, err %v", res, err)
	}
	if diff := cmp.Diff([]string{":open h:465 --tls"}, s.sent); diff != "" {
		t.Errorf("sent (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{":open {{implicit-tls}} --tls {{trust}}"}, res.Input); diff != "" {
		t.Errorf("Input keeps the lesson's notation (-want +got):\n%s", diff)
	}
	if !strings.Contains(out.String(), "Server h:465.") {
		t.Errorf("prose variables not filled in:\n%s", out.String())
	}
}
