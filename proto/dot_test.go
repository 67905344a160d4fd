package proto

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// dotWriterTests are exact wire bytes, one named case per edge.
var dotWriterTests = []struct {
	name, body, wire    string
	stuffed, normalised int
}{
	{"empty body", "", ".\r\n", 0, 0},
	{"body is a dot", ".", "..\r\n.\r\n", 1, 0},
	{"no final line ending", "abc", "abc\r\n.\r\n", 0, 0},
	{"final CRLF", "abc\r\n", "abc\r\n.\r\n", 0, 0},
	{"bare LF and a leading dot", "abc\n.def\n", "abc\r\n..def\r\n.\r\n", 1, 2},
	{"textproto's case", "abc\n.def\n..ghi\n.jkl\n.", "abc\r\n..def\r\n...ghi\r\n..jkl\r\n..\r\n.\r\n", 4, 4},
	{"bare CR at the end", "abc\r", "abc\r\n.\r\n", 0, 1},
	{"bare CR then CRLF", "\r\r\n", "\r\n\r\n.\r\n", 0, 1},
	{"bare CR inside a line", "a\rb", "a\r\nb\r\n.\r\n", 0, 1},
	{"dot after a bare CR starts a line", "a\r.b", "a\r\n..b\r\n.\r\n", 1, 1},
	{"LF then CR", "\n\r", "\r\n\r\n.\r\n", 0, 2},
	{"lone LF", "\n", "\r\n.\r\n", 0, 1},
	{"smuggling: LF dot LF", "a\n.\nb", "a\r\n..\r\nb\r\n.\r\n", 1, 2},
	{"smuggling: CRLF dot CRLF in the body", "a\r\n.\r\nMAIL FROM:<x>\r\n", "a\r\n..\r\nMAIL FROM:<x>\r\n.\r\n", 1, 0},
	{"dot inside a line", "a.b\r\n", "a.b\r\n.\r\n", 0, 0},
	{"two dots", "..\r\n", "...\r\n.\r\n", 1, 0},
	{"empty lines", "\r\n\r\n", "\r\n\r\n.\r\n", 0, 0},
}

func TestDotWriter(t *testing.T) {
	for _, tt := range dotWriterTests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			d := NewDotWriter(&out)
			if _, err := io.WriteString(d, tt.body); err != nil {
				t.Fatal(err)
			}
			if err := d.Close(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wire, out.String()); diff != "" {
				t.Errorf("body %q on the wire mismatch (-want +got):\n%s", tt.body, diff)
			}
			if d.Stuffed != tt.stuffed || d.Normalised != tt.normalised {
				t.Errorf("Stuffed, Normalised = %d, %d; want %d, %d", d.Stuffed, d.Normalised, tt.stuffed, tt.normalised)
			}
			if got := string(DotStuff([]byte(tt.body))); got != tt.wire {
				t.Errorf("DotStuff(%q) = %q, want %q", tt.body, got, tt.wire)
			}
		})
	}
}

// writeSplit writes body through a DotWriter in the pieces given by cuts.
func writeSplit(t *testing.T, body string, cuts ...int) string {
	t.Helper()
	var out bytes.Buffer
	d := NewDotWriter(&out)
	prev := 0
	for _, c := range append(cuts, len(body)) {
		if _, err := io.WriteString(d, body[prev:c]); err != nil {
			t.Fatal(err)
		}
		prev = c
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestDotWriterSplitWrites(t *testing.T) {
	for _, tt := range dotWriterTests {
		t.Run(tt.name, func(t *testing.T) {
			var bytewise []int
			for i := 1; i < len(tt.body); i++ {
				bytewise = append(bytewise, i)
			}
			if got := writeSplit(t, tt.body, bytewise...); got != tt.wire {
				t.Errorf("byte by byte: %q, want %q", got, tt.wire)
			}
			for i := 0; i <= len(tt.body); i++ {
				if got := writeSplit(t, tt.body, i); got != tt.wire {
					t.Errorf("split at %d: %q, want %q", i, got, tt.wire)
				}
			}
		})
	}
}

func TestDotWriterClose(t *testing.T) {
	var out bytes.Buffer
	d := NewDotWriter(&out)
	if _, err := d.Write(nil); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := d.Write([]byte("late")); err == nil {
		t.Error("Write after Close succeeded")
	}
	if got := out.String(); got != ".\r\n" {
		t.Errorf("wire = %q, want %q", got, ".\r\n")
	}
}

// errWriter fails after n bytes.
type errWriter struct{ n int }

func (w *errWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		n := w.n
		w.n = 0
		return n, io.ErrClosedPipe
	}
	w.n -= len(p)
	return len(p), nil
}

func TestDotWriterReportsWriteErrors(t *testing.T) {
	d := NewDotWriter(&errWriter{n: 10})
	_, err := io.Copy(d, strings.NewReader(strings.Repeat("line\n", 100000)))
	if err == nil {
		err = d.Close()
	}
	if err != io.ErrClosedPipe {
		t.Errorf("error = %v, want %v", err, io.ErrClosedPipe)
	}
}

// sampleBody is text with long and short lines, leading dots and some bare
// LFs: what a DATA body looks like, repeated to size.
func sampleBody(size int) []byte {
	const para = "Subject: benchmark\r\n\r\nA line of ordinary text, about as long as mail lines usually are.\r\n" +
		".a line that needs a dot doubled\r\nand one ending in a bare LF\nthen a short one\r\n\r\n"
	return bytes.Repeat([]byte(para), size/len(para)+1)[:size]
}

func BenchmarkDotWriter(b *testing.B) {
	const size = 20 << 20
	body := sampleBody(size)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		d := NewDotWriter(io.Discard)
		for p := body; len(p) > 0; {
			n := min(len(p), 32<<10)
			if _, err := d.Write(p[:n]); err != nil {
				b.Fatal(err)
			}
			p = p[n:]
		}
		if err := d.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
