package visible

import (
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"a plain sentence is kept", "the server did not answer within 1m0s", "the server did not answer within 1m0s"},
		{"raw ESC in a certificate name", "issued for evil\x1b]52;c;AAAA\x07.test, not this name", `issued for evil\x1b]52;c;AAAA\x07.test, not this name`},
		{"an already escaped part is not escaped twice", `malformed reply: "2\x1b[2J"`, `malformed reply: "2\x1b[2J"`},
		{"raw and escaped side by side", "a\\x1b \x1b b", `a\x1b \x1b b`},
		{"C1 as UTF-8 and bidi", "x\u009by\u202ez", `x\u009by\u202ez`},
		{"raw C1 byte", "x\x9by", `x\x9by`},
		{"a line break inside a sentence", "one\ntwo", `one\ntwo`},
		{"a trailing backslash", "a\\", "a\\"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Text(tt.in); got != tt.want {
				t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTextSafe(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"250 ok", true}, {`a\x1b b`, true}, {`a\`, true}, {"", true}, {"é", true},
		{"a\x1b", false}, {"\\\x07", false}, {"a\tb", false}, {"x\u202e", false}, {"\xff", false},
	}
	for _, tt := range tests {
		if got := TextSafe(tt.in); got != tt.want {
			t.Errorf("TextSafe(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestTextClip(t *testing.T) {
	long := strings.Repeat("ab\x1b", 1000)
	got := TextClip(long, 30)
	checkShown(t, got)
	if want := ` … (3000 bytes in all)`; !strings.HasSuffix(got, want) {
		t.Errorf("TextClip = %q, want it to end in %q", got, want)
	}
	if got := TextClip("short\x07", 30); got != `short\x07` {
		t.Errorf("TextClip of a short sentence = %q", got)
	}
}

// FuzzText: whatever the sentence, nothing a terminal acts on survives,
// Text is idempotent (a guard may run twice), and text without a backslash
// is escaped exactly as String escapes it.
func FuzzText(f *testing.F) {
	for _, s := range []string{"", "ok", "\x1b]52;c;AAAA\x07", `\x1b`, "\\\x1b", "é\u0085\u202e", "\xff\\\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Text(in)
		checkShown(t, out)
		if again := Text(out); again != out {
			t.Fatalf("Text is not idempotent: %q -> %q -> %q", in, out, again)
		}
		if !strings.Contains(in, `\`) && out != String(in) {
			t.Fatalf("Text(%q) = %q, String gives %q", in, out, String(in))
		}
		checkShown(t, TextClip(in, 16))
		if TextSafe(in) != (out == in) {
			t.Fatalf("TextSafe(%q) = %v, but Text gives %q", in, TextSafe(in), out)
		}
	})
}
