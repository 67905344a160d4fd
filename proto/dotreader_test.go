package proto

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

func TestReadDotBody(t *testing.T) {
	tests := []struct {
		name  string
		wire  string // what the client sent after 354
		max   int64
		body  string
		stats DotStats
		rest  string // left for the next command
	}{
		{name: "empty body", wire: ".\r\nQUIT\r\n", body: "", rest: "QUIT\r\n"},
		{name: "one line", wire: "hello\r\n.\r\nQUIT\r\n", body: "hello\r\n", stats: DotStats{Bytes: 7}, rest: "QUIT\r\n"},
		{name: "unstuffing", wire: "..def\r\n...ghi\r\n.\r\n", body: ".def\r\n..ghi\r\n", stats: DotStats{Bytes: 13, Unstuffed: 2}},
		{name: "a dot inside a line stays", wire: "a.b\r\n.\r\n", body: "a.b\r\n", stats: DotStats{Bytes: 5}},
		{name: "LF dot LF does not end", wire: "a\n.\nb\r\n.\r\n", body: "a\n.\nb\r\n", stats: DotStats{Bytes: 7, BareLF: 2}},
		{name: "LF dot CRLF does not end", wire: "a\n.\r\nb\r\n.\r\n", body: "a\n.\r\nb\r\n", stats: DotStats{Bytes: 8, BareLF: 1}},
		{name: "CR dot CR does not end", wire: "a\r.\rb\r\n.\r\n", body: "a\r.\rb\r\n", stats: DotStats{Bytes: 7, BareCR: 2}},
		{name: "bare CR before CRLF", wire: "a\r\r\n.\r\n", body: "a\r\r\n", stats: DotStats{Bytes: 4, BareCR: 1}},
		{name: "dot and bare LF is not the end", wire: ".\n.\r\n.\r\n", body: "\n.\r\n", stats: DotStats{Bytes: 4, Unstuffed: 1, BareLF: 1}},
		{name: "over the limit: rest consumed", wire: "0123456789\r\nabcdefghij\r\n.\r\nQUIT\r\n", max: 15, body: "0123456789\r\n", stats: DotStats{Bytes: 24, TooBig: true}, rest: "QUIT\r\n"},
		{name: "exactly at the limit", wire: "0123456789\r\n.\r\n", max: 12, body: "0123456789\r\n", stats: DotStats{Bytes: 12}},
	}
	for _, tt := range tests {
		for _, size := range []int{16, 4096} {
			t.Run(tt.name+"/buffer "+strconv.Itoa(size), func(t *testing.T) {
				br := bufio.NewReaderSize(iotest.HalfReader(strings.NewReader(tt.wire)), size)
				var body bytes.Buffer
				st, err := ReadDotBody(br, &body, tt.max)
				if err != nil {
					t.Fatalf("ReadDotBody(%q): %v", tt.wire, err)
				}
				if diff := cmp.Diff(tt.body, body.String()); diff != "" {
					t.Errorf("body mismatch (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tt.stats, st); diff != "" {
					t.Errorf("stats mismatch (-want +got):\n%s", diff)
				}
				rest, _ := io.ReadAll(br)
				if string(rest) != tt.rest {
					t.Errorf("left for the next command: %q, want %q", rest, tt.rest)
				}
			})
		}
	}
}

// TestReadDotBodyBufferBoundary puts a CRLF, a CR alone and the final dot
// at every offset of a 16-byte bufio buffer.
func TestReadDotBodyBufferBoundary(t *testing.T) {
	for pad := 0; pad < 40; pad++ {
		x := strings.Repeat("x", pad)
		body := x + "\r\n.stuffed\r\n" + x + "\rbare\r\n"
		wire := x + "\r\n..stuffed\r\n" + x + "\rbare\r\n.\r\nQUIT\r\n"
		br := bufio.NewReaderSize(strings.NewReader(wire), 16)
		var got bytes.Buffer
		st, err := ReadDotBody(br, &got, 0)
		if err != nil {
			t.Fatalf("pad %d: %v", pad, err)
		}
		if got.String() != body {
			t.Errorf("pad %d: body %q, want %q", pad, got.String(), body)
		}
		want := DotStats{Bytes: int64(len(body)), Unstuffed: 1, BareCR: 1}
		if diff := cmp.Diff(want, st); diff != "" {
			t.Errorf("pad %d: stats mismatch (-want +got):\n%s", pad, diff)
		}
		if rest, _ := io.ReadAll(br); string(rest) != "QUIT\r\n" {
			t.Errorf("pad %d: left %q", pad, rest)
		}
	}
}

func TestReadDotBodyEOF(t *testing.T) {
	for _, wire := range []string{"", "abc\r\n", "abc", "abc\r\n.", "abc\r\n.\r"} {
		t.Run(wire, func(t *testing.T) {
			_, err := ReadDotBody(bufio.NewReader(strings.NewReader(wire)), io.Discard, 0)
			if !errors.Is(err, ErrClosed) || !strings.Contains(err.Error(), "during DATA") {
				t.Errorf("ReadDotBody(%q) error = %v, want one wrapping ErrClosed that names DATA", wire, err)
			}
		})
	}
}

func TestReadDotBodyStoreError(t *testing.T) {
	_, err := ReadDotBody(bufio.NewReader(strings.NewReader("abc\r\n.\r\n")), &errWriter{}, 0)
	if !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("error = %v, want it to wrap the writer's error", err)
	}
}

// normalise is what the DotWriter promises the server will read back: every
// bare CR or LF becomes CRLF, and a non-empty body ends with CRLF.
func normalise(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n':
			out = append(out, "\r\n"...)
			i++
		case b[i] == '\r' || b[i] == '\n':
			out = append(out, "\r\n"...)
		default:
			out = append(out, b[i])
		}
	}
	if len(out) > 0 && !bytes.HasSuffix(out, []byte("\r\n")) {
		out = append(out, "\r\n"...)
	}
	return out
}

func FuzzDotRoundTrip(f *testing.F) {
	for _, tt := range dotWriterTests {
		f.Add([]byte(tt.body))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		want := normalise(b)
		if got := DotStuff(b); !bytes.Equal(got, DotStuff(want)) {
			t.Fatalf("DotStuff(%q) = %q, but DotStuff(normalise) = %q", b, got, DotStuff(want))
		}
		wire := append(DotStuff(want), "QUIT\r\n"...)
		for _, size := range []int{16, 4096} {
			br := bufio.NewReaderSize(bytes.NewReader(wire), size)
			var got bytes.Buffer
			st, err := ReadDotBody(br, &got, 0)
			if err != nil {
				t.Fatalf("ReadDotBody(%q): %v", wire, err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Fatalf("ReadDotBody(DotStuff(normalise(%q))) = %q, want %q", b, got.Bytes(), want)
			}
			if st.BareCR != 0 || st.BareLF != 0 || st.Bytes != int64(len(want)) {
				t.Fatalf("stats %+v for a normalised body of %d bytes", st, len(want))
			}
			if rest, _ := io.ReadAll(br); string(rest) != "QUIT\r\n" {
				t.Fatalf("left %q after the body", rest)
			}
		}
	})
}
