package transcripts

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
)

// bigTranscript repeats RFC 5321's D.1 scenario to about n lines.
func bigTranscript(b *testing.B, n int) []byte {
	one, err := os.ReadFile("testdata/rfc5321-d1-typical.txt")
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	buf.WriteString("# smtprepl transcript v1\n# server: bench\n")
	for lines := 0; lines < n; lines += bytes.Count(one, []byte("\n")) {
		buf.Write(one)
	}
	return buf.Bytes()
}

func BenchmarkParse10000Lines(b *testing.B) {
	data := bigTranscript(b, 10000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseBytes(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWrite10000Lines(b *testing.B) {
	tr, err := ParseBytes(bigTranscript(b, 10000))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tr.WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecorderLine records one line per iteration, alternating
// commands and replies.
func BenchmarkRecorderLine(b *testing.B) { benchRecorder(b, NewRecorder(io.Discard)) }

// BenchmarkJSONRecorderLine is BenchmarkRecorderLine for --json's JSON
// Lines.
func BenchmarkJSONRecorderLine(b *testing.B) { benchRecorder(b, NewJSONRecorder(io.Discard, nil)) }

func benchRecorder(b *testing.B, r *Recorder) {
	cmd := []byte("RCPT TO:<jones@foo.com>\r\n")
	reply := []byte("250 2.1.5 Ok\r\n")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			r.Client(cmd)
		} else {
			r.Server(reply)
		}
		i++
	}
	if err := r.Close(); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkCompare10000Lines(b *testing.B) {
	tr, err := ParseBytes(bigTranscript(b, 10000))
	if err != nil {
		b.Fatal(err)
	}
	rules := DefaultRules()
	rules.Exact = true
	b.ReportAllocs()
	for b.Loop() {
		if d := Compare(tr, tr, rules); len(d) != 0 {
			b.Fatal(d)
		}
	}
}

// BenchmarkCompareStream10000Lines is diff's path: two files read as
// streams and compared step by step, never held whole.
func BenchmarkCompareStream10000Lines(b *testing.B) {
	data := bigTranscript(b, 10000)
	rules := DefaultRules()
	rules.Exact = true
	b.SetBytes(int64(2 * len(data)))
	b.ReportAllocs()
	for b.Loop() {
		st, err := CompareStream(NewReader(bytes.NewReader(data)), NewReader(bytes.NewReader(data)), rules,
			func(d Difference) error { return fmt.Errorf("%v", d) })
		if err != nil || st.Steps == 0 {
			b.Fatal(st, err)
		}
	}
}

// BenchmarkMockStrictMessage is one session of a strict mock: patterns on
// MAIL and on headers, and a 1000-line message compared line by line.
func BenchmarkMockStrictMessage(b *testing.B) {
	var rec, body strings.Builder
	rec.WriteString("S: 220 mx\nC: EHLO a\nS: 250 mx\nC~ MAIL FROM:<[a-z]+@app\\.example>\nS: 250 ok\nC: RCPT TO:<b@c>\nS: 250 ok\nC: DATA\nS: 354 go\nC~ Date: .+\n")
	body.WriteString("Date: now\r\n")
	for i := range 1000 {
		fmt.Fprintf(&rec, "C: line %d of the report\n", i)
		fmt.Fprintf(&body, "line %d of the report\r\n", i)
	}
	rec.WriteString("C: .\nS: 250 queued\nC: QUIT\nS: 221 bye\n")
	tr, err := ParseBytes([]byte(rec.String()))
	if err != nil {
		b.Fatal(err)
	}
	m, err := NewMock(tr, MockConfig{})
	if err != nil {
		b.Fatal(err)
	}
	client := "EHLO a\r\nMAIL FROM:<x@app.example>\r\nRCPT TO:<b@c>\r\nDATA\r\n" + body.String() + ".\r\nQUIT\r\n"
	b.SetBytes(int64(len(client)))
	b.ReportAllocs()
	for b.Loop() {
		server, conn := net.Pipe()
		go func() {
			io.WriteString(conn, client)
		}()
		go io.Copy(io.Discard, conn)
		rep := m.ServeConn(context.Background(), server)
		conn.Close()
		if len(rep.Deviations) > 0 {
			b.Fatal(rep.Deviations)
		}
		m.conns.Store(0) // each round is connection 1 again
	}
}
