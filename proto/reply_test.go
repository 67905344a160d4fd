package proto

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseEnhancedCode(t *testing.T) {
	tests := []struct {
		in     string
		want   EnhancedCode
		wantOK bool
	}{
		{"5.7.8", EnhancedCode{5, 7, 8}, true},
		{"2.0.0", EnhancedCode{2, 0, 0}, true},
		{"4.999.999", EnhancedCode{4, 999, 999}, true},
		{"3.0.0", EnhancedCode{}, false},   // no such class
		{"1.0.0", EnhancedCode{}, false},   // no such class
		{"2.0", EnhancedCode{}, false},     // two fields
		{"2.0.0.0", EnhancedCode{}, false}, // four fields
		{"2", EnhancedCode{}, false},
		{"22.0.0", EnhancedCode{}, false},   // class is one digit
		{"2.1000.0", EnhancedCode{}, false}, // subject up to 3 digits
		{"2.0.1000", EnhancedCode{}, false},
		{"2..0", EnhancedCode{}, false},
		{"2.0.", EnhancedCode{}, false},
		{"2.a.0", EnhancedCode{}, false},
		{"2.+1.0", EnhancedCode{}, false},
		{"", EnhancedCode{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := ParseEnhancedCode(tt.in)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("ParseEnhancedCode(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
			if ok && got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestParseReply(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  *Reply
	}{
		{
			name:  "single line",
			lines: []string{"250 OK"},
			want:  &Reply{Code: 250, Lines: []string{"OK"}},
		},
		{
			name:  "multi-line",
			lines: []string{"250-mx.example.test", "250-PIPELINING", "250 CHUNKING"},
			want:  &Reply{Code: 250, Lines: []string{"mx.example.test", "PIPELINING", "CHUNKING"}},
		},
		{
			name:  "code alone",
			lines: []string{"250"},
			want:  &Reply{Code: 250, Lines: []string{""}},
		},
		{
			name:  "code and space, empty text (smtp-sink, 334 challenges)",
			lines: []string{"334 "},
			want:  &Reply{Code: 334, Lines: []string{""}},
		},
		{
			name:  "enhanced code split out",
			lines: []string{"535 5.7.8 Error: authentication failed: authentication failure"},
			want:  &Reply{Code: 535, Enhanced: EnhancedCode{5, 7, 8}, Lines: []string{"Error: authentication failed: authentication failure"}},
		},
		{
			name:  "enhanced code alone",
			lines: []string{"250 2.0.0"},
			want:  &Reply{Code: 250, Enhanced: EnhancedCode{2, 0, 0}, Lines: []string{""}},
		},
		{
			name:  "enhanced code repeated on every line (Postfix)",
			lines: []string{"550-5.1.1 first", "550 5.1.1 second"},
			want:  &Reply{Code: 550, Enhanced: EnhancedCode{5, 1, 1}, Lines: []string{"first", "second"}},
		},
		{
			name:  "enhanced code on the first line only",
			lines: []string{"550-5.1.1 first", "550 second"},
			want:  &Reply{Code: 550, Enhanced: EnhancedCode{5, 1, 1}, Lines: []string{"first", "second"}},
		},
		{
			name:  "a different enhanced code on a later line is text",
			lines: []string{"550-5.1.1 first", "550 5.7.1 second"},
			want:  &Reply{Code: 550, Enhanced: EnhancedCode{5, 1, 1}, Lines: []string{"first", "5.7.1 second"}},
		},
		{
			name:  "class differs from code: not an enhanced code",
			lines: []string{"250 5.0.0 odd"},
			want:  &Reply{Code: 250, Lines: []string{"5.0.0 odd"}},
		},
		{
			name:  "never on 3xx",
			lines: []string{"354 2.0.0 End data with <CR><LF>.<CR><LF>"},
			want:  &Reply{Code: 354, Lines: []string{"2.0.0 End data with <CR><LF>.<CR><LF>"}},
		},
		{
			name:  "a count is not an enhanced code",
			lines: []string{"250 2 recipients"},
			want:  &Reply{Code: 250, Lines: []string{"2 recipients"}},
		},
		{
			name:  "two fields are not an enhanced code",
			lines: []string{"250 2.0 ok"},
			want:  &Reply{Code: 250, Lines: []string{"2.0 ok"}},
		},
		{
			name:  "enhanced-looking word glued to text",
			lines: []string{"250 2.0.0:ok"},
			want:  &Reply{Code: 250, Lines: []string{"2.0.0:ok"}},
		},
		{
			name:  "text keeps trailing spaces",
			lines: []string{"250 2.0.0 Ok  "},
			want:  &Reply{Code: 250, Enhanced: EnhancedCode{2, 0, 0}, Lines: []string{"Ok  "}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseReply(tt.lines)
			if err != nil {
				t.Fatalf("ParseReply(%q): %v", tt.lines, err)
			}
			tt.want.Raw = tt.lines
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseReply(%q) mismatch (-want +got):\n%s", tt.lines, diff)
			}
			checkFormatRoundTrip(t, got)
		})
	}
}

// checkFormatRoundTrip checks that the canonical form of r parses back to
// the same code, enhanced code and text.
func checkFormatRoundTrip(t *testing.T, r *Reply) {
	t.Helper()
	again, err := ParseReply(r.Format())
	if err != nil {
		t.Fatalf("ParseReply(%q) of Format(): %v", r.Format(), err)
	}
	want := &Reply{Code: r.Code, Enhanced: r.Enhanced, Lines: r.Lines}
	got := &Reply{Code: again.Code, Enhanced: again.Enhanced, Lines: again.Lines}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseReply(Format()) of %q mismatch (-want +got):\n%s", r.Raw, diff)
	}
}

func TestParseReplyErrors(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  string // in the message
	}{
		{"no lines", nil, "empty reply"},
		{"too short", []string{"25"}, `shorter than a 3-digit code: "25"`},
		{"letter in the code", []string{"2x0 OK"}, `not three digits: "2x0 OK"`},
		{"sign in the code", []string{"+25 OK"}, `not three digits`},
		{"code below 200", []string{"199 OK"}, "reply code 199 is out of range"},
		{"code 600", []string{"600 OK"}, "reply code 600 is out of range"},
		{"second digit 6", []string{"260 OK"}, "reply code 260 is out of range"},
		{"no separator", []string{"250OK"}, `expected ' ' or '-' after the reply code: "250OK"`},
		{"continuation code differs", []string{"250-a", "251 b"}, `continuation line has code 251, reply started with 250: "251 b"`},
		{"final line too early", []string{"250 a", "250 b"}, "final line (code and space) before the end"},
		{"ends with continuation", []string{"250-a", "250-b"}, "reply ends with a continuation line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseReply(tt.lines)
			var pe *ProtocolError
			if !errors.As(err, &pe) {
				t.Fatalf("ParseReply(%q) error = %v, want a *ProtocolError", tt.lines, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseReply(%q) error = %q, want it to contain %q", tt.lines, err, tt.want)
			}
		})
	}
}

func TestReplyFormat(t *testing.T) {
	tests := []struct {
		name  string
		reply *Reply
		want  []string
	}{
		{"single", NewReply(250, EnhancedCode{}, "OK"), []string{"250 OK"}},
		{"no lines", NewReply(354, EnhancedCode{}), []string{"354 "}},
		{"enhanced on every line", NewReply(550, EnhancedCode{5, 1, 1}, "a", "b"), []string{"550-5.1.1 a", "550 5.1.1 b"}},
		{"enhanced with empty text", NewReply(250, EnhancedCode{2, 0, 0}, ""), []string{"250 2.0.0"}},
		{"text with trailing space", NewReply(250, EnhancedCode{2, 0, 0}, "x "), []string{"250 2.0.0 x "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.reply.Format()); diff != "" {
				t.Errorf("Format() mismatch (-want +got):\n%s", diff)
			}
			checkFormatRoundTrip(t, tt.reply)
		})
	}
}

func TestReplyAccessors(t *testing.T) {
	r := NewReply(451, EnhancedCode{4, 3, 0}, "try", "later")
	if r.Class() != 4 || !r.Failed() || r.Text() != "try\nlater" {
		t.Errorf("Class, Failed, Text = %d, %v, %q", r.Class(), r.Failed(), r.Text())
	}
	if got, want := r.String(), "451-4.3.0 try\n451 4.3.0 later"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if NewReply(354, EnhancedCode{}).Failed() {
		t.Error("354 reported as failed")
	}
}

func FuzzParseReply(f *testing.F) {
	for _, s := range []string{
		"250 OK", "250-a\n250 b", "250", "250 ", "535 5.7.8 no", "550-5.1.1 a\n550 5.1.1 b",
		"250 2 recipients", "354 2.0.0 go", "250 2.0.0", "250 2.0.0  x ", "2x0", "250-a\n251 b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseReply(strings.Split(s, "\n"))
		if err != nil {
			return
		}
		if len(r.Lines) != len(r.Raw) {
			t.Fatalf("%d Lines, %d Raw", len(r.Lines), len(r.Raw))
		}
		if !r.Enhanced.IsZero() && r.Enhanced[0] != r.Code/100 {
			t.Fatalf("enhanced code %v on a %d reply", r.Enhanced, r.Code)
		}
		checkFormatRoundTrip(t, r)
	})
}
