// Package visible makes text from outside safe to put on a terminal.
//
// Bytes from a server, a certificate or a file can hold escape sequences
// that clear the screen, set the window title, write the clipboard (OSC 52),
// plant hyperlinks (OSC 8) or reorder what is shown (Unicode bidi controls,
// the "Trojan Source" family). Everything such text passes through on its
// way to a terminal goes through this package first, so that every byte a
// terminal could act on is shown as a visible escape instead.
//
//	[String], [Bytes]  the text with every control written as an escape
//	[Line]             the same for one wire line, its CRLF or LF ending dropped
//	[Clip]             the same, bounded: a long text is cut and says so
//	[Safe]             whether a text would come back unchanged
//
// The escapes are Go's: \t, \r, \n, \x1b for a byte, \u202e for a rune,
// \\ for a backslash (so that a server's literal "\x1b" cannot pass for
// an escaped ESC). Printable text, including non-ASCII letters, is kept.
package visible

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// String returns s with every rune a terminal could act on escaped: the C0
// controls (the line ending too: callers showing a line drop it first, see
// [Line]), DEL, the C1 controls both as raw bytes and as UTF-8, bidi
// overrides and isolates, other invisible format characters, line and
// paragraph separators, and bytes that are not UTF-8.
func String(s string) string {
	i := firstUnsafe(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	appendEscaped(&b, s[i:])
	return b.String()
}

// Bytes is [String] for a byte slice.
func Bytes(p []byte) string { return String(string(p)) }

// Line is [String] for one line as it crossed the wire: a final CRLF or LF
// is the line structure and is dropped; any other CR or LF is shown.
func Line(p []byte) string {
	s := string(p)
	if strings.HasSuffix(s, "\r\n") {
		s = s[:len(s)-2]
	} else if strings.HasSuffix(s, "\n") {
		s = s[:len(s)-1]
	}
	return String(s)
}

// Safe reports whether s would be shown as it is.
func Safe(s string) bool { return firstUnsafe(s) < 0 }

// Clip is [String] for at most max bytes of s. A longer s is cut at a rune
// boundary and followed by " … (N bytes in all)", so that a hostile
// megabyte costs the terminal a line, not the megabyte.
func Clip(s string, max int) string {
	if len(s) <= max {
		return String(s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return String(s[:cut]) + " … (" + strconv.Itoa(len(s)) + " bytes in all)"
}

// firstUnsafe is the index of the first byte that needs an escape, or -1.
// ASCII is decided by a table lookup; only non-ASCII text decodes runes.
func firstUnsafe(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if !plainASCII[c] {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || !showable(r) {
			return i
		}
		i += n
	}
	return -1
}

func appendEscaped(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if plainASCII[c] {
				b.WriteByte(c)
			} else {
				b.WriteString(asciiEscape(c))
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(c))
		case showable(r):
			b.WriteString(s[i : i+n])
		default:
			b.WriteString(runeEscape(r))
		}
		i += n
	}
}

// plainASCII marks the bytes shown as they are: printable ASCII but the
// backslash, which is the escape character itself.
var plainASCII = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '\\'
	}
	return t
}()

func asciiEscape(c byte) string {
	switch c {
	case '\\':
		return `\\`
	case '\t':
		return `\t`
	case '\r':
		return `\r`
	case '\n':
		return `\n`
	}
	return `\x` + hex2(c)
}

// showable is the rule for non-ASCII runes: Go's notion of printable
// (letters, marks, numbers, punctuation, symbols; no Cc, Cf, Co, Zl, Zp and
// no spaces but U+0020), which leaves out the C1 controls, the bidi
// controls, zero-width characters and the line and paragraph separators.
func showable(r rune) bool { return strconv.IsPrint(r) }

func runeEscape(r rune) string {
	if r > 0xffff {
		return `\U` + pad(strconv.FormatInt(int64(r), 16), 8)
	}
	return `\u` + pad(strconv.FormatInt(int64(r), 16), 4)
}

func hex2(c byte) string { return pad(strconv.FormatInt(int64(c), 16), 2) }

func pad(h string, n int) string {
	if len(h) >= n {
		return h
	}
	return strings.Repeat("0", n-len(h)) + h
}
