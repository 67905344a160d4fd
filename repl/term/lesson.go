package term

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/chzyer/readline"
	"github.com/smtprepl/smtprepl/lessons"
	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/repl"
	"github.com/smtprepl/smtprepl/transcripts"
)

// LessonOptions say how a lesson is shown and what is kept of it.
type LessonOptions struct {
	Out   io.Writer
	Color bool
	Width func() int // terminal columns; nil means the terminal's, else 100
	// Auto runs every step unattended; otherwise the student types each
	// line at a readline prompt on the process's terminal.
	Auto bool
	// Transcript, when set, receives the wire as a transcript, secrets
	// redacted, with the addresses of LessonTarget.Names replaced.
	Transcript io.Writer
	// Compose fixes boundaries, dates and ids for golden transcripts; its
	// Files are replaced by the lesson's own data files.
	Compose repl.ComposeOptions
}

// RunLesson plays l against t through an interactive session: the same
// view, commands and explanations as the shell, with the lesson engine
// typing (--auto) or the student typing at the prompt.
func RunLesson(ctx context.Context, t repl.LessonTarget, l lessons.Lesson, opt LessonOptions) (lessons.Result, error) {
	th := NewTheme(opt.Color)
	if opt.Width == nil {
		opt.Width = terminalWidth
	}
	tv := newTermView(opt.Out, th, opt.Width)
	tv.assist = false // lessons type AUTH answers themselves, base64 and all
	lv := &lessonView{termView: tv, names: t.Names}
	if opt.Transcript != nil {
		lv.rec = transcripts.NewRecorder(opt.Transcript)
	}
	cfg := t.Config
	cfg.KeepAlive = !opt.Auto // a student may sit idle at the prompt
	s := repl.NewSession(cfg, lv, opt.Out, nil)
	defer s.Close()
	compose := opt.Compose
	compose.Files = l.FS()
	s.SetComposeOptions(compose)
	sandboxNote(tv, t, l)
	r := &lessons.Runner{Out: opt.Out, Vars: t.Vars, Paint: paintOf(th), Width: opt.Width, Stored: t.Stored}
	var res lessons.Result
	var err error
	if opt.Auto {
		res, err = r.Run(ctx, l, s)
	} else {
		res, err = runGuided(ctx, r, l, s, tv, opt, th)
	}
	if lv.rec != nil {
		if cerr := lv.rec.Close(); err == nil {
			err = cerr
		}
	}
	return res, err
}

func terminalWidth() int {
	if w := readline.GetScreenWidth(); w > 0 {
		return w
	}
	return 100
}

// sandboxNote says what a lesson expects of a server the user named,
// since only the practice server can be set up for it.
func sandboxNote(v *termView, t repl.LessonTarget, l lessons.Lesson) {
	o := l.Sandbox
	if t.Config.Sandbox != nil || o == (lessons.SandboxOptions{}) {
		return
	}
	var want []string
	if o.RequireTLS {
		want = append(want, "STARTTLS required before AUTH and MAIL (a submission port)")
	}
	if o.MaxErrors > 0 {
		want = append(want, fmt.Sprintf("421 after %d errors", o.MaxErrors))
	}
	if o.Greylist {
		want = append(want, "greylisting (451 4.7.1 to a first RCPT)")
	}
	v.Note("this lesson was written for a server with " + strings.Join(want, " and ") + "; yours may answer differently")
}

func paintOf(th Theme) lessons.Paint {
	with := func(c interface{ Sprint(...any) string }) func(string) string {
		return func(s string) string { return c.Sprint(s) }
	}
	return lessons.Paint{Title: with(th.Prompt), Good: with(th.Good), Bad: with(th.Err), Dim: with(th.Explain)}
}

// lessonView is the shell's view with a transcript recorder beside it.
type lessonView struct {
	*termView
	rec   *transcripts.Recorder // nil: nothing is recorded
	names map[string]string
}

func (v *lessonView) Wire(l proto.TapLine) {
	v.termView.Wire(l)
	if v.rec == nil {
		return
	}
	if l.Kind == proto.Event {
		l.Data = []byte(v.rename(string(l.Data)))
	}
	repl.FeedRecorder(v.rec, l)
}

// rename replaces an address at the end of an event ("connected to
// 127.0.0.1:41234") by its name; only at the end, so that one address
// that is a prefix of another cannot match inside it.
func (v *lessonView) rename(text string) string {
	for addr, name := range v.names {
		if head, ok := strings.CutSuffix(text, " "+addr); ok {
			return head + " " + name
		}
	}
	return text
}
