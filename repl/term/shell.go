package term

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/chzyer/readline"
	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/repl"
)

// LineReader is what the shell needs from a line editor. readline stays
// behind it, so the shell's tests drive a scripted reader instead of a TTY.
type LineReader interface {
	Readline() (string, error)
	ReadPassword(prompt string) ([]byte, error)
	SetPrompt(prompt string)
	SaveHistory(line string) error
	ResetHistory()
	Close() error
}

var _ LineReader = (*readline.Instance)(nil)

// Shell is the interactive loop: it reads lines, keeps the safe ones in
// history, runs them through Session.Exec with a context that Ctrl-C
// cancels, and reports what went wrong in words.
type Shell struct {
	s    *repl.Session
	lr   LineReader
	hist *history
	th   Theme
	view *termView
}

// Ask reads a visible answer for the session (AUTH's user name).
func (sh *Shell) Ask(prompt string) (string, error) {
	sh.lr.SetPrompt(prompt)
	line, err := sh.lr.Readline()
	sh.hist.forget()
	return line, askErr(err)
}

// AskSecret reads an answer without echo (a password).
func (sh *Shell) AskSecret(prompt string) (string, error) {
	b, err := sh.lr.ReadPassword(prompt)
	sh.hist.forget()
	return string(b), askErr(err)
}

func askErr(err error) error {
	if errors.Is(err, readline.ErrInterrupt) || errors.Is(err, io.EOF) {
		return repl.ErrAskCancelled
	}
	return err
}

// Run reads and executes lines until :quit or Ctrl-D; after QUIT the shell
// stays, for :mailbox and :open. A signal on interrupts (Ctrl-C while a
// command runs) cancels that command only.
func (sh *Shell) Run(ctx context.Context, interrupts <-chan os.Signal) error {
	for {
		sh.lr.SetPrompt(Prompt(sh.s, sh.th))
		line, err := sh.lr.Readline()
		switch {
		case errors.Is(err, readline.ErrInterrupt):
			sh.interrupted(line)
			continue
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return err
		}
		if sh.step(ctx, line, interrupts) {
			return nil
		}
	}
}

// interrupted answers Ctrl-C at the prompt: it drops a half-typed line,
// and on an empty one says how to leave instead of leaving.
func (sh *Shell) interrupted(partial string) {
	sh.hist.forget()
	if sh.s.RefusedText() {
		sh.s.EndRefusedText()
		return
	}
	if partial != "" {
		return
	}
	msg := "Ctrl-D or :quit leaves; Ctrl-C only abandons a wait or a half-typed line"
	if sh.s.State().InData() {
		msg += "; the message is still open: a lone \".\" sends it, :close drops the connection"
	}
	sh.view.Note(msg)
}

// step runs one line and reports whether the session is over.
func (sh *Shell) step(ctx context.Context, line string, interrupts <-chan os.Signal) bool {
	inData := sh.s.State().InData() || sh.s.RefusedText() // an empty line is text there
	if entry, ok := sh.s.Keepable(line); ok {
		sh.hist.add(entry)
	} else {
		sh.hist.forget()
	}
	if !inData && strings.TrimSpace(line) == "" {
		return false // an empty line would go to the server as a command
	}
	err := sh.exec(ctx, line, interrupts)
	if errors.Is(err, repl.ErrQuit) {
		return true
	}
	if err != nil {
		sh.report(sh.s.ScrubError(err))
	}
	return false
}

// exec runs one line with a context cancelled by the next interrupt.
func (sh *Shell) exec(ctx context.Context, line string, interrupts <-chan os.Signal) error {
	return interruptibly(ctx, interrupts, func(ctx context.Context) error { return sh.s.Exec(ctx, line) })
}

// interruptibly runs f with a context cancelled by the next interrupt.
func interruptibly(ctx context.Context, interrupts <-chan os.Signal, f func(context.Context) error) error {
	drain(interrupts)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-interrupts:
			cancel()
		case <-done:
		}
	}()
	return f(ctx)
}

// drain drops an interrupt that arrived between commands, so it cannot
// cancel the next one.
func drain(ch <-chan os.Signal) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

// report prints an error and, where the user must act, how to go on.
func (sh *Shell) report(err error) {
	var te *proto.TimeoutError
	var pe *proto.ProtocolError
	switch {
	case errors.Is(err, context.Canceled) && sh.s.Connected():
		// The terminal echoed ^C without a newline.
		sh.view.println("")
		sh.view.Warn("Ctrl-C: " + sh.s.MarkAbandoned())
		return
	case errors.As(err, &te) && sh.s.Connected():
		sh.view.fail(strings.ReplaceAll(err.Error(), "proto: ", ""))
		sh.view.Warn(sh.s.MarkAbandoned())
		return
	case errors.As(err, &pe) && sh.s.Connected():
		sh.view.fail(strings.ReplaceAll(err.Error(), "proto: ", ""))
		sh.view.Warn(sh.s.MarkMalformed())
		return
	}
	sh.view.fail(strings.ReplaceAll(err.Error(), "proto: ", ""))
	if !sh.s.Connected() && !strings.Contains(err.Error(), ":open") {
		sh.view.Note(closedAdvice(err, sh.s.AtSandbox()))
	}
}

func closedAdvice(err error, sandbox bool) string {
	if advice := certAdvice(err, sandbox); advice != "" {
		return advice
	}
	return "the connection is closed: :open reconnects (:open HOST[:PORT] for another server)"
}

// TerminalOptions are the streams and settings of an interactive run.
type TerminalOptions struct {
	Stdout, Stderr io.Writer
	Color          bool
	HistoryPath    string // "" keeps no history file
}

// newShell joins a session to a line reader: the session's questions
// (AUTH's user name and password) are asked through the shell.
func newShell(cfg repl.Config, out io.Writer, th Theme, width func() int, lr LineReader, histPath string) (*Shell, error) {
	cfg.KeepAlive = true // the connection may sit idle at the prompt
	sh := &Shell{th: th, lr: lr}
	sh.view = newTermView(out, th, width)
	sh.view.lmtp = cfg.LMTP
	sh.s = repl.NewSession(cfg, sh.view, out, sh)
	h, err := openHistory(histPath, lr, sh.s.Keepable)
	sh.hist = h
	return sh, err
}

// RunTerminal is the interactive shell on the process's terminal. A failed
// first connection leaves the user at the prompt with :open, not outside.
func RunTerminal(ctx context.Context, cfg repl.Config, opt TerminalOptions) error {
	comp := &completer{} // the session it asks is made after readline
	rl, err := readline.NewEx(&readline.Config{
		Stdout: opt.Stdout, Stderr: opt.Stderr,
		AutoComplete:           comp,
		DisableAutoSaveHistory: true, // history.add saves lines, filtered
		HistoryLimit:           historyKeep,
		HistorySearchFold:      true,
	})
	if err != nil {
		return fmt.Errorf("starting line editing: %w", err)
	}
	defer rl.Close()
	sh, err := newShell(cfg, opt.Stdout, NewTheme(opt.Color), readline.GetScreenWidth, rl, opt.HistoryPath)
	comp.s = sh.s
	defer sh.close()
	if err != nil {
		sh.view.Warn(err.Error() + "; going on without saving history")
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	terminated := endOnSIGTERM(sig, rl)
	defer terminated.stop()
	ctx = context.WithoutCancel(ctx) // Ctrl-C cancels one command, never the session
	sh.start(ctx, sig)
	if err := sh.Run(ctx, sig); err != nil && !terminated.happened() {
		return err
	}
	if terminated.happened() {
		return errTerminated
	}
	return nil
}

// errTerminated ends a shell that SIGTERM ended.
var errTerminated = errors.New("the shell was ended by SIGTERM")

// sigterm watches for SIGTERM (kill's default) while the shell runs.
type sigterm struct {
	ch   chan os.Signal
	done chan struct{}
	hit  atomic.Bool
}

// endOnSIGTERM makes SIGTERM end the shell as Ctrl-D does, the terminal
// given back and a recording finished: a wait in progress is abandoned
// (as by Ctrl-C, on interrupts), and closing the line editor ends the read
// at the prompt. The session itself ignores cancellation (Ctrl-C must not
// end it), so the signal has to reach it this way.
func endOnSIGTERM(interrupts chan os.Signal, rl *readline.Instance) *sigterm {
	t := &sigterm{ch: make(chan os.Signal, 1), done: make(chan struct{})}
	signal.Notify(t.ch, syscall.SIGTERM)
	go func() {
		select {
		case <-t.ch:
			t.hit.Store(true)
			select {
			case interrupts <- os.Interrupt:
			default:
			}
			rl.Close()
		case <-t.done:
		}
	}()
	return t
}

func (t *sigterm) happened() bool { return t.hit.Load() }

func (t *sigterm) stop() {
	signal.Stop(t.ch)
	close(t.done)
}

// RunShell is the interactive shell on any line reader, without colour or
// history file: the same loop RunTerminal runs, for a caller that supplies
// its own input (the command's tests play hostile servers through it).
func RunShell(ctx context.Context, cfg repl.Config, out io.Writer, lr LineReader) error {
	sh, err := newShell(cfg, out, NewTheme(false), func() int { return 80 }, lr, "")
	if err != nil {
		return err
	}
	defer sh.close()
	sh.start(ctx, nil)
	return sh.Run(ctx, nil)
}

func (sh *Shell) close() {
	sh.hist.Close()
	sh.s.Close()
}

// start greets the user and connects; a failure is reported, not fatal.
// Ctrl-C gives up the connection attempt or the wait for the greeting.
func (sh *Shell) start(ctx context.Context, interrupts <-chan os.Signal) {
	sh.view.Note(banner(sh.s))
	if err := interruptibly(ctx, interrupts, sh.s.Start); err != nil {
		sh.report(sh.s.ScrubError(err))
	}
}

func banner(s *repl.Session) string {
	text := "smtprepl: what you type goes to the server as typed; :help lists commands, Tab completes, Ctrl-D leaves"
	switch {
	case s.AtSandbox() && s.POP3():
		text += ". Practice server's POP3: each mailbox (alice, bob, carol, postmaster) logs in with password secret, student / secret reads every message"
	case s.AtSandbox():
		text += ". Practice server: mailboxes alice, bob, carol, postmaster @example.test; login student / secret"
	}
	return text
}
