package repl

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/smtprepl/smtprepl/repl/internal/repltest"
)

// BenchmarkScriptPipelined is the per-message cost of script mode with
// --pipeline: 100 small messages on one connection to a server that
// answers at once (like smtp-sink), so what is measured is our side of
// each round trip.
func BenchmarkScriptPipelined(b *testing.B) {
	addr := startInstantSink(b)
	var script strings.Builder
	script.WriteString("EHLO bench.example\n")
	const messages = 100
	for i := range messages {
		fmt.Fprintf(&script, "MAIL FROM:<bob@example.test>\nRCPT TO:<alice@example.test>\nDATA\nSubject: %d\n\nhello\n.\n", i)
	}
	script.WriteString("QUIT\n")
	text := script.String()
	b.ReportAllocs()
	for b.Loop() {
		s := NewScriptSession(Config{Addr: addr, Timeout: 10 * time.Second, Pipeline: true}, io.Discard, io.Discard)
		if err := s.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		if err := s.RunScript(context.Background(), strings.NewReader(text)); err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*messages), "ns/message")
}

// startInstantSink serves a minimal SMTP sink on loopback: every command
// gets 250 (354 for DATA), replies to a pipelined batch leave in one write.
func startInstantSink(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go serveInstantSink(conn)
		}
	}()
	return ln.Addr().String()
}

func serveInstantSink(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	w := bufio.NewWriter(conn)
	w.WriteString("220 sink ESMTP\r\n")
	w.Flush()
	inData := false
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.TrimSpace(string(line)))
		switch {
		case inData:
			if verb == "." {
				inData = false
				w.WriteString("250 2.0.0 Ok: queued\r\n")
			}
		case strings.HasPrefix(verb, "EHLO"):
			w.WriteString("250-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
		case verb == "DATA":
			inData = true
			w.WriteString("354 End data with <CR><LF>.<CR><LF>\r\n")
		case verb == "QUIT":
			w.WriteString("221 2.0.0 Bye\r\n")
			w.Flush()
			return
		default:
			w.WriteString("250 2.1.0 Ok\r\n")
		}
		if r.Buffered() == 0 {
			if w.Flush() != nil {
				return
			}
		}
	}
}

// BenchmarkScriptPipelinedLMTP is 100 pipelined messages to two
// recipients each, against the sandbox in SMTP and in LMTP mode: what the
// reply per recipient after each "." costs, end to end.
func BenchmarkScriptPipelinedLMTP(b *testing.B) {
	for _, lmtp := range []bool{false, true} {
		name, hello := "smtp", "EHLO"
		srv := repltest.StartSandbox(b)
		if lmtp {
			name, hello, srv = "lmtp", "LHLO", repltest.StartLMTPSandbox(b)
		}
		var script strings.Builder
		script.WriteString(hello + " bench.example\n")
		const messages = 100
		for i := range messages {
			fmt.Fprintf(&script, "MAIL FROM:<bob@example.test>\nRCPT TO:<alice@example.test>\nRCPT TO:<carol@example.test>\nDATA\nSubject: %d\n\nhello\n.\n", i)
		}
		script.WriteString("QUIT\n")
		text := script.String()
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s := NewScriptSession(Config{Addr: srv.Addr().String(), Timeout: 10 * time.Second, Pipeline: true, LMTP: lmtp}, io.Discard, io.Discard)
				if err := s.Start(context.Background()); err != nil {
					b.Fatal(err)
				}
				if err := s.RunScript(context.Background(), strings.NewReader(text)); err != nil {
					b.Fatal(err)
				}
				s.Close()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*messages), "ns/message")
		})
	}
}
