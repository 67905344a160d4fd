package message

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"net/textproto"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Options fix what would otherwise vary between runs or servers.
type Options struct {
	// EightBitMIME reports that the server advertised 8BITMIME (RFC 6152),
	// which lets non-ASCII text go unencoded as 8bit.
	EightBitMIME bool
	// Boundary returns multipart boundaries; nil means random ones. Use
	// [CounterBoundary] for byte-exact output.
	Boundary func() string
	// Now is the clock for a Date the caller did not set; nil means time.Now.
	Now func() time.Time
}

// Message is an RFC 5322 message under construction: header fields in the
// order they were set, envelope-only Bcc recipients, and a body [Part].
// Every call records a [Step]. A Message is not safe for concurrent use.
type Message struct {
	opts   Options
	header Header
	addrs  map[string][]*mail.Address // by canonical field name, Bcc included
	body   *Part
	steps  []Step
}

// New starts an empty message.
func New(opts Options) *Message {
	return &Message{opts: opts, addrs: map[string][]*mail.Address{}}
}

// SetEightBitMIME says whether the server offers 8BITMIME, for the text
// parts made from now on: a session learns it at EHLO, which may come
// after the message was started.
func (m *Message) SetEightBitMIME(ok bool) { m.opts.EightBitMIME = ok }

// Steps returns every step recorded so far, in order.
func (m *Message) Steps() []Step { return slices.Clone(m.steps) }

// Header returns a copy of the message's own fields (without the body's
// Content-* fields).
func (m *Message) Header() Header { return slices.Clone(m.header) }

// Body returns the body set by SetBody, or nil.
func (m *Message) Body() *Part { return m.body }

// Recipients returns the envelope recipients for RCPT TO: To, Cc and Bcc
// addresses, each once, in that order.
func (m *Message) Recipients() []string {
	var out []string
	for _, field := range []string{"To", "Cc", "Bcc"} {
		for _, a := range addressList(m.addrs[field]) {
			if !slices.ContainsFunc(out, func(s string) bool { return strings.EqualFold(s, a) }) {
				out = append(out, a)
			}
		}
	}
	return out
}

func (m *Message) record(s Step) Step {
	m.steps = append(m.steps, s)
	return s
}

func (m *Message) boundary() string {
	if m.opts.Boundary != nil {
		return m.opts.Boundary()
	}
	return randomBoundary()
}

// From sets the author list (RFC 5322 §3.6.2), e.g. `Ann <ann@example.org>`.
func (m *Message) From(list string) (Step, error) { return m.Set("From", list) }

// Sender sets the single mailbox that sent the message for its authors.
func (m *Message) Sender(addr string) (Step, error) { return m.Set("Sender", addr) }

// To sets the primary recipients.
func (m *Message) To(list string) (Step, error) { return m.Set("To", list) }

// Cc sets the carbon-copy recipients.
func (m *Message) Cc(list string) (Step, error) { return m.Set("Cc", list) }

// Bcc sets blind-copy recipients: envelope only, never written.
func (m *Message) Bcc(list string) (Step, error) { return m.Set("Bcc", list) }

// ReplyTo sets where replies should go.
func (m *Message) ReplyTo(list string) (Step, error) { return m.Set("Reply-To", list) }

// Subject sets the subject, RFC 2047-encoded when it must be.
func (m *Message) Subject(s string) (Step, error) { return m.Set("Subject", s) }

// MessageID sets the Message-ID; angle brackets are optional.
func (m *Message) MessageID(id string) (Step, error) { return m.Set("Message-ID", id) }

// Date sets the origination date.
func (m *Message) Date(t time.Time) Step { return m.date("Set Date", t) }

func (m *Message) date(title string, t time.Time) Step {
	s, _ := m.put(title, "Date", t.Format(time.RFC1123Z), // cannot fail: short ASCII
		"Date is when the message was finished, in RFC 5322 §3.3 form; RFC 5322 §3.6 requires it.", "RFC 5322 §3.6.1")
	return s
}

// Set sets any field by name, as the :compose command does. Address fields,
// Date and Message-ID are parsed and checked; Content-* fields are refused
// because the body parts write them; other fields are unstructured text.
func (m *Message) Set(name, value string) (Step, error) {
	if err := checkValue(name, value); err != nil {
		return Step{}, err
	}
	switch canon := textproto.CanonicalMIMEHeaderKey(name); canon {
	case "From", "Sender", "To", "Cc", "Bcc", "Reply-To":
		return m.setAddresses(canon, value)
	case "Date":
		t, err := mail.ParseDate(value)
		if err != nil {
			return Step{}, fmt.Errorf("message: Date: %w", err)
		}
		return m.Date(t), nil
	case "Message-Id":
		return m.setMessageID("Set Message-ID", value)
	case "Mime-Version":
		return m.setMIMEVersion("Set MIME-Version", value)
	default:
		if strings.HasPrefix(canon, "Content-") {
			return Step{}, fmt.Errorf("message: %s describes a body part; Text, Attachment and the multipart calls write it", name)
		}
		wire, why := encodeText(name, value)
		if canon == "Subject" {
			why = "Subject is free text that readers show in the message list. " + why
		}
		return m.put("Set "+name, name, wire, why, "RFC 5322 §3.6.5, RFC 2047")
	}
}

func checkValue(name, value string) error {
	if err := checkFieldName(name); err != nil {
		return err
	}
	if strings.ContainsAny(value, "\r\n") {
		return fmt.Errorf("message: %s: a value is one line; CR or LF in it would start a new field", name)
	}
	if !utf8.ValidString(value) {
		return fmt.Errorf("message: %s: value is not valid UTF-8", name)
	}
	return nil
}

// put sets a wire-form field and records the step showing it folded.
func (m *Message) put(title, name, wire, why, rfc string) (Step, error) {
	folded, err := foldField(name, wire)
	if err != nil {
		return Step{}, err
	}
	m.header.Set(name, wire)
	return m.record(Step{Title: title, Explanation: why, RFC: rfc, Wire: folded}), nil
}

func (m *Message) setAddresses(canon, list string) (Step, error) {
	addrs, err := parseAddresses(canon, list)
	if err != nil {
		return Step{}, err
	}
	if canon == "Sender" && len(addrs) != 1 {
		return Step{}, errors.New("message: Sender holds exactly one mailbox (RFC 5322 §3.6.2)")
	}
	m.addrs[canon] = addrs
	if canon == "Bcc" {
		return m.record(Step{Title: "Set Bcc (envelope only)", Explanation: bccWhy, RFC: "RFC 5322 §3.6.3, RFC 5321 §3.3"}), nil
	}
	wire, note := formatAddresses(addrs)
	why, rfc := addressDoc(canon)
	return m.put("Set "+canon, canon, wire, strings.TrimSpace(why+" "+note), rfc)
}

const bccWhy = "Bcc recipients get the message through the envelope (RCPT TO) but no Bcc field is written: " +
	"it would show every recipient who was blind-copied, the one thing Bcc promises not to. " +
	"RFC 5322 §3.6.3 allows leaving the field out; Recipients() includes these addresses."

func addressDoc(canon string) (string, string) {
	switch canon {
	case "From":
		return "From names the author(s); RFC 5322 §3.6 requires it. With more than one author, Sender is required too.", "RFC 5322 §3.6.2"
	case "Sender":
		return "Sender names the one mailbox that actually sent the message, when that is not the author.", "RFC 5322 §3.6.2"
	case "Reply-To":
		return "Reply-To tells the reader's client where replies should go instead of From.", "RFC 5322 §3.6.2"
	case "Cc":
		return "Cc lists secondary recipients. What the reader sees here is separate from the envelope (RCPT TO) that delivers it.", "RFC 5322 §3.6.3"
	}
	return "To lists the primary recipients. What the reader sees here is separate from the envelope (RCPT TO) that delivers it.", "RFC 5322 §3.6.3"
}

func (m *Message) setMessageID(title, id string) (Step, error) {
	wire, err := msgID("Message-ID", id)
	if err != nil {
		return Step{}, err
	}
	return m.put(title, "Message-ID", wire,
		"Message-ID names this message uniquely, in the form <left@right> with a domain on the right; replies cite it in In-Reply-To and References.",
		"RFC 5322 §3.6.4")
}

func (m *Message) setMIMEVersion(title, v string) (Step, error) {
	if strings.TrimSpace(v) != "1.0" {
		return Step{}, fmt.Errorf("message: MIME-Version %q: only 1.0 exists (RFC 2045 §4)", v)
	}
	return m.put(title, "MIME-Version", "1.0",
		"MIME-Version: 1.0 tells the reader that Content-* fields and MIME bodies follow RFC 2045.", "RFC 2045 §4")
}

// msgID checks an id in RFC 5322 §3.6.4 form (left@right, no spaces or
// brackets inside) and returns it bracketed.
func msgID(field, id string) (string, error) {
	id = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), "<"), ">")
	left, right, ok := strings.Cut(id, "@")
	bad := strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r >= 0x7f || strings.ContainsRune(`<>()"\,;:`, r) })
	if !ok || left == "" || right == "" || bad || len(id) > 900 {
		return "", fmt.Errorf("message: %s %q must look like left@right, printable ASCII without spaces or brackets (RFC 5322 §3.6.4)", field, id)
	}
	return "<" + id + ">", nil
}

// SetBody makes p the message body; its Content-* fields join the message
// header.
func (m *Message) SetBody(p *Part) Step {
	m.body = p
	if p == nil {
		return m.record(Step{Title: "Clear the body", Explanation: "The message has no body now; it ends after its header."})
	}
	return m.record(Step{Title: "Set the body to " + p.mediaType,
		Explanation: "The body's Content-Type and Content-Transfer-Encoding join the message header, after MIME-Version; a reader starts the MIME tree there.",
		RFC:         "RFC 2045 §3", Wire: p.header.String()})
}

// Complete adds the fields the caller did not set but a message needs:
// Date (from Options.Now), Message-ID (random, at the From domain) and
// MIME-Version. WriteTo calls it, so a message written twice is the same.
func (m *Message) Complete() []Step {
	var added []Step
	if m.header.Get("Date") == "" {
		now := time.Now
		if m.opts.Now != nil {
			now = m.opts.Now
		}
		added = append(added, m.date("Add the missing Date", now()))
	}
	if m.header.Get("Message-ID") == "" {
		s, _ := m.setMessageID("Add a generated Message-ID", m.newMessageID()) // well-formed by construction
		added = append(added, s)
	}
	if m.body != nil && m.header.Get("MIME-Version") == "" {
		s, _ := m.setMIMEVersion("Add MIME-Version", "1.0")
		added = append(added, s)
	}
	return added
}

func (m *Message) newMessageID() string {
	domain := "localhost"
	if from := m.addrs["From"]; len(from) > 0 {
		if _, d, ok := strings.Cut(from[0].Address, "@"); ok && d != "" {
			domain = d
		}
	}
	return randomHex(16) + "@" + domain
}

// WriteTo completes the message and writes it with CRLF line ends, ready
// for DATA. File bodies are streamed from their Openers.
func (m *Message) WriteTo(w io.Writer) (int64, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	m.Complete()
	bw := bufio.NewWriter(w)
	s := &sink{w: bw}
	_, err := m.header.WriteTo(s)
	s.fail(err)
	if m.body == nil {
		s.str("\r\n")
	} else {
		m.body.write(s)
	}
	s.fail(bw.Flush())
	return s.n, s.err
}

func (m *Message) check() error {
	switch from := m.addrs["From"]; {
	case len(from) == 0:
		return errors.New("message: no From field; RFC 5322 §3.6 requires one")
	case len(from) > 1 && len(m.addrs["Sender"]) == 0:
		return errors.New("message: more than one From address needs a Sender (RFC 5322 §3.6.2)")
	case m.body != nil:
		return m.body.Err()
	}
	return nil
}
