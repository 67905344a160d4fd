package message

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
)

const (
	foldWidth = 78  // RFC 5322 §2.1.1: lines SHOULD be no longer than this
	maxLine   = 998 // RFC 5322 §2.1.1: lines MUST be no longer than this
)

// Field is one header field. Value is the wire form with folding removed:
// RFC 2047 encoded words stay encoded so that what a lesson shows is what
// travels.
type Field struct {
	Name  string
	Value string
}

// Decoded returns the value with RFC 2047 encoded words decoded, or the
// wire form when a charset is unknown (the raw text is more useful than an
// error to someone reading a mailbox).
func (f Field) Decoded() string {
	var d mime.WordDecoder
	s, err := d.DecodeHeader(f.Value)
	if err != nil {
		return f.Value
	}
	return s
}

// Header is an ordered list of fields. It is a list and not a map because
// the order in which fields were set is the order they are written, and
// the order received is part of what a parsed message shows.
type Header []Field

// Get returns the first value of the named field (case-insensitive), or "".
func (h Header) Get(name string) string {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// Values returns every value of the named field, in order.
func (h Header) Values(name string) []string {
	var vs []string
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			vs = append(vs, f.Value)
		}
	}
	return vs
}

// Set replaces the first field with this name in place, so re-setting a
// field keeps its position, and drops any later duplicates. A new name is
// appended.
func (h *Header) Set(name, value string) {
	for i, f := range *h {
		if strings.EqualFold(f.Name, name) {
			(*h)[i] = Field{Name: name, Value: value}
			rest := (*h)[i+1:].del(name)
			*h = (*h)[:i+1+len(rest)]
			return
		}
	}
	*h = append(*h, Field{Name: name, Value: value})
}

// Add appends a field even if one with this name exists (Received,
// Comments and Keywords may repeat).
func (h *Header) Add(name, value string) {
	*h = append(*h, Field{Name: name, Value: value})
}

// Del removes every field with this name.
func (h *Header) Del(name string) {
	*h = h.del(name)
}

func (h Header) del(name string) Header {
	kept := h[:0]
	for _, f := range h {
		if !strings.EqualFold(f.Name, name) {
			kept = append(kept, f)
		}
	}
	return kept
}

// WriteTo writes the fields folded at 78 columns with CRLF line ends; it
// does not write the blank line that ends a header block.
func (h Header) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for _, f := range h {
		s, err := foldField(f.Name, f.Value)
		if err != nil {
			return n, err
		}
		k, err := io.WriteString(w, s)
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// String returns the folded wire form.
func (h Header) String() string {
	var b strings.Builder
	if _, err := h.WriteTo(&b); err != nil {
		return "<" + err.Error() + ">"
	}
	return b.String()
}

// foldField renders "Name: value" folded per RFC 5322 §2.2.3: a CRLF is
// inserted only before a single space that sits between two non-space
// characters. Folding there is lossless even for readers such as
// net/textproto that trim and collapse whitespace at each fold.
func foldField(name, value string) (string, error) {
	if err := checkFieldName(name); err != nil {
		return "", err
	}
	if strings.ContainsAny(value, "\r\n") {
		return "", fmt.Errorf("message: %s: value contains a line break", name)
	}
	var b strings.Builder
	col := 0
	for i, seg := range foldSegments(name + ": " + value) {
		// The first value segment moves to a new line only if that makes it
		// fit; a lone "Name:" line would otherwise gain nothing.
		if i > 0 && col+len(seg) > foldWidth && (i > 1 || len(seg) <= foldWidth) {
			b.WriteString("\r\n")
			col = 0
		}
		b.WriteString(seg)
		if col += len(seg); col > maxLine {
			return "", fmt.Errorf("message: %s: a word is too long to fold under %d octets", name, maxLine)
		}
	}
	b.WriteString("\r\n")
	return b.String(), nil
}

// foldSegments splits s so that every segment after the first starts with
// a space where a fold is allowed.
func foldSegments(s string) []string {
	var segs []string
	start := 0
	for i := 1; i+1 < len(s); i++ {
		if s[i] == ' ' && !isWSP(s[i-1]) && !isWSP(s[i+1]) {
			segs = append(segs, s[start:i])
			start = i
		}
	}
	return append(segs, s[start:])
}

func isWSP(c byte) bool { return c == ' ' || c == '\t' }

// checkFieldName enforces RFC 5322 §3.6.8 ftext: printable ASCII but colon.
func checkFieldName(name string) error {
	if name == "" {
		return errors.New("message: empty field name")
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 33 || c > 126 || c == ':' {
			return fmt.Errorf("message: field name %q: byte %#x is not allowed (RFC 5322 §3.6.8)", name, c)
		}
	}
	return nil
}
