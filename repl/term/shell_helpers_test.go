package term

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chzyer/readline"
	"github.com/smtprepl/smtprepl/proto/sandbox"
	"github.com/smtprepl/smtprepl/repl"
	"github.com/smtprepl/smtprepl/repl/internal/repltest"
)

// readStep is one thing the person at the keyboard does.
type readStep struct {
	line   string
	err    error // readline.ErrInterrupt for Ctrl-C, io.EOF for Ctrl-D
	secret bool  // must be read with ReadPassword (no echo)
	// then runs when the step is taken, e.g. to press Ctrl-C later.
	then func()
}

// scriptedReader is a LineReader that types from a script and records the
// prompts it was shown and the history it was given.
type scriptedReader struct {
	t       *testing.T
	mu      sync.Mutex
	steps   []readStep
	prompts []string
	history []string
	prompt  string
}

var _ LineReader = (*scriptedReader)(nil)

func (r *scriptedReader) next(secret bool, prompt string) (readStep, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.prompts = append(r.prompts, prompt)
	if len(r.steps) == 0 {
		return readStep{}, false
	}
	st := r.steps[0]
	r.steps = r.steps[1:]
	if st.secret != secret {
		r.t.Errorf("at prompt %q: step %q wants secret=%v, the shell read with secret=%v", prompt, st.line, st.secret, secret)
	}
	return st, true
}

func (r *scriptedReader) Readline() (string, error) {
	st, ok := r.next(false, r.prompt)
	if !ok {
		return "", io.EOF
	}
	if st.then != nil {
		st.then()
	}
	return st.line, st.err
}

func (r *scriptedReader) ReadPassword(prompt string) ([]byte, error) {
	st, ok := r.next(true, prompt)
	if !ok {
		return nil, io.EOF
	}
	return []byte(st.line), st.err
}

func (r *scriptedReader) SetPrompt(p string) { r.prompt = p }
func (r *scriptedReader) SaveHistory(line string) error {
	r.history = append(r.history, line)
	return nil
}
func (r *scriptedReader) ResetHistory() { r.history = nil }
func (r *scriptedReader) Close() error  { return nil }

// shellRun is one scripted interactive session and what it left behind.
type shellRun struct {
	out     string
	reader  *scriptedReader
	history string // the history file's contents
	err     error
}

// runShell drives the shell against srv with steps, as a person would.
func runShell(t *testing.T, srv *sandbox.Server, steps []readStep) shellRun {
	t.Helper()
	return runShellWith(t, repl.Config{Addr: srv.Addr().String(), Sandbox: srv}, steps, nil)
}

func runShellWith(t *testing.T, cfg repl.Config, steps []readStep, interrupts chan os.Signal) shellRun {
	t.Helper()
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	var out bytes.Buffer
	lr := &scriptedReader{t: t, steps: steps}
	histPath := filepath.Join(t.TempDir(), "state", "smtprepl", "history")
	sh, err := newShell(cfg, &out, NewTheme(false), func() int { return 200 }, lr, histPath)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sh.start(ctx, interrupts)
	runErr := sh.Run(ctx, interrupts)
	sh.close()
	hist, _ := os.ReadFile(histPath)
	return shellRun{out: out.String(), reader: lr, history: string(hist), err: runErr}
}

// keeperForTest is the history filter of a session like the shell's.
func keeperForTest() keeper {
	return repl.NewScriptSession(repl.Config{}, io.Discard, io.Discard).Keepable
}

// startSandbox is a practice server for one test.
func startSandbox(t testing.TB) *sandbox.Server { return repltest.StartSandbox(t) }

var errInterrupt = readline.ErrInterrupt
