package repl

import (
	"io"
	"net"
	"strings"
	"testing"

	"github.com/smtprepl/smtprepl/proto"
)

// testSession is a session with a client on a pipe nobody answers, whose
// model was told of a greeting, an EHLO answered with ehlo (nil: none),
// then lines, each answered as a server that takes everything would:
// enough for completion and the prompt.
func testSession(t testing.TB, ehlo []string, lines ...string) *Session {
	t.Helper()
	s := NewSession(Config{Addr: "mx.example.com:25", EHLOName: "client.example"}, newScriptView(io.Discard, ShowAll), io.Discard, nil)
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	s.client = proto.NewClient(a, "mx.example.com:25", proto.Options{})
	s.model.Greeting(proto.NewReply(220, proto.EnhancedCode{}, "mx.example.com"))
	if ehlo != nil {
		r, err := proto.ParseReply(ehlo)
		if err != nil {
			t.Fatal(err)
		}
		s.model.Feed("EHLO client.example", r)
	}
	for _, line := range lines {
		code, ok := map[string]int{"DATA": 354, "AUTH": 235}[strings.ToUpper(strings.Fields(line)[0])]
		if !ok {
			code = 250
		}
		s.model.Feed(line, proto.NewReply(code, proto.EnhancedCode{}, "ok"))
	}
	return s
}
