package proto

import (
	"bufio"
	"errors"
	"io"
	"net/textproto"
	"os"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

func TestReadReply(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []*Reply
	}{
		{
			name: "single line",
			in:   "220 mx.example.test ESMTP\r\n",
			want: []*Reply{{Code: 220, Lines: []string{"mx.example.test ESMTP"}, Raw: []string{"220 mx.example.test ESMTP"}}},
		},
		{
			name: "multi-line",
			in:   "250-mx.example.test\r\n250-PIPELINING\r\n250 CHUNKING\r\n",
			want: []*Reply{{
				Code:  250,
				Lines: []string{"mx.example.test", "PIPELINING", "CHUNKING"},
				Raw:   []string{"250-mx.example.test", "250-PIPELINING", "250 CHUNKING"},
			}},
		},
		{
			name: "code alone",
			in:   "250\r\n",
			want: []*Reply{{Code: 250, Lines: []string{""}, Raw: []string{"250"}}},
		},
		{
			name: "empty text",
			in:   "250 \r\n",
			want: []*Reply{{Code: 250, Lines: []string{""}, Raw: []string{"250 "}}},
		},
		{
			name: "enhanced code",
			in:   "535 5.7.8 Authentication credentials invalid\r\n",
			want: []*Reply{{
				Code: 535, Enhanced: EnhancedCode{5, 7, 8},
				Lines: []string{"Authentication credentials invalid"},
				Raw:   []string{"535 5.7.8 Authentication credentials invalid"},
			}},
		},
		{
			name: "a count is not an enhanced code",
			in:   "250 2 recipients\r\n",
			want: []*Reply{{Code: 250, Lines: []string{"2 recipients"}, Raw: []string{"250 2 recipients"}}},
		},
		{
			name: "bare LF accepted and noted",
			in:   "250-a\n250 b\r\n",
			want: []*Reply{{Code: 250, Lines: []string{"a", "b"}, Raw: []string{"250-a", "250 b"}, BareLF: true}},
		},
		{
			name: "pipelined replies in one read",
			in:   "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n",
			want: []*Reply{
				{Code: 250, Enhanced: EnhancedCode{2, 1, 0}, Lines: []string{"Ok"}, Raw: []string{"250 2.1.0 Ok"}},
				{Code: 250, Enhanced: EnhancedCode{2, 1, 5}, Lines: []string{"Ok"}, Raw: []string{"250 2.1.5 Ok"}},
				{Code: 354, Lines: []string{"End data with <CR><LF>.<CR><LF>"}, Raw: []string{"354 End data with <CR><LF>.<CR><LF>"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, split := range []struct {
				name string
				wrap func(io.Reader) io.Reader
			}{
				{"whole", func(r io.Reader) io.Reader { return r }},
				{"byte by byte", iotest.OneByteReader},
			} {
				t.Run(split.name, func(t *testing.T) {
					r := NewReader(split.wrap(strings.NewReader(tt.in)))
					var got []*Reply
					for {
						reply, err := r.ReadReply()
						if errors.Is(err, ErrClosed) {
							break
						}
						if err != nil {
							t.Fatalf("ReadReply: %v", err)
						}
						got = append(got, reply)
					}
					if diff := cmp.Diff(tt.want, got); diff != "" {
						t.Errorf("ReadReply(%q) mismatch (-want +got):\n%s", tt.in, diff)
					}
				})
			}
		})
	}
}

func TestReadReplyErrors(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		limits     Limits
		want       string // in the message
		wantClosed bool   // errors.Is(err, ErrClosed)
		wantProto  bool   // errors.As(err, **ProtocolError)
	}{
		{name: "EOF at a reply boundary", in: "", want: "connection closed by server", wantClosed: true},
		{name: "EOF in a multi-line reply", in: "250-a\r\n250-b\r\n", want: "in the middle of a multi-line reply, after 2 line(s)", wantClosed: true},
		{name: "EOF before CRLF", in: "250 OK", want: `connection closed before the line's CRLF: "250 OK"`, wantClosed: true, wantProto: true},
		{name: "non-digit code", in: "2x0 OK\r\n", want: "not three digits", wantProto: true},
		{name: "code out of range", in: "199 OK\r\n", want: "out of range", wantProto: true},
		{name: "continuation code differs", in: "250-a\r\n251 b\r\n", want: "continuation line has code 251", wantProto: true},
		{name: "NUL byte", in: "250 a\x00b\r\n", want: "NUL byte in reply", wantProto: true},
		{name: "line over the bound", in: "250 123456\r\n", limits: Limits{MaxLineBytes: 9}, want: "reply line longer than 9 bytes", wantProto: true},
		{name: "line over the bound with bare LF", in: "250 123456\n", limits: Limits{MaxLineBytes: 9}, want: "reply line longer than 9 bytes", wantProto: true},
		{name: "line over the bound without LF", in: "250 " + strings.Repeat("x", 10000), limits: Limits{MaxLineBytes: 100}, want: "reply line longer than 100 bytes", wantProto: true},
		{name: "too many lines", in: "250-a\r\n250-b\r\n250-c\r\n250 d\r\n", limits: Limits{MaxReplyLines: 3}, want: "more than 3 lines", wantProto: true},
		{name: "too many bytes", in: "250-aaaa\r\n250-bbbb\r\n250 cccc\r\n", limits: Limits{MaxReplyBytes: 20}, want: "more than 20 bytes", wantProto: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReaderLimits(strings.NewReader(tt.in), tt.limits).ReadReply()
			if err == nil {
				t.Fatalf("ReadReply(%q) succeeded, want an error", tt.in)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
			if got := errors.Is(err, ErrClosed); got != tt.wantClosed {
				t.Errorf("errors.Is(%v, ErrClosed) = %v, want %v", err, got, tt.wantClosed)
			}
			var pe *ProtocolError
			if got := errors.As(err, &pe); got != tt.wantProto {
				t.Errorf("errors.As(%v, *ProtocolError) = %v, want %v", err, got, tt.wantProto)
			}
		})
	}
}

func TestReadReplyEOFMessagesDiffer(t *testing.T) {
	_, boundary := NewReader(strings.NewReader("")).ReadReply()
	_, middle := NewReader(strings.NewReader("250-a\r\n")).ReadReply()
	if boundary == nil || middle == nil || boundary.Error() == middle.Error() {
		t.Errorf("EOF errors at a boundary (%v) and mid-reply (%v) must differ", boundary, middle)
	}
}

func TestReadReplyLimitsAtTheBound(t *testing.T) {
	in := "250-aaaa\r\n250-bbbb\r\n250 cccc\n"
	r := NewReaderLimits(strings.NewReader(in), Limits{MaxLineBytes: 8, MaxReplyBytes: 24, MaxReplyLines: 3})
	if _, err := r.ReadReply(); err != nil {
		t.Errorf("a reply exactly at every bound: %v", err)
	}
}

// timeoutOnce returns a deadline error once, after the first n bytes, as a
// net.Conn does when a read deadline passes in the middle of a line.
type timeoutOnce struct {
	r     io.Reader
	n     int
	fired bool
}

func (t *timeoutOnce) Read(p []byte) (int, error) {
	if !t.fired && t.n == 0 {
		t.fired = true
		return 0, os.ErrDeadlineExceeded
	}
	if !t.fired && len(p) > t.n {
		p = p[:t.n]
	}
	n, err := t.r.Read(p)
	t.n -= n
	return n, err
}

func TestReadReplyResumesAfterTimeout(t *testing.T) {
	in := "250-first\r\n250-sec" + "ond\r\n250 third\r\n"
	var tapped []string
	r := NewReader(&timeoutOnce{r: strings.NewReader(in), n: len("250-first\r\n250-sec")})
	r.OnLine = func(raw []byte) { tapped = append(tapped, string(raw)) }
	if _, err := r.ReadReply(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("first ReadReply error = %v, want the deadline", err)
	}
	if r.LinesSoFar() != 1 {
		t.Errorf("LinesSoFar() = %d after the timeout, want 1", r.LinesSoFar())
	}
	got, err := r.ReadReply()
	if err != nil {
		t.Fatalf("second ReadReply: %v", err)
	}
	if diff := cmp.Diff([]string{"first", "second", "third"}, got.Lines); diff != "" {
		t.Errorf("resumed reply lines mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"250-first\r\n", "250-second\r\n", "250 third\r\n"}, tapped); diff != "" {
		t.Errorf("OnLine saw (-want +got):\n%s", diff)
	}
}

func TestReaderOnLineSeesUnterminatedLine(t *testing.T) {
	var tapped []string
	r := NewReader(strings.NewReader("250-a\r\n250 b"))
	r.OnLine = func(raw []byte) { tapped = append(tapped, string(raw)) }
	if _, err := r.ReadReply(); err == nil {
		t.Fatal("ReadReply succeeded on an unterminated line")
	}
	if diff := cmp.Diff([]string{"250-a\r\n", "250 b"}, tapped); diff != "" {
		t.Errorf("OnLine saw (-want +got):\n%s", diff)
	}
}

func FuzzReadReply(f *testing.F) {
	for _, s := range []string{
		"250 OK\r\n", "250-a\r\n250 b\r\n", "250\r\n", "250 \n", "535 5.7.8 no\r\n",
		"250-a\r\n251 b\r\n", "250 a\x00\r\n", "250 OK", "250-x\r\n", "250 2 x\r\n250 2.0.0 y\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r := NewReaderLimits(strings.NewReader(string(in)), Limits{MaxLineBytes: 64, MaxReplyBytes: 256, MaxReplyLines: 8})
		for range 100 {
			reply, err := r.ReadReply()
			if err != nil {
				return
			}
			for _, raw := range reply.Raw {
				if strings.ContainsAny(raw, "\n\x00") || len(raw) > 64 {
					t.Fatalf("raw line %q", raw)
				}
			}
			checkFormatRoundTrip(t, reply)
		}
	})
}

// ehloReply is Exim's ten-line reply to EHLO after STARTTLS, from
// proto/sandbox/testdata/real-replies.md.
const ehloReply = "250-exim.example.test Hello probe.example.test [127.0.0.1]\r\n" +
	"250-SIZE 10485760\r\n250-8BITMIME\r\n250-VRFY\r\n250-PIPELINING\r\n250-PIPECONNECT\r\n" +
	"250-AUTH PLAIN LOGIN\r\n250-CHUNKING\r\n250-SMTPUTF8\r\n250 HELP\r\n"

// BenchmarkReadEHLO reads the same reply with each package's reader. Both
// readers live as long as the session, so they are made once.
func BenchmarkReadEHLO(b *testing.B) {
	src := strings.NewReader(ehloReply)
	br := bufio.NewReader(src)
	b.Run("proto", func(b *testing.B) {
		r := NewReader(br)
		b.SetBytes(int64(len(ehloReply)))
		b.ReportAllocs()
		for b.Loop() {
			src.Reset(ehloReply)
			br.Reset(src)
			if _, err := r.ReadReply(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("textproto", func(b *testing.B) {
		r := textproto.NewReader(br)
		b.SetBytes(int64(len(ehloReply)))
		b.ReportAllocs()
		for b.Loop() {
			src.Reset(ehloReply)
			br.Reset(src)
			if _, _, err := r.ReadResponse(250); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestReplyBuffered(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"nothing yet", "", false},
		{"one whole reply", "250 ok\r\n", true},
		{"code alone", "250\r\n", true},
		{"half a line", "250 o", false},
		{"multi-line, last line missing", "250-a\r\n250-b\r\n", false},
		{"multi-line, all there", "250-a\r\n250 b\r\n", true},
		{"bare LF ends a line too", "250-a\n250 b\n", true},
		{"a short odd line is a reply to report", "x\r\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			br := bufio.NewReaderSize(strings.NewReader(tt.in), 4096)
			br.Peek(len(tt.in)) // fill the buffer as a network read would
			r := NewReader(br)
			if got := r.ReplyBuffered(); got != tt.want {
				t.Errorf("ReplyBuffered(%q) = %v, want %v", tt.in, got, tt.want)
			}
			if tt.want {
				// What was reported as complete must read without more input.
				r.ReadReply()
				if rest := br.Buffered(); rest != 0 {
					t.Errorf("%d bytes left after the reply", rest)
				}
			}
		})
	}
}
