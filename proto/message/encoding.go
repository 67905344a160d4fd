package message

import (
	"encoding/base64"
	"fmt"
	"io"
	"strings"
)

// Encoding is a Content-Transfer-Encoding (RFC 2045 §6).
type Encoding string

// The encodings the builder writes. A parsed [Entity] may carry others
// ("binary", or whatever a client sent), lower-cased.
const (
	SevenBit        Encoding = "7bit"
	EightBit        Encoding = "8bit"
	QuotedPrintable Encoding = "quoted-printable"
	Base64          Encoding = "base64"
)

// base64Width is RFC 2045 §6.8's limit on encoded line length.
const base64Width = 76

// textStats is what the encoding choice depends on, gathered in one pass.
type textStats struct {
	size     int
	nonASCII int // bytes >= 0x80
	controls int // C0 controls other than CR, LF and TAB, plus DEL
	longest  int // longest line, in octets, without its CRLF
	escaped  int // bytes quoted-printable would write as =XX
}

func measure(body string) textStats {
	st := textStats{size: len(body)}
	line := 0
	for i := 0; i < len(body); i++ {
		c := body[i]
		crlf := c == '\r' && i+1 < len(body) && body[i+1] == '\n'
		switch {
		case crlf:
			st.longest, line = max(st.longest, line), 0
			i++
			continue
		case c >= 0x80:
			st.nonASCII++
			st.escaped++
		case c < ' ' && c != '\t' || c == 0x7f: // a bare CR or LF counts too
			st.controls++
			st.escaped++
		case c == '=':
			st.escaped++
		}
		line++
	}
	st.longest = max(st.longest, line)
	return st
}

// ChooseEncoding picks the Content-Transfer-Encoding for a text body in
// canonical form (CRLF line ends) and explains the choice in words.
// eightBitMIME reports that the server advertised 8BITMIME (RFC 6152).
func ChooseEncoding(body string, eightBitMIME bool) (Encoding, string) {
	st := measure(body)
	clean := st.controls == 0 && st.longest <= maxLine
	switch {
	case clean && st.nonASCII == 0:
		return SevenBit, fmt.Sprintf("Every byte is ASCII and the longest line is %d octets (at most 998, RFC 5322 §2.1.1), so the body goes as is: 7bit.", st.longest)
	case clean && eightBitMIME:
		return EightBit, fmt.Sprintf("The body has %d non-ASCII bytes but short lines, and the server offers 8BITMIME (RFC 6152), so it goes unencoded as 8bit.", st.nonASCII)
	}
	qp := st.size + 2*st.escaped
	qp += 3 * (qp / base64Width) // soft line breaks
	b64 := base64.StdEncoding.EncodedLen(st.size)
	b64 += 2 * (b64 / base64Width)
	why := st.reason(eightBitMIME)
	// Readability decides, not size alone: while most bytes stand for
	// themselves, a person can still read quoted-printable on the wire.
	if 2*st.escaped <= st.size {
		return QuotedPrintable, fmt.Sprintf("%s Only %d of %d bytes need =XX escapes, so quoted-printable keeps the text mostly readable (about %d bytes against %d for base64).", why, st.escaped, st.size, qp, b64)
	}
	return Base64, fmt.Sprintf("%s %d of %d bytes would need =XX escapes, more than half, so base64 is used: about %d bytes (4 per 3) against %d for quoted-printable.", why, st.escaped, st.size, b64, qp)
}

// reason says why the body could not go as 7bit or 8bit.
func (st textStats) reason(eightBitMIME bool) string {
	switch {
	case st.controls > 0:
		return fmt.Sprintf("The body has %d control bytes, which 7bit and 8bit do not allow (RFC 2045 §2.7).", st.controls)
	case st.longest > maxLine:
		return fmt.Sprintf("A line is %d octets long, over the 998 allowed unencoded (RFC 5322 §2.1.1).", st.longest)
	case !eightBitMIME:
		return fmt.Sprintf("The body has %d non-ASCII bytes and the server did not offer 8BITMIME, so it must be encoded to 7-bit.", st.nonASCII)
	}
	return ""
}

// canonicalText turns every line break (LF, CR or CRLF) into CRLF: the
// canonical form of text (RFC 2045 §2.10 and RFC 2046 §4.1.1) that 7bit,
// 8bit and quoted-printable all assume.
func canonicalText(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/32)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			b.WriteString("\r\n")
		case '\n':
			b.WriteString("\r\n")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// sink counts what it writes and remembers the first error, so a writer
// made of many small writes checks for failure once at the end.
type sink struct {
	w   io.Writer
	n   int64
	err error
}

func (s *sink) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(p)
	s.n += int64(n)
	s.err = err
	return n, err
}

// WriteString passes strings through to a bufio.Writer without the
// []byte conversion io.WriteString would make for every CRLF.
func (s *sink) WriteString(v string) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := io.WriteString(s.w, v)
	s.n += int64(n)
	s.err = err
	return n, err
}

func (s *sink) str(v string) { _, _ = s.WriteString(v) } // errors stick in s

func (s *sink) fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

// lineWriter inserts CRLF every width bytes. A break is written lazily,
// before the next byte, so output never ends in one: the CRLF before a
// multipart delimiter belongs to the delimiter (RFC 2046 §5.1.1).
type lineWriter struct {
	w     io.Writer
	col   int
	width int
}

func (l *lineWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		if l.col == l.width {
			if _, err := io.WriteString(l.w, "\r\n"); err != nil {
				return n, err
			}
			l.col = 0
		}
		k := min(len(p), l.width-l.col)
		m, err := l.w.Write(p[:k])
		n, l.col = n+m, l.col+m
		if err != nil {
			return n, err
		}
		p = p[k:]
	}
	return n, nil
}
