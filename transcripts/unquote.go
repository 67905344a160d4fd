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

// unquoteChunks is unquote for the inside of a double-quoted string given
// in chunks, the pieces of a long line: ok is false where unquote would
// fail. The text is allocated once, at its exact size.
func unquoteChunks(chunks []string) (text string, ok bool) {
	n := 0
	if !eachChar(chunks, func(r rune, multibyte bool) { n += charLen(r, multibyte) }) {
		return "", false
	}
	var b strings.Builder
	b.Grow(n)
	eachChar(chunks, func(r rune, multibyte bool) {
		if charLen(r, multibyte) == 1 {
			b.WriteByte(byte(r))
		} else {
			b.WriteRune(r)
		}
	})
	return b.String(), true
}

// charLen is the length of a character strconv.UnquoteChar returned, as
// strconv.Unquote writes it: a byte, or a rune in UTF-8.
func charLen(r rune, multibyte bool) int {
	if r < utf8.RuneSelf || !multibyte {
		return 1
	}
	return utf8.RuneLen(r)
}

// maxCharLen is the longest character of a quoted string: `\U0010FFFF`.
const maxCharLen = 10

// eachChar hands f the characters of a quoted string's inside, given in
// chunks, as strconv.UnquoteChar reads them, and reports whether all
// were valid. A character is read only where at least maxCharLen bytes
// follow, or at the very end, so that none is cut short; one that spans
// two chunks is read from a few bytes of each.
func eachChar(chunks []string, f func(rune, bool)) bool {
	carry := ""
	for i, c := range chunks {
		last := i == len(chunks)-1
		if carry != "" && len(c) < maxCharLen && !last {
			carry += c
			continue
		}
		s := c
		if carry != "" {
			joint := carry + c[:min(len(c), maxCharLen)]
			at, ok := eachCharIn(joint, len(carry), f)
			if !ok {
				return false
			}
			s = c[at-len(carry):]
		}
		until := len(s) - maxCharLen + 1
		if last {
			until = len(s)
		}
		rest, ok := eachCharIn(s, until, f)
		if !ok {
			return false
		}
		carry = s[rest:]
	}
	return carry == ""
}

// eachCharIn hands f the characters of s that start before until, and
// returns where the next one starts.
func eachCharIn(s string, until int, f func(rune, bool)) (int, bool) {
	at := 0
	for at < until && at < len(s) {
		r, multibyte, tail, err := strconv.UnquoteChar(s[at:], '"')
		if err != nil || s[at] == '\n' {
			return at, false
		}
		f(r, multibyte)
		at = len(s) - len(tail)
	}
	return at, true
}
