package lessons

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
)

// verdict is what became of one line sent.
type verdict struct {
	ok        bool
	reply     *proto.Reply // the answer to this line; nil when none came
	err       error        // what Exec returned
	wrongVerb string       // the command typed instead of the step's one
	wantVerb  string       // the step's command
}

// single plays one line: unattended it is sent once; guided, the student
// types it (Enter sends the suggestion) until the checkpoint holds.
func (r *Runner) single(ctx context.Context, s Session, ln Line, res *Result) error {
	want := r.expand(ln.Text)
	r.asking(s, ln)
	for {
		typed, err := r.typed(ctx, s, want)
		if err != nil {
			return err
		}
		if r.sideTrip(s, typed, want) {
			r.reportErr(s.Exec(ctx, typed))
			continue
		}
		written := typed
		if typed == want {
			written = ln.Text
		}
		res.Input = append(res.Input, s.Redact(written))
		v := r.send(ctx, s, want, typed, ln.Expect)
		r.report(ln, v)
		switch {
		case v.ok:
			res.Held += checks(ln)
			return nil
		case r.Student == nil:
			res.Failed = fmt.Sprintf("line %d, %q: %s", ln.Source, ln.Text, v.summary(ln.Expect))
			return nil
		}
		r.say(r.paint(r.Paint.Dim, "  The step is repeated: try again."))
		if err := r.prerequisite(ctx, s, want, res); err != nil {
			return err
		}
	}
}

// prerequisite plays, before a line is tried again, the line the server
// needs first (USER again before PASS), so a guided lesson cannot get
// stuck asking for a line that can no longer succeed.
func (r *Runner) prerequisite(ctx context.Context, s Session, want string, res *Result) error {
	p, ok := s.(Prerequisite)
	if !ok {
		return nil
	}
	pre := p.Prerequisite(want)
	if pre == "" {
		return nil
	}
	r.say(r.paint(r.Paint.Dim, "  The server has forgotten "+shown(verbOf(pre))+" since: "+shown(pre)+" first."))
	return r.single(ctx, s, Line{Text: pre}, res)
}

func checks(ln Line) int {
	if ln.Expect.IsZero() {
		return 0
	}
	return 1
}

// typed is the line to send: the suggestion itself when unattended, else
// what the student types, Enter alone meaning the suggestion.
func (r *Runner) typed(ctx context.Context, s Session, want string) (string, error) {
	if r.Student == nil {
		shown := want
		if want == "" {
			shown = r.paint(r.Paint.Dim, "(an empty line)")
		}
		r.say(r.paint(r.Paint.Dim, "› ") + shown)
		return want, nil
	}
	hint := "  type  " + want + r.paint(r.Paint.Dim, "   (Enter sends it)")
	if want == "" {
		hint = "  type an empty line" + r.paint(r.Paint.Dim, "   (Enter)")
	}
	r.say(hint)
	line, err := r.Student.ReadLine(ctx)
	switch {
	case errors.Is(err, io.EOF):
		return "", errLeft
	case err != nil:
		return "", err
	case line == "":
		return want, nil
	case strings.TrimSpace(line) == ":quit" && !s.State().InData():
		return "", errLeft
	}
	return line, nil
}

// sideTrip reports whether the student ran a colon-command of their own
// (:help, :explain, :status) instead of the step's line: it is run and
// judged by nobody, and the step waits on.
func (r *Runner) sideTrip(s Session, typed, want string) bool {
	return r.Student != nil && !s.State().InData() && strings.HasPrefix(typed, ":") && verbOf(typed) != verbOf(want)
}

func (r *Runner) reportErr(err error) {
	if err != nil {
		r.say(r.paint(r.Paint.Bad, "  ✗ "+err.Error()))
	}
}

// send runs the line and judges the outcome. An AUTH answer or message
// text has no verb to compare with the suggestion.
func (r *Runner) send(ctx context.Context, s Session, want, typed string, e Expect) verdict {
	before := s.LastReply()
	st := s.State()
	free := st.InData() || st.InAuth()
	v := verdict{err: s.Exec(ctx, typed)}
	if after := s.LastReply(); after != before {
		v.reply = after
	}
	v.ok = e.holds(v.reply, v.err)
	if !free && verbOf(typed) != verbOf(want) {
		v.ok, v.wrongVerb, v.wantVerb = false, verbOf(typed), verbOf(want)
	}
	return v
}

// holds applies the checkpoint to a reply (nil when none came) and the
// command's error.
func (e Expect) holds(reply *proto.Reply, err error) bool {
	switch {
	case e.Error:
		return err != nil
	case err != nil:
		return false
	case len(e.Alts) == 0:
		return true
	}
	return e.Match(reply)
}

// verbOf is what a line is about: the SMTP verb, or the colon-command
// with its first argument (":compose send").
func verbOf(line string) string {
	f := strings.Fields(line)
	switch {
	case len(f) == 0:
		return ""
	case strings.HasPrefix(f[0], ":") && len(f) > 1:
		return strings.ToLower(f[0] + " " + f[1])
	}
	return strings.ToUpper(f[0])
}
