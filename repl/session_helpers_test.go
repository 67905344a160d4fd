package repl

import (
	"io"
	"net"
	"testing"

	"github.com/smtprepl/smtprepl/proto"
)

// testSession is a session in the given protocol state, with a client on
// a pipe nobody answers: enough for completion and the prompt.
func testSession(t testing.TB, st state, ehlo []string) *Session {
	t.Helper()
	s := NewSession(Config{Addr: "mx.example.com:25", EHLOName: "client.example"}, newScriptView(io.Discard), io.Discard, nil)
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	s.client = proto.NewClient(a, "mx.example.com:25", proto.Options{})
	s.st = st
	if ehlo != nil {
		r, err := proto.ParseReply(ehlo)
		if err != nil {
			t.Fatal(err)
		}
		s.caps = proto.ParseEHLO(r)
	}
	return s
}
