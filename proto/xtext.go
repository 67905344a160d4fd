package proto

import (
	"fmt"
	"strings"
)

// XtextEncode writes s as xtext (RFC 3461 §4, first defined in RFC 1891):
// the printable ASCII characters "!" to "~" stand for themselves, except
// "+" and "=", and every other byte is "+" and two upper-case hex digits.
// XCLIENT values and DSN's ENVID and ORCPT are xtext.
func XtextEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if xtextPlain(c) {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "+%02X", c)
	}
	return b.String()
}

func xtextPlain(c byte) bool { return c >= '!' && c <= '~' && c != '+' && c != '=' }

// XtextDecode reads xtext back into bytes. It refuses what RFC 3461 does
// not allow: a "+" without two upper-case hex digits, or a byte outside
// "!" to "~" (and a bare "="), naming where the mistake is.
func XtextDecode(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			if i+2 >= len(s) || !upperHex(s[i+1]) || !upperHex(s[i+2]) {
				return "", fmt.Errorf("proto: xtext: %q at offset %d is not \"+\" and two upper-case hex digits", clipAt(s, i), i)
			}
			b.WriteByte(hexVal(s[i+1])<<4 | hexVal(s[i+2]))
			i += 2
		case xtextPlain(c):
			b.WriteByte(c)
		default:
			return "", fmt.Errorf("proto: xtext: byte %q at offset %d must be written as +%02X", c, i, c)
		}
	}
	return b.String(), nil
}

func upperHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'A' && c <= 'F' }

func hexVal(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c - 'A' + 10
}

// clipAt is up to three bytes of s from i, for an error's quote.
func clipAt(s string, i int) string { return s[i:min(i+3, len(s))] }
