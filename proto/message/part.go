package message

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime/quotedprintable"
	"os"
	"slices"
	"strings"
)

// Opener opens a file's bytes when the message is written. It is a
// function rather than a reader so that a message can be written more
// than once and a large file is only ever streamed, never held.
type Opener func() (io.ReadCloser, error)

// Bytes returns an Opener over b.
func Bytes(b []byte) Opener {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

// Reader returns an Opener over a reader that can be read only once, such
// as a pipe: the message can then be written once.
func Reader(r io.Reader) Opener {
	used := false
	return func() (io.ReadCloser, error) {
		if used {
			return nil, errors.New("message: reader already consumed; use an Opener that reopens to write again")
		}
		used = true
		return io.NopCloser(r), nil
	}
}

// File returns an Opener that opens the named file on disk.
func File(path string) Opener {
	return func() (io.ReadCloser, error) { return os.Open(path) }
}

// Part is one node of a MIME tree under construction: a text body, a
// streamed file, or a multipart container. It is made by the [Message]
// methods Text, Plain, HTML, Attachment, Inline, Alternative, Mixed and
// Related, and is immutable once made.
type Part struct {
	mediaType string // e.g. "text/plain", without parameters
	header    Header // the Content-* fields
	enc       Encoding
	text      string // canonical text body of a text leaf
	name      string // file name of a file leaf
	open      Opener // body of a file leaf
	children  []*Part
	boundary  string
	step      Step
	err       error
}

// Describe returns the step that made this part: what it added and why.
func (p *Part) Describe() Step { return p.step }

// MediaType returns the part's type and subtype, e.g. "multipart/mixed".
func (p *Part) MediaType() string { return p.mediaType }

// Header returns a copy of the part's Content-* fields.
func (p *Part) Header() Header { return slices.Clone(p.header) }

// Parts returns the children of a multipart, or nil.
func (p *Part) Parts() []*Part { return slices.Clone(p.children) }

// Streams reports whether writing the part reads files through Openers,
// rather than only text already in memory.
func (p *Part) Streams() bool {
	if p == nil {
		return false
	}
	if p.open != nil {
		return true
	}
	return slices.ContainsFunc(p.children, (*Part).Streams)
}

// Err reports the first problem found when the part or any part inside it
// was made; writing fails with it. Inner problems come first because they
// are usually the cause.
func (p *Part) Err() error {
	for _, c := range p.children {
		if err := c.Err(); err != nil {
			return err
		}
	}
	return p.err
}

// WriteTo writes the part as an entity: its fields, a blank line and its
// encoded body, with CRLF line ends.
func (p *Part) WriteTo(w io.Writer) (int64, error) {
	if err := p.Err(); err != nil {
		return 0, err
	}
	bw := bufio.NewWriter(w)
	s := &sink{w: bw}
	p.write(s)
	s.fail(bw.Flush())
	return s.n, s.err
}

func (p *Part) isMultipart() bool { return strings.HasPrefix(p.mediaType, "multipart/") }

func (p *Part) write(s *sink) {
	p.writeHeader(s)
	s.str("\r\n")
	p.writeBody(s)
}

func (p *Part) writeHeader(s *sink) {
	if s.err == nil {
		_, err := p.header.WriteTo(s)
		s.fail(err)
	}
}

func (p *Part) writeBody(s *sink) {
	switch {
	case p.isMultipart():
		p.writeChildren(s)
	case p.open != nil:
		p.writeFile(s)
	default:
		p.writeText(s)
	}
}

// writeChildren writes RFC 2046 §5.1.1 framing. The CRLF before each
// delimiter belongs to the delimiter, not to the part before it, so a
// part's body ends exactly where its bytes end.
func (p *Part) writeChildren(s *sink) {
	for i, c := range p.children {
		if i > 0 {
			s.str("\r\n")
		}
		s.str("--" + p.boundary + "\r\n")
		c.write(s)
	}
	s.str("\r\n--" + p.boundary + "--\r\n")
}

func (p *Part) writeText(s *sink) {
	switch p.enc {
	case QuotedPrintable:
		qw := quotedprintable.NewWriter(s)
		_, _ = io.WriteString(qw, p.text) // errors stick in s
		s.fail(qw.Close())
	case Base64:
		encodeBase64(s, strings.NewReader(p.text))
	default:
		s.str(p.text)
	}
}

func (p *Part) writeFile(s *sink) {
	if s.err != nil {
		return
	}
	rc, err := p.open()
	if err != nil {
		s.fail(fmt.Errorf("message: opening %q: %w", p.name, err))
		return
	}
	defer func() { s.fail(rc.Close()) }()
	encodeBase64(s, rc)
}

// encodeBase64 streams r through a base64 encoder into 76-column lines, so
// memory use does not depend on the size of r.
func encodeBase64(s *sink, r io.Reader) {
	enc := base64.NewEncoder(base64.StdEncoding, &lineWriter{w: s, width: base64Width})
	if _, err := io.Copy(enc, r); err != nil {
		s.fail(fmt.Errorf("message: encoding body: %w", err))
	}
	s.fail(enc.Close())
}

// previewMax bounds how much of a text body a step shows.
const previewMax = 2048

// preview is the step's Wire: the header block, and the start of the
// encoded body of a text part (files are only read when the message is
// written). Writing stops at previewMax, so a large text costs little.
func (p *Part) preview() string {
	var b strings.Builder
	s := &sink{w: &capWriter{b: &b, left: previewMax}}
	p.writeHeader(s)
	if p.open == nil && !p.isMultipart() {
		s.str("\r\n")
		p.writeText(s)
	}
	out := b.String()
	if s.err == errPreviewFull {
		out = strings.ToValidUTF8(out, "") + "…"
	}
	if !strings.HasSuffix(out, "\r\n") {
		out += "\r\n"
	}
	return out
}

// capWriter accepts up to left bytes, then fails with errPreviewFull.
type capWriter struct {
	b    *strings.Builder
	left int
}

// errPreviewFull is a marker, never returned to callers.
const errPreviewFull = previewError("message: preview is full")

type previewError string

func (e previewError) Error() string { return string(e) }

func (c *capWriter) Write(p []byte) (int, error) {
	n := min(len(p), c.left)
	c.b.Write(p[:n])
	if c.left -= n; n < len(p) {
		return n, errPreviewFull
	}
	return n, nil
}

// mentions reports whether boundary b could occur in this part's encoded
// form or clash with a boundary inside it. base64 output has no "-", so
// only text that is written (nearly) as is can contain a delimiter line.
func (p *Part) mentions(b string) bool {
	switch {
	case p.isMultipart():
		return strings.HasPrefix(p.boundary, b) || strings.HasPrefix(b, p.boundary) ||
			slices.ContainsFunc(p.children, func(c *Part) bool { return c.mentions(b) })
	case p.open != nil || p.enc == Base64:
		return false
	}
	return strings.Contains(p.text, b)
}
