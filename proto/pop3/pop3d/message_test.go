package pop3d

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/smtprepl/smtprepl/proto/pop3"
)

func written(m Message, top int) string {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	writeMessage(w, m, top)
	w.Flush()
	return b.String()
}

// TestWriteMessage is exact about bytes: CRLF everywhere, stuffing, the
// lone ".", TOP's count, and the octet count RETR announces.
func TestWriteMessage(t *testing.T) {
	tests := []struct {
		name  string
		msg   Message
		top   int
		wire  string
		octet int
	}{
		{name: "crlf", msg: Message{Data: []byte("A: 1\r\n\r\nbody\r\n")}, top: -1,
			wire: "A: 1\r\n\r\nbody\r\n.\r\n", octet: 14},
		{name: "bare-lf-counted-as-crlf", msg: Message{Data: []byte("A: 1\n\nbody\n")}, top: -1,
			wire: "A: 1\r\n\r\nbody\r\n.\r\n", octet: 14},
		{name: "no-final-line-end", msg: Message{Data: []byte("A: 1\r\n\r\nbody")}, top: -1,
			wire: "A: 1\r\n\r\nbody\r\n.\r\n", octet: 14},
		{name: "stuffed", msg: Message{Data: []byte("A: 1\r\n\r\n.\r\n..x\r\n")}, top: -1,
			wire: "A: 1\r\n\r\n..\r\n...x\r\n.\r\n", octet: 16},
		{name: "trace-first", msg: Message{Trace: []byte("R: x\r\n"), Data: []byte("A: 1\r\n\r\nb\r\n")}, top: -1,
			wire: "R: x\r\nA: 1\r\n\r\nb\r\n.\r\n", octet: 17},
		{name: "top-0", msg: Message{Trace: []byte("R: x\r\n"), Data: []byte("A: 1\r\n\r\nb1\r\nb2\r\n")}, top: 0,
			wire: "R: x\r\nA: 1\r\n\r\n.\r\n"},
		{name: "top-1-stuffed", msg: Message{Data: []byte("A: 1\r\n\r\n.b1\r\nb2\r\n")}, top: 1,
			wire: "A: 1\r\n\r\n..b1\r\n.\r\n"},
		{name: "top-more-than-there-is", msg: Message{Data: []byte("A: 1\r\n\r\nb1\r\n")}, top: 9,
			wire: "A: 1\r\n\r\nb1\r\n.\r\n"},
		{name: "top-no-body", msg: Message{Data: []byte("A: 1\r\n")}, top: 0,
			wire: "A: 1\r\n.\r\n"},
		{name: "empty", msg: Message{}, top: -1, wire: ".\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := written(tt.msg, tt.top); got != tt.wire {
				t.Errorf("wire %q, want %q", got, tt.wire)
			}
			if tt.top < 0 {
				if got := wireSize(tt.msg.Trace) + wireSize(tt.msg.Data); got != tt.octet {
					t.Errorf("octet count %d, want %d", got, tt.octet)
				}
			}
		})
	}
}

// FuzzWriteMessage: whatever the data, the lines sent, unstuffed, hold
// exactly as many octets as RETR announces, and only the last is ".".
func FuzzWriteMessage(f *testing.F) {
	for _, s := range []string{"", "a\r\n", ".\n..\r\n", "x\ry\n", "\n\n\n", "no end"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		wire := written(Message{Data: data}, -1)
		lines := strings.Split(wire, "\r\n")
		if lines[len(lines)-1] != "" || lines[len(lines)-2] != "." {
			t.Fatalf("%q does not end with CRLF.CRLF", wire)
		}
		octets := 0
		for _, l := range lines[:len(lines)-2] {
			text, end := pop3.Unstuff([]byte(l))
			if end {
				t.Fatalf("a lone \".\" before the end in %q", wire)
			}
			if strings.Contains(l, "\n") {
				t.Fatalf("bare LF on the wire in %q", wire)
			}
			octets += len(text) + 2
		}
		if want := wireSize(data); octets != want {
			t.Fatalf("%d octets sent, %d announced, for %q", octets, want, data)
		}
	})
}

// BenchmarkRetr is RETR's hot path: a 1 MiB message of 76-column lines,
// some needing stuffing.
func BenchmarkRetr(b *testing.B) {
	line := strings.Repeat("x", 74) + "\r\n"
	data := []byte("Subject: big\r\n\r\n" + strings.Repeat(line+"."+line, (1<<20)/(2*len(line))))
	w := bufio.NewWriter(discard{})
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		writeMessage(w, Message{Data: data}, -1)
		wireSize(data)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
