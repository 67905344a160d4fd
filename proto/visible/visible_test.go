package visible

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain ASCII is kept", "250-mx.example.test Hello", "250-mx.example.test Hello"},
		{"non-ASCII letters are kept", "250 Grüße, 你好", "250 Grüße, 你好"},
		{"empty", "", ""},
		{"backslash is doubled, so a literal \\x1b is not an ESC", `\x1b`, `\\x1b`},
		{"ESC of a CSI clear-screen", "\x1b[2J\x1b[H", `\x1b[2J\x1b[H`},
		{"OSC 52 clipboard write", "\x1b]52;c;cm0gLXJmIH4=\x07", `\x1b]52;c;cm0gLXJmIH4=\x07`},
		{"OSC 8 hyperlink with ST", "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\", `\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\`},
		{"tab, CR and LF inside a line", "a\tb\rc\nd", `a\tb\rc\nd`},
		{"NUL and BEL", "\x00\x07", `\x00\x07`},
		{"DEL", "a\x7fb", `a\x7fb`},
		{"raw C1 byte CSI (invalid UTF-8)", "a\x9b2Jb", `a\x9b2Jb`},
		{"C1 as UTF-8: U+009B CSI", "a\u009b2J", `a\u009b2J`},
		{"C1 as UTF-8: U+0085 NEL", "a\u0085b", `a\u0085b`},
		{"bidi override RLO", "user\u202egnp.exe", `user\u202egnp.exe`},
		{"bidi isolates", "\u2066\u2067\u2068\u2069", `\u2066\u2067\u2068\u2069`},
		{"bidi marks and the Arabic letter mark", "\u200e\u200f\u061c", `\u200e\u200f\u061c`},
		{"zero-width space and joiner, BOM", "a\u200bb\u200dc\ufeff", `a\u200bb\u200dc\ufeff`},
		{"line and paragraph separators", "a\u2028b\u2029c", `a\u2028b\u2029c`},
		{"no-break space is not a plain space", "a\u00a0b", `a\u00a0b`},
		{"truncated UTF-8 at the end", "ab\xe2\x80", `ab\xe2\x80`},
		{"private use rune", "\ue000", `\ue000`},
		{"tag character beyond the BMP", "\U000e0041", `\U000e0041`},
		{"emoji is printable", "ok 👍", "ok 👍"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := String(tt.in); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if Safe(tt.in) != (tt.in == tt.want) {
				t.Errorf("Safe(%q) = %v, but String changes it: %v", tt.in, Safe(tt.in), tt.in != tt.want)
			}
		})
	}
}

func TestLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"250 ok\r\n", "250 ok"},
		{"250 ok\n", "250 ok"},
		{"250 ok", "250 ok"},
		{"250 ok\r", `250 ok\r`},
		{"250 a\rb\r\n", `250 a\rb`},
		{"250 ok\r\n\r\n", `250 ok\r\n`},
	}
	for _, tt := range tests {
		if got := Line([]byte(tt.in)); got != tt.want {
			t.Errorf("Line(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestClip(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"short text is whole", "250 ok", 200, "250 ok"},
		{"exactly max", "abcd", 4, "abcd"},
		{"long text says its length", strings.Repeat("a", 1000), 5, "aaaaa … (1000 bytes in all)"},
		{"cut on a rune boundary", "ééé", 3, "é … (6 bytes in all)"},
		{"escapes inside the kept part", "\x1b[2J" + strings.Repeat("x", 50), 4, `\x1b[2J … (54 bytes in all)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Clip(tt.in, tt.max); got != tt.want {
				t.Errorf("Clip(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}

// TestNoUnsafeSurvivesAnyByte checks every single byte and every rune of the
// C1 and bidi ranges against the promise, rather than a few examples.
func TestNoUnsafeSurvivesAnyByte(t *testing.T) {
	for c := 0; c < 256; c++ {
		checkShown(t, String(string([]byte{'a', byte(c), 'b'})))
	}
	for r := rune(0x80); r <= 0x9f; r++ {
		checkShown(t, String(string(r)))
	}
	for _, r := range []rune{0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069} {
		if got := String(string(r)); !strings.HasPrefix(got, `\u`) {
			t.Errorf("bidi control U+%04X shown as %q", r, got)
		}
	}
}

// checkShown fails when out holds anything a terminal acts on.
func checkShown(t *testing.T, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("output %q is not UTF-8", out)
	}
	for _, r := range out {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || (r != ' ' && !strconv.IsPrint(r)) {
			t.Fatalf("output %q still holds %U", out, r)
		}
	}
}

// FuzzString: whatever the input, the output is UTF-8 with nothing a
// terminal acts on, safe input comes back unchanged, and the escapes can be
// read back to the original bytes.
func FuzzString(f *testing.F) {
	for _, s := range []string{"", "250 ok", "\x1b]52;c;AAAA\x07", "\u202e", "\xff\xfe", `\x41`, "é\u0085"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := String(in)
		checkShown(t, out)
		if Safe(in) != (out == in) {
			t.Fatalf("Safe(%q) = %v but String gives %q", in, Safe(in), out)
		}
		back, err := strconv.Unquote(`"` + strings.ReplaceAll(out, `"`, `\"`) + `"`)
		if err != nil || back != in {
			t.Fatalf("String(%q) = %q does not read back (%q, %v)", in, out, back, err)
		}
		if c := Clip(in, 64); len(in) <= 64 && c != out {
			t.Fatalf("Clip of a short input %q = %q, want %q", in, c, out)
		}
	})
}

func BenchmarkString(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"plain reply line", "250-mx.example.test Hello client.example [127.0.0.1], pleased to meet you"},
		{"with escapes", "250 \x1b]52;c;cm0gLXJmIH4=\x07 and \u202e done"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.in)))
			for b.Loop() {
				_ = String(bc.in)
			}
		})
	}
}
