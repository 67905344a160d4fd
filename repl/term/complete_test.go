package term

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/smtprepl/smtprepl/proto/sandbox"
	"github.com/smtprepl/smtprepl/repl"
)

// greetedSession is a session that said EHLO to the practice server.
func greetedSession(t testing.TB) *repl.Session {
	t.Helper()
	srv := startSandbox(t)
	s := repl.NewSession(repl.Config{Addr: srv.Addr().String(), Sandbox: srv, Timeout: 5 * time.Second}, newTermView(io.Discard, NewTheme(false), nil), io.Discard, nil)
	t.Cleanup(func() { s.Close() })
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Exec(context.Background(), "EHLO me.example"); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCompleterDo checks the readline side: suffixes after what is typed.
func TestCompleterDo(t *testing.T) {
	s := greetedSession(t)
	got, n := completer{s}.Do([]rune("MA"), 2)
	if n != 2 || len(got) != 1 || string(got[0]) != "IL FROM:<" {
		t.Errorf("Do(\"MA\") = %q, %d; want [\"IL FROM:<\"], 2", got, n)
	}
	got, n = completer{s}.Do([]rune("MAIL FROM:<a@b> BODY=8 and more"), len("MAIL FROM:<a@b> BODY=8"))
	if n != len("BODY=8") || len(got) != 1 || string(got[0]) != "BITMIME" {
		t.Errorf("Do mid-line = %q, %d; want [\"BITMIME\"], 6", got, n)
	}
}

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
		s := repl.NewSession(repl.Config{Addr: addr.String(), Sandbox: srv}, newTermView(io.Discard, th, nil), io.Discard, nil)
		if err := s.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		if Prompt(s, th) == "" {
			b.Fatal("empty prompt")
		}
		s.Close()
		srv.Close()
	}
}

// BenchmarkCompletion is one Tab press in a transaction.
func BenchmarkCompletion(b *testing.B) {
	c := completer{greetedSession(b)}
	line := []rune("MAIL FROM:<a@b> B")
	for b.Loop() {
		c.Do(line, len(line))
	}
}
