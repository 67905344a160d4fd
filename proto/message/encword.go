package message

import (
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"
)

const (
	maxWordLen   = 75                            // RFC 2047 §2: an encoded word is at most 75 characters
	wordOverhead = len("=?UTF-8?Q?") + len("?=") // the same for B
	maxBareRun   = 900                           // a longer unbroken run could not be folded under 998
)

// encodeReason says why a header value cannot be written as is, or "" if it
// can. Each case is a way the value would be lost or misread on the wire.
func encodeReason(s string) string {
	switch {
	case hasNonASCII(s):
		return "it contains non-ASCII characters, which RFC 5322 header fields cannot carry"
	case strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return "it contains control characters or tabs, which readers may strip or mangle"
	case strings.Contains(s, "=?"):
		return `it contains "=?", which a reader would take for the start of an encoded word`
	case s != "" && (isWSP(s[0]) || isWSP(s[len(s)-1])):
		return "its leading or trailing spaces would be dropped by readers"
	case longestRun(s) > maxBareRun:
		return "it has a word too long to fold into a line of at most 998 octets"
	}
	return ""
}

func hasNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

func longestRun(s string) int {
	best := 0
	for f := range strings.FieldsSeq(s) {
		best = max(best, len(f))
	}
	return best
}

// qChar reports whether a byte may stand for itself inside a Q-encoded
// word. The set is RFC 2047 §5(3)'s, the strictest, so the same words are
// valid in Subject and in address display names.
func qChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!*+-/", c) >= 0
}

func qLen(s string) int { return len(s) + 2*qEscapes(s) }

// qEscapes counts the bytes Q must write as =XX.
func qEscapes(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if !qChar(s[i]) && s[i] != ' ' {
			n++
		}
	}
	return n
}

// chooseQ picks Q while at most half the bytes need "=XX" escapes, the same
// rule as for bodies: Q keeps a mostly-ASCII value readable on the wire,
// B is shorter and no less readable once most bytes are escaped anyway.
func chooseQ(s string) (bool, string) {
	esc, q, b := qEscapes(s), qLen(s), base64.StdEncoding.EncodedLen(len(s))
	if 2*esc <= len(s) {
		return true, fmt.Sprintf("Q (%d characters), because only %d of %d bytes need =XX escapes and Q keeps the rest readable (B would take %d)", q, esc, len(s), b)
	}
	return false, fmt.Sprintf("B (base64, %d characters), because %d of %d bytes would need =XX escapes in Q (%d characters)", b, esc, len(s), q)
}

// encodeWords encodes s as RFC 2047 UTF-8 encoded words of at most 75
// characters each, never splitting a character across words (RFC 2047 §5).
// first is the room left on the line for the first word; it lets a Subject
// start on the same line as its name.
func encodeWords(s string, q bool, first int) []string {
	var words []string
	room := min(first, maxWordLen) - wordOverhead
	start := 0
	for i, r := range s {
		end := i + utf8.RuneLen(r)
		if i > start && encodedLen(s[start:end], q) > room {
			words = append(words, encodeWord(s[start:i], q))
			start, room = i, maxWordLen-wordOverhead
		}
	}
	return append(words, encodeWord(s[start:], q))
}

func encodedLen(s string, q bool) int {
	if q {
		return qLen(s)
	}
	return base64.StdEncoding.EncodedLen(len(s))
}

func encodeWord(s string, q bool) string {
	if !q {
		return "=?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte(s)) + "?="
	}
	var b strings.Builder
	b.WriteString("=?UTF-8?Q?")
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ':
			b.WriteByte('_') // RFC 2047 §4.2(2): "_" is a space, always
		case qChar(c):
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "=%02X", c)
		}
	}
	b.WriteString("?=")
	return b.String()
}

// encodeText turns an unstructured value (RFC 5322 §3.2.5) into its wire
// form and explains the choice. name is the field it goes in, so the first
// encoded word can share the field's first line.
func encodeText(name, s string) (string, string) {
	why := encodeReason(s)
	if why == "" {
		return s, "The value is plain ASCII, so it is written as is."
	}
	q, which := chooseQ(s)
	first := foldWidth - len(name) - len(": ")
	if first < wordOverhead+12 {
		first = maxWordLen
	}
	words := encodeWords(s, q, first)
	return strings.Join(words, " "), fmt.Sprintf(
		"The value is written as RFC 2047 encoded words because %s. Encoding %s. "+
			"Readers drop the spaces between adjacent encoded words, so the folds do not change it.", why, which)
}
