package transcripts

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// unquote is strconv.Unquote for the double-quoted Go string of a C= or S=
// line, with its result allocated once at its exact size: strconv.Unquote
// reserves one and a half times the quoted length, 96 MB for the 16 MiB of
// text that a 64 MB line of "\x00" escapes holds.
func unquote(q string) (string, error) {
	if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' {
		return "", strconv.ErrSyntax
	}
	body := q[1 : len(q)-1]
	if strings.IndexByte(body, '\\') < 0 {
		return strconv.Unquote(q) // no escapes: no copy either
	}
	n, err := unquotedLen(body)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(n)
	for s := body; len(s) > 0; {
		r, multibyte, tail, _ := strconv.UnquoteChar(s, '"') // checked by unquotedLen
		s = tail
		if r < utf8.RuneSelf || !multibyte {
			b.WriteByte(byte(r))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String(), nil
}

// unquotedLen checks the inside of a double-quoted string as
// strconv.Unquote does and returns the length of its text.
func unquotedLen(body string) (int, error) {
	n := 0
	for s := body; len(s) > 0; {
		r, multibyte, tail, err := strconv.UnquoteChar(s, '"')
		if s[0] == '\n' || err != nil {
			return 0, strconv.ErrSyntax
		}
		s = tail
		if r < utf8.RuneSelf || !multibyte {
			n++
		} else {
			n += utf8.RuneLen(r)
		}
	}
	return n, nil
}
