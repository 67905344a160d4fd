// Package repltest holds what the tests of repl and its terminal share:
// the escapes a hostile server or file would send, the check that output
// holds nothing a terminal would act on, and a fake server. Only tests
// import it.
package repltest

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"unicode/utf8"
)

// Escapes a hostile server puts in its replies: a clear-screen, a window
// title, a clipboard write (OSC 52), a hyperlink (OSC 8), a raw C1 CSI, a
// UTF-8 C1 CSI, a bell and the bidi controls of the Trojan Source family.
const (
	EvilCSI   = "\x1b[2J\x1b[H"
	EvilTitle = "\x1b]0;pwned\x07"
	EvilClip  = "\x1b]52;c;cm0gLXJmIH4=\x07"
	EvilLink  = "\x1b]8;;http://evil.test\x1b\\click\x1b]8;;\x1b\\"
	EvilC1    = "\x9b2J\u009b2J\u0085"
	EvilBidi  = "\u202egnp.exe\u2066\u2069"
	EvilAll   = EvilCSI + EvilTitle + EvilClip + EvilLink + EvilC1 + EvilBidi + "\x07\x7f"
	// EvilUTF8 is what a certificate's UTF8String can carry.
	EvilUTF8 = EvilCSI + EvilTitle + EvilClip + "\u009b2J" + EvilBidi + "\x07"
)

// SGR is our own colour: the only escape the shell may write.
var SGR = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// TerminalUnsafe names the first thing in out a terminal would act on,
// or "" when there is none. SGR colour sequences pass when colour is on;
// LF is the line structure.
func TerminalUnsafe(out string, colour bool) string {
	if colour {
		out = SGR.ReplaceAllString(out, "")
	}
	for i := 0; i < len(out); {
		r, n := utf8.DecodeRuneInString(out[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			return fmt.Sprintf("byte %#x that is not UTF-8 at %d: %q", out[i], i, around(out, i))
		case r == '\n':
		case r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f:
			return fmt.Sprintf("control %U at %d: %q", r, i, around(out, i))
		case r != ' ' && !strconv.IsPrint(r):
			return fmt.Sprintf("invisible %U at %d: %q", r, i, around(out, i))
		}
		i += n
	}
	return ""
}

func around(s string, i int) string { return s[max(0, i-40):min(len(s), i+40)] }

// AssertTerminalSafe fails t when out holds anything a terminal would act on.
func AssertTerminalSafe(t testing.TB, what, out string, colour bool) {
	t.Helper()
	if bad := TerminalUnsafe(out, colour); bad != "" {
		t.Errorf("%s reaches the terminal with %s", what, bad)
	}
}
