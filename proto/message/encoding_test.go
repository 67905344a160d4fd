package message

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestChooseEncoding(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		eight  bool
		want   Encoding
		reason string // a phrase the explanation must contain
	}{
		{"ascii", "Hello\r\nworld\r\n", false, SevenBit, "Every byte is ASCII"},
		{"998 octets is still 7bit", strings.Repeat("a", 998), false, SevenBit, "998"},
		{"long line", strings.Repeat("a", 999), false, QuotedPrintable, "999 octets long"},
		{"some utf-8", "Grüße aus Köln\r\n", false, QuotedPrintable, "did not offer 8BITMIME"},
		{"some utf-8 with 8BITMIME", "Grüße aus Köln\r\n", true, EightBit, "8BITMIME"},
		{"8BITMIME but long line", strings.Repeat("ü", 500), true, Base64, "over the 998"},
		{"mostly non-ascii", "Привет, как дела?\r\n", false, Base64, "base64"},
		{"NUL byte", "a\x00b", true, QuotedPrintable, "control bytes"},
		{"bare LF counts as control", "a\nb", false, QuotedPrintable, "control bytes"},
		{"empty", "", false, SevenBit, "ASCII"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, why := ChooseEncoding(tt.body, tt.eight)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ChooseEncoding (-want +got):\n%s\nreason: %s", diff, why)
			}
			if !strings.Contains(why, tt.reason) {
				t.Errorf("reason %q does not mention %q", why, tt.reason)
			}
		})
	}
}

func TestCanonicalText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a\nb", "a\r\nb"},
		{"a\r\nb\r\n", "a\r\nb\r\n"},
		{"a\rb", "a\r\nb"},
		{"a\r\r\nb", "a\r\n\r\nb"},
		{"\n\n", "\r\n\r\n"},
		{"", ""},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, canonicalText(tt.in)); diff != "" {
			t.Errorf("canonicalText(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestLineWriter(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		want   string
	}{
		{"short", []string{"abc"}, "abc"},
		{"exact width has no trailing break", []string{"abcd"}, "abcd"},
		{"wraps across writes", []string{"ab", "cdef", "ghij"}, "abcd\r\nefgh\r\nij"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			lw := &lineWriter{w: &b, width: 4}
			for _, w := range tt.writes {
				if _, err := lw.Write([]byte(w)); err != nil {
					t.Fatal(err)
				}
			}
			if diff := cmp.Diff(tt.want, b.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCounterBoundaryAvoidsContent(t *testing.T) {
	m := New(Options{Boundary: CounterBoundary("b")})
	text := m.Plain("a line that mentions --b-1 on purpose\n")
	p := m.Mixed(text)
	if got := p.boundary; got != "b-2" {
		t.Errorf("boundary = %q, want b-2 (b-1 occurs in the text)", got)
	}
	stuck := New(Options{Boundary: func() string { return "same" }})
	if err := stuck.Mixed(stuck.Plain("same")).Err(); err == nil {
		t.Error("a generator stuck on a colliding boundary was accepted")
	}
	if err := New(Options{Boundary: func() string { return "bad\x00" }}).Mixed(m.Plain("x")).Err(); err == nil {
		t.Error("an invalid boundary was accepted")
	}
}
