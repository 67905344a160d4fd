package lessons_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/smtprepl/smtprepl/lessons"
	"github.com/smtprepl/smtprepl/proto/sandbox"
	"github.com/smtprepl/smtprepl/repl"
)

type typed struct{ lines []string }

func (s *typed) ReadLine(context.Context) (string, error) {
	if len(s.lines) == 0 {
		return "", io.EOF
	}
	line := s.lines[0]
	s.lines = s.lines[1:]
	return line, nil
}

// TestRetrievalWrongPasswordThenUSERAgain: a POP3 server forgets USER
// after a refused PASS, so the guided lesson has USER typed again before
// PASS is asked for again, instead of asking for PASS for ever.
func TestRetrievalWrongPasswordThenUSERAgain(t *testing.T) {
	l, err := lessons.Lookup("retrieval")
	if err != nil {
		t.Fatal(err)
	}
	ls, err := repl.StartLessonServer(sandbox.DefaultConfig(), l.Sandbox)
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	target := ls.Target()
	target.Config.Timeout = 10 * time.Second
	s := repl.NewScriptSession(target.Config, io.Discard, io.Discard)
	defer s.Close()
	// Enter for every suggestion, but a wrong password at the first PASS.
	lines := make([]string, 60)
	const beforePASS = 17 // the SMTP step's 14 lines, :open, STLS, USER
	lines[beforePASS] = "PASS wrong"
	var out strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := (&lessons.Runner{Out: &out, Student: &typed{lines: lines}, Vars: target.Vars}).Run(ctx, l, s)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Passed() {
		t.Fatalf("not passed: %+v\n%s", res, out.String())
	}
	for _, want := range []string{"✗ this step expects +OK; the server said -ERR", "The server has forgotten USER since: USER alice first."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if got := strings.Join(res.Input, "\n"); strings.Count(got, "USER alice") != 2 || strings.Contains(got, "wrong") {
		t.Errorf("input recorded:\n%s", got)
	}
}
