package term

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"

	"github.com/chzyer/readline"
	"github.com/smtprepl/smtprepl/lessons"
	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/repl"
)

// runGuided plays the lesson with the student at a readline prompt that
// shows, like the shell's, where in the protocol they stand.
func runGuided(ctx context.Context, r *lessons.Runner, l lessons.Lesson, s *repl.Session, view *termView, opt LessonOptions, th Theme) (lessons.Result, error) {
	rl, err := readline.NewEx(&readline.Config{
		Stdout: opt.Out, AutoComplete: completer{s},
		DisableAutoSaveHistory: true, // student.ReadLine keeps only lines safe to keep
		HistorySearchFold:      true,
	})
	if err != nil {
		return lessons.Result{}, fmt.Errorf("starting line editing: %w", err)
	}
	defer rl.Close()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	r.Student = &student{rl: rl, s: s, th: th, view: view}
	// Ctrl-C abandons one wait, as in the shell, never the lesson.
	ctx = context.WithoutCancel(ctx)
	return r.Run(ctx, l, interruptible{Session: s, sig: sig})
}

// student reads the lines a person types in a guided lesson.
type student struct {
	rl   *readline.Instance
	s    *repl.Session
	th   Theme
	view *termView
}

// ReadLine implements lessons.Student. Ctrl-C at the prompt drops the
// line being typed; Ctrl-D leaves (io.EOF).
func (st *student) ReadLine(context.Context) (string, error) {
	for {
		st.rl.SetPrompt(Prompt(st.s, st.th))
		line, err := st.rl.Readline()
		if errors.Is(err, readline.ErrInterrupt) {
			if line == "" {
				st.view.Note("Ctrl-D or :quit leaves the lesson; Ctrl-C only abandons a wait or a half-typed line")
			}
			continue
		}
		if entry, ok := st.s.Keepable(line); ok && err == nil {
			st.rl.SaveHistory(entry)
		}
		return line, err
	}
}

// interruptible runs each command with a context that the next Ctrl-C
// cancels, so a slow server can be given up on.
type interruptible struct {
	*repl.Session
	sig <-chan os.Signal
}

func (i interruptible) Exec(ctx context.Context, line string) error {
	ctx, stop := i.cancelOnInterrupt(ctx)
	defer stop()
	return i.Session.Exec(ctx, line)
}

func (i interruptible) ExecBatch(ctx context.Context, lines []string) ([]*proto.Reply, error) {
	ctx, stop := i.cancelOnInterrupt(ctx)
	defer stop()
	return i.Session.ExecBatch(ctx, lines)
}

func (i interruptible) cancelOnInterrupt(ctx context.Context) (context.Context, func()) {
	drain(i.sig)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		select {
		case <-i.sig:
			cancel()
		case <-done:
		}
	}()
	return ctx, func() { close(done); cancel() }
}
