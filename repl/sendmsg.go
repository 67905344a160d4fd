package repl

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"os"
	"strings"
	"time"

	"github.com/smtprepl/smtprepl/proto/message"
)

// Draft is the message `smtprepl send` builds from its flags, with the
// builder :compose uses, so Date, Message-ID and MIME-Version are there.
type Draft struct {
	From    string   // the From field's address; "" for the null sender's stand-in
	To      []string // the To field
	Subject string
	Body    string
	Headers [][2]string // --header fields, name and value, set after the rest: they win
	Attach  []string    // files, type guessed from the name
	// Host names the null sender's stand-in, MAILER-DAEMON@Host, as
	// bounces are signed.
	Host string
	// Now and Boundary fix the clock and the MIME boundaries (tests); nil
	// for the real clock and random boundaries.
	Now      func() time.Time
	Boundary func() string
}

// Build makes the message; a bad header or an attachment that cannot be
// read is an error here, before any command is sent.
func (d Draft) Build() (*message.Message, error) {
	m := message.New(message.Options{Now: d.Now, Boundary: d.Boundary})
	from := d.From
	if from == "" {
		from = "MAILER-DAEMON@" + d.Host
	}
	fields := [][2]string{{"From", from}, {"To", strings.Join(d.To, ", ")}, {"Subject", d.Subject}}
	for _, f := range append(fields, d.Headers...) {
		if _, err := m.Set(f[0], f[1]); err != nil {
			return nil, fmt.Errorf("%s: %w", f[0], err)
		}
	}
	body := m.Plain(d.Body)
	if len(d.Attach) > 0 {
		parts := []*message.Part{body}
		for _, name := range d.Attach {
			// Read when the message is written; opened now so that a
			// missing file fails before any command is sent.
			f, err := os.Open(name)
			if err != nil {
				return nil, fmt.Errorf("--attach: %w", err)
			}
			f.Close()
			p := m.Attachment(name, "", message.File(name))
			if err := p.Err(); err != nil {
				return nil, err
			}
			parts = append(parts, p)
		}
		body = m.Mixed(parts...)
	}
	if err := body.Err(); err != nil {
		return nil, err
	}
	m.SetBody(body)
	m.Complete()
	return m, nil
}

// MessageReader writes the message as it is read: attachments stream
// from their files, never held whole, and a file that fails mid-way
// fails the read. Close it when done, read to the end or not. A message
// of text alone is already in memory and is written out at once: a
// writer goroutine would cost a one-message send a thread.
func MessageReader(m *message.Message) io.ReadCloser {
	if !m.Body().Streams() {
		var buf bytes.Buffer
		if _, err := m.WriteTo(&buf); err != nil {
			return io.NopCloser(failedReader{err})
		}
		return io.NopCloser(&buf)
	}
	pr, pw := io.Pipe()
	go func() {
		_, err := m.WriteTo(pw)
		pw.CloseWithError(err)
	}()
	return pr
}

// failedReader fails every read with the error writing the message met.
type failedReader struct{ err error }

func (r failedReader) Read([]byte) (int, error) { return 0, r.err }

// Summary describes a message's MIME tree in one line, for the comment
// that stands for a body --show does not print:
// multipart/mixed [text/plain, application/pdf "report.pdf"].
func Summary(m *message.Message) string {
	if m.Body() == nil {
		return "no body"
	}
	return partSummary(m.Body())
}

func partSummary(p *message.Part) string {
	if kids := p.Parts(); len(kids) > 0 {
		names := make([]string, len(kids))
		for i, k := range kids {
			names[i] = partSummary(k)
		}
		return p.MediaType() + " [" + strings.Join(names, ", ") + "]"
	}
	if _, params, err := mime.ParseMediaType(p.Header().Get("Content-Disposition")); err == nil && params["filename"] != "" {
		return fmt.Sprintf("%s %q", p.MediaType(), params["filename"])
	}
	return p.MediaType()
}
