package lessons

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/smtprepl/smtprepl/proto"
)

// Session is what a lesson drives. The REPL's own session satisfies it,
// so every line of a lesson takes the path a person's typing takes, and
// this package never touches a socket.
type Session interface {
	// Exec runs one line as if typed at the REPL prompt.
	Exec(ctx context.Context, line string) error
	// ExecBatch sends lines in one write, then reads their replies in
	// order (RFC 2920 pipelining).
	ExecBatch(ctx context.Context, lines []string) ([]*proto.Reply, error)
	// LastReply is the latest complete reply; nil before the first.
	LastReply() *proto.Reply
	// State is where the session stands: in message text, answering an
	// AUTH challenge, or sending commands.
	State() proto.State
	// Redact returns line as it may be written down: AUTH answers and the
	// arguments of secret commands replaced by a marker.
	Redact(line string) string
}

// Prerequisite is a Session that can say which line must come again
// before line can succeed: after a refused PASS a POP3 server has
// forgotten USER (RFC 1939 §7), so typing PASS again can never succeed.
type Prerequisite interface {
	// Prerequisite returns that line, or "" when line can be retried as it is.
	Prerequisite(line string) string
}

// Student is the person at the keyboard in a guided lesson.
type Student interface {
	// ReadLine returns the next line typed; io.EOF when they leave.
	ReadLine(ctx context.Context) (string, error)
}

// Paint colours the runner's own words; nil fields leave text plain.
type Paint struct {
	Title, Good, Bad, Dim func(string) string
}

// Runner plays a lesson: guided when Student is set, unattended (--auto)
// when it is nil.
type Runner struct {
	Out     io.Writer
	Student Student
	// Vars are the values of {{name}} in the lesson's lines and prose:
	// what only the runner knows, such as the implicit-TLS address.
	Vars  map[string]string
	Paint Paint
	// Now times the run and its checkpoints, for the report; nil is
	// time.Now.
	Now func() time.Time
	// Stored, when set, is what the server stored during the lesson,
	// already escaped: shown at the end, before the verdict, so that a
	// lesson ends with the message as it arrived.
	Stored      func() string
	checkpoints []Checkpoint // the run's: Result.Checkpoints, shared
	// Width is the terminal's width, for wrapping the lesson's
	// explanations; nil leaves lines as they are.
	Width func() int
}

// Result is how a run went.
type Result struct {
	Lesson string
	Steps  int    // steps in the lesson
	Done   int    // steps completed
	Held   int    // checkpoints that held
	Failed string // the checkpoint that did not hold (unattended runs stop there)
	Left   bool   // the student left before the end
	// Input is every line sent, in the lesson's notation ({{name}} not
	// expanded) when it was the suggested one, with secrets redacted.
	Input []string
	// Started and Ended bound the run; Checkpoints are the lesson's
	// checkpoints in order, those not reached included: what a teacher
	// grades from (see Report).
	Started, Ended time.Time
	Checkpoints    []Checkpoint
}

func (r *Runner) now() time.Time {
	if r.Now == nil {
		return time.Now()
	}
	return r.Now()
}

// Passed reports whether every step ran and every checkpoint held.
func (r Result) Passed() bool { return r.Done == r.Steps && r.Failed == "" && !r.Left }

// errLeft ends a guided lesson early: :quit or Ctrl-D.
var errLeft = errors.New("the student left")

// Run plays l on s, step by step.
func (r *Runner) Run(ctx context.Context, l Lesson, s Session) (res Result, err error) {
	res = Result{Lesson: l.Name, Steps: len(l.Steps), Started: r.now(), Checkpoints: plan(l)}
	r.checkpoints = res.Checkpoints
	defer func() { res.Ended = r.now() }()
	if err = r.checkVars(l); err != nil {
		return res, err
	}
	r.intro(l)
	for i, st := range l.Steps {
		r.stepHeader(i, len(l.Steps), st)
		err = r.runStep(ctx, s, st, &res)
		switch {
		case errors.Is(err, errLeft):
			res.Left = true
			r.say(r.paint(r.Paint.Dim, fmt.Sprintf("Left the lesson at step %d of %d; smtprepl lesson %s starts it again.", i+1, len(l.Steps), l.Name)))
			return res, nil
		case err != nil:
			return res, err
		case res.Failed != "":
			r.outro(l, res)
			return res, nil
		}
		res.Done++
	}
	r.outro(l, res)
	return res, nil
}

func (r *Runner) runStep(ctx context.Context, s Session, st Step, res *Result) error {
	for i := 0; i < len(st.Lines); {
		n := 1
		for st.Lines[i].Batch && i+n < len(st.Lines) && st.Lines[i+n].Batch {
			n++
		}
		var err error
		if st.Lines[i].Batch {
			err = r.batch(ctx, s, st.Lines[i:i+n], res)
		} else {
			err = r.single(ctx, s, st.Lines[i], res)
		}
		if err != nil || res.Failed != "" {
			return err
		}
		i += n
	}
	return nil
}

func (r *Runner) say(text string) { fmt.Fprintln(r.Out, text) }

func (r *Runner) paint(f func(string) string, text string) string {
	if f == nil {
		return text
	}
	return f(text)
}

// expand fills in {{name}} from Vars. A line that held a variable is
// trimmed, since an empty value ({{trust}} with no CA to name) leaves a
// space behind; other lines keep their spaces, which matter in message text.
func (r *Runner) expand(text string) string {
	if !strings.Contains(text, "{{") {
		return text
	}
	for k, v := range r.Vars {
		text = strings.ReplaceAll(text, "{{"+k+"}}", v)
	}
	return strings.TrimSpace(text)
}

// checkVars refuses a lesson that needs a value this runner lacks, before
// anything is sent rather than halfway through.
func (r *Runner) checkVars(l Lesson) error {
	for _, st := range l.Steps {
		for _, ln := range st.Lines {
			if e := r.expand(ln.Text); strings.Contains(e, "{{") {
				return fmt.Errorf("lessons: %s.txtar:%d: %q needs a value this run does not have", l.Name, ln.Source, ln.Text)
			}
		}
	}
	return nil
}
