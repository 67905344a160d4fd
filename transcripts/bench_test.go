package transcripts

import (
	"bytes"
	"fmt"
	"io"
	"os"
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
func BenchmarkRecorderLine(b *testing.B) {
	r := NewRecorder(io.Discard)
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
