package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/smtprepl/smtprepl/proto/visible"
	"github.com/smtprepl/smtprepl/repl/term"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Exit codes, as documented in README.md's "Exit status".
const (
	exitOK      = 0  // the session ran and no reply was 4xx/5xx
	exitReplies = 1  // some reply was 4xx/5xx (replay: some reply differed)
	exitFailure = 2  // connection, TLS, timeout or protocol error
	exitUsage   = 64 // bad flags or arguments (EX_USAGE)
)

// maxErrorBytes bounds the one sentence an error prints on stderr.
const maxErrorBytes = 2000

// usageError marks mistakes on the command line, which exit 64.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// env is what every subcommand gets: streams, and whether stdin is a terminal.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	stdinTTY       bool
	stdoutTTY      bool
	getenv         func(string) string
	interrupts     *interrupts
}

// catchInterrupts makes SIGINT and SIGTERM cancel the run's context, so
// that a recording is finished, a --pipe child is stopped and the
// terminal is restored. It is called only where there is such a thing to
// look after: watching for signals costs os/signal's threads, which are a
// sixth of a one-message send, and without a watcher the signal ends the
// process at once, which is all a run with nothing to save needs.
func (e *env) catchInterrupts() { e.interrupts.catch() }

// interrupts cancels a context when a signal arrives, once caught.
type interrupts struct {
	cancel context.CancelFunc
	ch     chan os.Signal
	done   chan struct{}
}

func (in *interrupts) catch() {
	if in.ch != nil {
		return
	}
	in.ch = make(chan os.Signal, 1)
	in.done = make(chan struct{})
	signal.Notify(in.ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-in.ch:
			in.cancel()
		case <-in.done:
		}
	}()
}

func (in *interrupts) stop() {
	if in.ch == nil {
		return
	}
	signal.Stop(in.ch)
	close(in.done)
}

type subcommand struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) (int, error)
	// catchesOwnInterrupts: the subcommand calls env.catchInterrupts
	// itself, when it has something to look after.
	catchesOwnInterrupts bool
}

func subcommands() []subcommand {
	return []subcommand{
		{"send", "send one message, as swaks does, and print it as a transcript", runSend, true},
		{"sandbox", "run the practice server in the foreground", runSandbox, false},
		{"explain", "explain a reply code, enhanced code or EHLO keyword", runExplain, false},
		{"lesson", "list the guided lessons, or run one (--auto: unattended)", runLesson, false},
		{"replay", "send a transcript's client side to a server and compare the replies", runReplay, false},
		{"mock", "play a transcript's server side for a client under test", runMock, false},
		{"diff", "compare two transcripts with replay's rules", runDiff, false},
		{"export", "turn a transcript into a swaks or curl command, a Python or Go program, a Mermaid diagram or an .eml", runExport, false},
		{"proxy", "sit between a client and a server and record what they really say (TLS ended on both sides)", runProxy, false},
		{"probe", "everything a server says about itself, without sending mail: TLS, EHLO, DANE, MTA-STS, findings", runProbe, false},
	}
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv,
		stdinTTY: isTerminal(stdin), stdoutTTY: isTerminal(stdout),
		interrupts: &interrupts{cancel: cancel}}
	defer e.interrupts.stop()
	code, err := dispatch(ctx, e, args)
	return report(e, code, err)
}

func dispatch(ctx context.Context, e *env, args []string) (int, error) {
	if len(args) > 0 {
		for _, sc := range subcommands() {
			if args[0] == sc.name {
				if !sc.catchesOwnInterrupts {
					e.catchInterrupts()
				}
				return sc.run(ctx, e, args[1:])
			}
		}
	}
	return runSession(ctx, e, args)
}

// report prints err as one sentence and picks the exit code.
func report(e *env, code int, err error) int {
	if err == nil {
		return code
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	// Errors quote servers, certificates (crypto/x509 names them unescaped)
	// and files: the sentence is escaped and bounded as a whole here.
	msg := visible.TextClip(strings.ReplaceAll(err.Error(), "proto: ", ""), maxErrorBytes)
	var ue *usageError
	if errors.As(err, &ue) {
		// One sentence, as README promises; -h prints the usage.
		fmt.Fprintf(e.stderr, "smtprepl: %s\n", msg)
		return exitUsage
	}
	fmt.Fprintf(e.stderr, "smtprepl: %s\n", msg)
	if code == exitOK || code == exitReplies {
		code = exitFailure
	}
	return code
}

// parseInterleaved lets flags come before or after the positional
// arguments ("smtprepl mx.example.com --starttls"), which Go's flag
// package alone does not.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	usage := fs.Usage
	fs.Usage = func() {}
	defer func() { fs.Usage = usage }()
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				usage()
				return nil, err
			}
			return nil, usagef("%s", flagErrorText(err))
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// flagErrorText rewords the flag package's errors as sentences.
func flagErrorText(err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		if strings.TrimLeft(name, "-") == "auth-password" {
			return "unknown flag " + name + ": smtprepl takes no password on the command line, where ps and shell history show it; use --auth-password-env VAR or --auth-password-file FILE"
		}
		return "unknown flag " + name
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		return "flag " + name + " needs a value"
	}
	return msg
}

// newFlagSet builds a quiet flag set: errors become one sentence (see
// report), and the full usage is printed only when asked for with -h.
func newFlagSet(name string, e *env, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintln(e.stdout, usage)
		fs.SetOutput(e.stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// isTerminal asks the terminal driver (a character device such as
// /dev/null is not a terminal).
func isTerminal(f any) bool {
	return term.IsTerminal(f)
}
