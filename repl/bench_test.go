package repl

import (
	"context"
	"io"
	"testing"

	"github.com/smtprepl/smtprepl/proto/sandbox"
)

// BenchmarkStartup is what stands between typing smtprepl and the first
// prompt, minus the terminal: start the sandbox (certificate included),
// connect, read and explain the greeting, render the prompt. The budget
// is 50 ms.
func BenchmarkStartup(b *testing.B) {
	th := NewTheme(true)
	for b.Loop() {
		srv, err := sandbox.New(sandbox.DefaultConfig())
		if err != nil {
			b.Fatal(err)
		}
		addr, err := srv.Listen("127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		s := newInteractiveSession(Config{Addr: addr.String(), Sandbox: srv}, io.Discard, th, nil, nil)
		if err := s.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		if s.Prompt(th) == "" {
			b.Fatal("empty prompt")
		}
		s.Close()
		srv.Close()
	}
}

// BenchmarkCompletion is one Tab press in a transaction.
func BenchmarkCompletion(b *testing.B) {
	s := testSession(b, state{greeted: true}, fullEHLO)
	c := completer{s}
	line := []rune("MAIL FROM:<a@b> B")
	for b.Loop() {
		c.Do(line, len(line))
	}
}
