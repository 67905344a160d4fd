package message

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// nested builds n multiparts inside each other around one text part.
func nested(n int) string {
	var b strings.Builder
	b.WriteString("From: a@x.test\r\n")
	for i := range n {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\r\n\r\nhi")
	for i := n - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "\r\n--b%d--", i)
	}
	return b.String()
}

// many builds one multipart with n text parts.
func many(n int) string {
	var b strings.Builder
	b.WriteString("Content-Type: multipart/mixed; boundary=B\r\n\r\n")
	for range n {
		b.WriteString("--B\r\n\r\nx\r\n")
	}
	return b.String() + "--B--\r\n"
}

type shape struct {
	Entities, MaxDepth int
	Kept               int
	Errors             []string
}

func shapeOf(e *Entity) shape {
	var s shape
	e.Walk(func(e *Entity, depth int) {
		s.Entities++
		s.MaxDepth = max(s.MaxDepth, depth)
		s.Kept += len(e.Body)
		if e.Err != nil {
			s.Errors = append(s.Errors, e.Err.Error())
		}
	})
	return s
}

func TestParseLimits(t *testing.T) {
	tests := []struct {
		name string
		in   string
		lim  Limits
		want shape
	}{
		{"within depth", nested(3), Limits{MaxDepth: 3}, shape{Entities: 4, MaxDepth: 3, Kept: 2}},
		{"too deep", nested(10), Limits{MaxDepth: 3}, shape{Entities: 4, MaxDepth: 3, Kept: 416,
			Errors: []string{"message: nested deeper than 3; not descended"}}},
		{"too many parts", many(20), Limits{MaxParts: 5}, shape{Entities: 5, MaxDepth: 1, Kept: 4,
			Errors: []string{"message: more than 5 parts; the rest are skipped"}}},
		{"body budget", many(3), Limits{MaxBodyBytes: 2}, shape{Entities: 4, MaxDepth: 1, Kept: 2}},
		{"no boundary", "Content-Type: multipart/mixed\r\n\r\nbody", Limits{}, shape{Entities: 1, Kept: 4,
			Errors: []string{"message: multipart/mixed with a missing or overlong boundary; body kept as is"}}},
		{"unterminated multipart", "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n\r\nx", Limits{}, shape{Entities: 2, MaxDepth: 1, Kept: 1,
			Errors: []string{"message: multipart/mixed: multipart: NextPart: EOF", "message: decoding 7bit body: unexpected EOF"}}},
		{"bad base64", "Content-Transfer-Encoding: base64\r\n\r\nQUJD\r\n!!QU=JD", Limits{}, shape{Entities: 1, Kept: 3,
			Errors: []string{"message: decoding base64 body: illegal base64 data at input byte 6"}}},
		{"bad content type", "Content-Type: ;;;\r\n\r\nx", Limits{}, shape{Entities: 1, Kept: 1,
			Errors: []string{`message: Content-Type ";;;": mime: no media type; read as text/plain`}}},
		{"message/rfc822 inside", "Content-Type: message/rfc822\r\n\r\nSubject: in\r\n\r\nhello", Limits{}, shape{Entities: 2, MaxDepth: 1, Kept: 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := ParseLimits(strings.NewReader(tt.in), tt.lim)
			if err != nil {
				t.Fatalf("ParseLimits: %v", err)
			}
			if diff := cmp.Diff(tt.want, shapeOf(e)); diff != "" {
				t.Errorf("shape (-want +got):\n%s\n%s", diff, e)
			}
		})
	}
}

func TestParseHeaderErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", "message: empty input"},
		{"not a header", "hello world\r\n\r\n", `message: malformed header line "hello world"`},
		{"starts with continuation", " folded\r\n\r\n", `message: header starts with a continuation line " folded"`},
		{"too big", "X: " + strings.Repeat("a", 300) + "\r\n\r\n", "message: header block larger than 100 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseLimits(strings.NewReader(tt.in), Limits{MaxHeaderBytes: 100})
			got := fmt.Sprint(err)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseUnfoldsExactly(t *testing.T) {
	in := "Subject: a  b\r\n \tc\r\nX-Empty:\r\nX-Spaced :  v \r\n\r\n"
	e, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := Header{{"Subject", "a  b \tc"}, {"X-Empty", ""}, {"X-Spaced", "v"}}
	if diff := cmp.Diff(want, e.Header); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
}

func TestSummaryHidesControls(t *testing.T) {
	in := "Content-Type: image/png; name=\"a\x1b[31mb\"\r\nContent-ID: <x\x07y>\r\n\r\n"
	e, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Summary(); strings.ContainsAny(got, "\x1b\x07") {
		t.Errorf("Summary passes control characters through: %q", got)
	}
}
