package lessons

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/explain"
	"github.com/smtprepl/smtprepl/proto/visible"
)

func (r *Runner) intro(l Lesson) {
	r.say(r.paint(r.Paint.Title, fmt.Sprintf("Lesson %s: %s", l.Name, l.Title)))
	if l.Summary != "" {
		r.say(l.Summary)
	}
	how := fmt.Sprintf("%d steps, %d checkpoints, run unattended (--auto).", len(l.Steps), l.Checkpoints())
	if r.Student != nil {
		how = fmt.Sprintf("%d steps. Type each line shown (or just press Enter to send it as shown); "+
			"colon-commands such as :help and :explain work on the way; :quit or Ctrl-D leaves.", len(l.Steps))
	}
	r.say(r.paint(r.Paint.Dim, how))
}

func (r *Runner) stepHeader(i, n int, st Step) {
	r.say("")
	r.say(r.paint(r.Paint.Title, fmt.Sprintf("── Step %d/%d: %s ──", i+1, n, st.Title)))
	if st.Text == "" {
		return
	}
	for _, line := range strings.Split(r.expandProse(st.Text), "\n") {
		r.say(strings.TrimRight("  "+line, " "))
	}
}

// expandProse fills in variables, leaving unknown ones as written.
func (r *Runner) expandProse(text string) string {
	for k, v := range r.Vars {
		text = strings.ReplaceAll(text, "{{"+k+"}}", v)
	}
	return text
}

func (r *Runner) outro(l Lesson, res Result) {
	r.say("")
	if r.Stored != nil {
		r.say(r.Stored())
		r.say("")
	}
	if res.Failed != "" {
		r.say(r.paint(r.Paint.Bad, fmt.Sprintf("✗ Lesson %s stopped at step %d of %d: %s", l.Name, res.Done+1, res.Steps, res.Failed)))
		return
	}
	r.say(r.paint(r.Paint.Good, fmt.Sprintf("✓ Lesson %s done: %d steps, %d checkpoints held.", l.Name, res.Done, res.Held)))
}

// report says whether the checkpoint held and, when not, why in the
// lesson's words and the server's.
func (r *Runner) report(ln Line, v verdict) {
	r.mark(ln, v)
	if v.ok {
		r.held(ln, v)
		return
	}
	r.say(r.paint(r.Paint.Bad, "  ✗ "+v.summary(ln.Expect)))
	if text := advice(ln, v); text != "" {
		r.say(r.wrap(text, "    "))
	}
}

func (r *Runner) held(ln Line, v verdict) {
	switch {
	case ln.Expect.Error:
		r.say(r.paint(r.Paint.Good, "  ✓ smtprepl refused it, as this step expects: ") + shown(v.err.Error()))
	case !ln.Expect.IsZero():
		r.say(r.paint(r.Paint.Good, "  ✓ "+replyText(v.reply)+", as this step expects."))
	}
	if ln.OK != "" {
		r.say(r.wrap(r.expandProse(ln.OK), "    "))
	}
}

// summary says in one line what went wrong.
func (v verdict) summary(e Expect) string {
	switch {
	case v.wrongVerb != "":
		return fmt.Sprintf("this step is about %s, not %s (the server said %s)", v.wantVerb, v.wrongVerb, replyText(v.reply))
	case e.Error && v.err == nil:
		return "this step expects smtprepl to refuse the command, and it did not"
	case v.err != nil:
		return shown(v.err.Error())
	case v.reply == nil:
		return fmt.Sprintf("no reply came; this step expects %s", e)
	}
	return fmt.Sprintf("this step expects %s; the server said %s", e, replyText(v.reply))
}

// advice is the lesson's explanation for this reply, else the server's
// reply explained: what the code means and what to do about it.
func advice(ln Line, v verdict) string {
	if v.reply == nil {
		return ""
	}
	// A lesson's if-texts explain replies to the step's own command.
	for _, c := range ln.Ifs {
		if v.wrongVerb != "" {
			break
		}
		if c.Match.Match(v.reply) {
			return c.Text
		}
	}
	if v.reply.Code == 0 && len(v.reply.Raw) > 0 {
		// POP3: the session explained the answer under it already.
		return "the server answered " + shown(visible.Clip(v.reply.Raw[0], 200))
	}
	e := v.reply.Enhanced
	text := explain.DescribeCode(v.reply.Code)
	verb := verbOf(ln.Text)
	if v.wrongVerb != "" {
		verb = v.wrongVerb
	}
	if hint := explain.Hint(verb, v.reply.Code, e[0], e[1], e[2], v.reply.Text()); hint != "" {
		// The hint says what the code means here: the code's class is
		// enough before it, as under a reply in the shell.
		class, _, _ := strings.Cut(text, ":")
		text = class + ": " + shown(hint)
	}
	return text
}

// shown guards a sentence that may quote a server (errors, hints built
// from reply text) before it reaches the terminal: escaped and bounded.
func shown(text string) string { return visible.TextClip(text, 2000) }

func replyText(r *proto.Reply) string {
	if r == nil {
		return "nothing"
	}
	if r.Code == 0 && len(r.Raw) > 0 { // a POP3 answer: its indicator
		ind, _, _ := strings.Cut(r.Raw[0], " ")
		return shown(ind)
	}
	s := strconv.Itoa(r.Code)
	if !r.Enhanced.IsZero() {
		s += " " + r.Enhanced.String()
	}
	return s
}

// wrap breaks text at spaces to the terminal's width, each line indented.
func (r *Runner) wrap(text, indent string) string {
	width := 0
	if r.Width != nil {
		width = max(r.Width()-1, 40)
	}
	var b strings.Builder
	col := 0
	for i, word := range strings.Fields(text) {
		n := utf8.RuneCountInString(word)
		switch {
		case i == 0:
			b.WriteString(indent)
			col = len(indent)
		case width > 0 && col+1+n > width:
			b.WriteString("\n" + indent)
			col = len(indent)
		default:
			b.WriteByte(' ')
			col++
		}
		b.WriteString(word)
		col += n
	}
	return b.String()
}
