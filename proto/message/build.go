package message

import (
	"cmp"
	"errors"
	"fmt"
	"mime"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// Text makes a text/<subtype> part. Line breaks become CRLF, the charset is
// us-ascii or utf-8 and the transfer encoding is chosen by [ChooseEncoding];
// the step says why.
func (m *Message) Text(subtype, body string) *Part {
	body = canonicalText(body)
	p := &Part{mediaType: "text/" + strings.ToLower(subtype), text: body}
	charset, why := "us-ascii", "The text is all ASCII, so its charset is us-ascii."
	if hasNonASCII(body) {
		charset, why = "utf-8", "The text has non-ASCII characters, so its charset is utf-8."
	}
	enc, encWhy := ChooseEncoding(body, m.opts.EightBitMIME)
	p.enc = enc
	ct := mime.FormatMediaType(p.mediaType, map[string]string{"charset": charset})
	switch {
	case ct == "":
		p.err = fmt.Errorf("message: text subtype %q is not a token (RFC 2045 §5.1)", subtype)
	case !utf8.ValidString(body):
		p.err = errors.New("message: text body is not valid UTF-8; attach it as a file instead")
	}
	p.header = Header{{"Content-Type", ct}, {"Content-Transfer-Encoding", string(enc)}}
	p.step = m.record(Step{
		Title:       "Add a " + p.mediaType + " body",
		Explanation: why + " " + encWhy,
		RFC:         "RFC 2045 §6, RFC 2046 §4.1",
		Wire:        p.preview(),
	})
	return p
}

// Plain makes a text/plain part.
func (m *Message) Plain(body string) *Part { return m.Text("plain", body) }

// HTML makes a text/html part.
func (m *Message) HTML(body string) *Part { return m.Text("html", body) }

// Attachment makes a file part the reader offers to save. contentType ""
// guesses from the name's extension; the bytes come from open when the
// message is written.
func (m *Message) Attachment(name, contentType string, open Opener) *Part {
	p, why := fileLeaf(name, contentType, "attachment", open)
	p.step = m.record(Step{
		Title: fmt.Sprintf("Attach %q", p.name),
		Explanation: why + " Content-Disposition: attachment (RFC 2183) tells the reader to offer it as a file " +
			"rather than show it in the text. " + base64Why,
		RFC:  "RFC 2183, RFC 2231, RFC 2045 §6.8",
		Wire: p.preview(),
	})
	return p
}

// Inline makes a file part shown in place, typically an image that a
// text/html part references as cid:contentID inside multipart/related.
func (m *Message) Inline(name, contentID, contentType string, open Opener) *Part {
	p, why := fileLeaf(name, contentType, "inline", open)
	id, note, err := inlineID(contentID)
	p.err = cmp.Or(p.err, err)
	p.header.Add("Content-ID", id)
	p.step = m.record(Step{
		Title: fmt.Sprintf("Add inline %q", p.name),
		Explanation: why + " Content-Disposition: inline asks the reader to show it in place, and " +
			fmt.Sprintf("Content-ID %s is what a cid:%s URL in the HTML points at (RFC 2392).%s ", id, strings.Trim(id, "<>"), note) + base64Why,
		RFC:  "RFC 2392, RFC 2183, RFC 2045 §6.8",
		Wire: p.preview(),
	})
	return p
}

const base64Why = "The body is base64 (RFC 2045 §6.8) in 76-column lines, which carries any bytes; " +
	"it is read and encoded while the message is written, never held in memory."

// fileLeaf builds the fields shared by attachments and inline files.
func fileLeaf(name, contentType, disposition string, open Opener) (*Part, string) {
	p := &Part{enc: Base64, open: open, name: filepath.Base(name)}
	ct, mt, why, err := fileType(p.name, contentType)
	p.mediaType = mt
	switch {
	case name == "" || !utf8.ValidString(name):
		err = fmt.Errorf("message: file name %q must be non-empty UTF-8", name)
	case open == nil:
		err = fmt.Errorf("message: %q has no Opener", name)
	}
	p.err = err
	cd := mime.FormatMediaType(disposition, map[string]string{"filename": p.name})
	p.header = Header{{"Content-Type", ct}, {"Content-Transfer-Encoding", string(Base64)}, {"Content-Disposition", cd}}
	if hasNonASCII(p.name) {
		why += " The file name is not ASCII, so it is written as filename*=utf-8''… with %XX escapes (RFC 2231 §4)."
	}
	return p, why + " The name also goes in Content-Type's name= because older readers look there."
}

// fileType returns the Content-Type value with a name= parameter, the bare
// media type, and how the type was chosen.
func fileType(name, given string) (string, string, string, error) {
	why := fmt.Sprintf("The caller gave its type, %s.", given)
	if given == "" {
		ext := filepath.Ext(name)
		given = mime.TypeByExtension(ext)
		why = fmt.Sprintf("Its type, %s, was guessed from the extension %q.", given, ext)
	}
	if given == "" {
		given = "application/octet-stream"
		why = "Its extension says nothing, so it is application/octet-stream: opaque bytes (RFC 2046 §4.5.1)."
	}
	mt, params, err := mime.ParseMediaType(given)
	if err != nil {
		return "", "application/octet-stream", why, fmt.Errorf("message: content type %q: %w", given, err)
	}
	if params == nil {
		params = map[string]string{}
	}
	params["name"] = name
	return mime.FormatMediaType(mt, params), mt, why, nil
}

// Alternative makes a multipart/alternative: the same content in several
// forms, plainest first, because readers show the last form they can.
func (m *Message) Alternative(parts ...*Part) *Part {
	p := m.multipart("alternative", parts, nil)
	why := "multipart/alternative holds the same content in several forms, from plainest to richest; " +
		"a reader shows the last one it can display (RFC 2046 §5.1.4), so text/plain goes first and text/html last."
	p.step = m.record(Step{Title: "Wrap in multipart/alternative", Explanation: why + orderWarning(parts) + p.boundaryNote(),
		RFC: "RFC 2046 §5.1.4", Wire: p.preview()})
	return p
}

// Mixed makes a multipart/mixed: independent parts in order, the text
// first and attachments after.
func (m *Message) Mixed(parts ...*Part) *Part {
	p := m.multipart("mixed", parts, nil)
	why := "multipart/mixed holds independent parts shown in order (RFC 2046 §5.1.3): the text first, then the attachments."
	p.step = m.record(Step{Title: "Wrap in multipart/mixed", Explanation: why + p.boundaryNote(),
		RFC: "RFC 2046 §5.1.3", Wire: p.preview()})
	return p
}

// Related makes a multipart/related: a root part (first, usually HTML or
// an alternative holding it) and the resources it references by cid:.
func (m *Message) Related(parts ...*Part) *Part {
	params := map[string]string{}
	if len(parts) > 0 && parts[0] != nil {
		params["type"] = parts[0].mediaType // RFC 2387 §3.1 requires the root's type
	}
	p := m.multipart("related", parts, params)
	why := "multipart/related bundles a root part with the resources it references by cid: URLs (RFC 2387); " +
		"the root comes first and type= names its media type so a reader knows what to render."
	p.step = m.record(Step{Title: "Wrap in multipart/related", Explanation: why + p.boundaryNote() + linkCheck(parts),
		RFC: "RFC 2387", Wire: p.preview()})
	return p
}

func (m *Message) multipart(subtype string, parts []*Part, params map[string]string) *Part {
	p := &Part{mediaType: "multipart/" + subtype, children: slices.Clone(parts)}
	switch {
	case len(parts) == 0:
		p.err = errors.New("message: a multipart needs at least one part (RFC 2046 §5.1.1)")
	case slices.Contains(parts, nil):
		return &Part{mediaType: p.mediaType, err: errors.New("message: nil part in a multipart")}
	}
	b, err := m.pickBoundary(p.children)
	p.boundary, p.err = b, cmp.Or(p.err, err)
	if params == nil {
		params = map[string]string{}
	}
	params["boundary"] = b
	p.header = Header{{"Content-Type", mime.FormatMediaType(p.mediaType, params)}}
	return p
}

// pickBoundary asks the generator until it returns a boundary that cannot
// be confused with anything inside the parts (RFC 2046 §5.1.1).
func (m *Message) pickBoundary(parts []*Part) (string, error) {
	for range 16 {
		b := m.boundary()
		if err := checkBoundary(b); err != nil {
			return b, err
		}
		if !slices.ContainsFunc(parts, func(c *Part) bool { return c.mentions(b) }) {
			return b, nil
		}
	}
	return "", errors.New("message: the boundary generator kept returning boundaries that occur in the content")
}

func (p *Part) boundaryNote() string {
	return fmt.Sprintf(" Each part starts after a line --%s, and --%s-- closes the list; the boundary occurs nowhere inside.", p.boundary, p.boundary)
}

// orderWarning points out an HTML part placed before a plain one, which
// makes readers prefer the plain text.
func orderWarning(parts []*Part) string {
	html := slices.IndexFunc(parts, func(p *Part) bool { return p != nil && p.mediaType == "text/html" })
	plain := slices.IndexFunc(parts, func(p *Part) bool { return p != nil && p.mediaType == "text/plain" })
	if html >= 0 && plain > html {
		return " Warning: text/html comes before text/plain here, so readers will show the plain text."
	}
	return ""
}
