package transcripts

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/smtprepl/smtprepl/proto"
)

// Kind says what a transcript line stands for. A tapped line's kind
// (proto.LineKind) is one of the first three, value for value, so
// Kind(l.Kind) is the kind of its transcript line.
type Kind uint8

// The kinds of line. Only Client and Server lines are wire data.
const (
	Client  = Kind(proto.Sent)     // "C: text" or `C= "exact"`: the client sent it
	Server  = Kind(proto.Received) // "S: text" or `S= "exact"`: the server sent it
	Event   = Kind(proto.Event)    // "=== text": connected, TLS established, closed
	Comment = Event + 1            // "# text"
	Blank   = Event + 2            // an empty line, kept so hand-written files round-trip
	Elision = Event + 3            // "...": RFC 2920's examples leave something out here
)

func (k Kind) String() string {
	switch k {
	case Client:
		return "client"
	case Server:
		return "server"
	case Event:
		return "event"
	case Comment:
		return "comment"
	case Blank:
		return "blank"
	case Elision:
		return "elision"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// KV is one "# key: value" metadata line.
type KV struct {
	Key, Value string
}

// Entry is one line of a transcript.
type Entry struct {
	Kind Kind
	// Text is the line's text: for a client or server line, what was sent
	// without the CRLF, or, when Exact, every byte that was sent.
	Text string
	// Exact marks the C= / S= form: Text is the exact bytes, no CRLF implied.
	Exact bool
	// Pattern marks the C~ form: Text is a Go regular expression that the
	// whole client line (without its CRLF) must match. Only people write
	// patterns; a recorder never does, and replay cannot send one.
	Pattern bool
	// Redacted names the secret that a recorder removed from this client
	// line ("AUTH LOGIN password"); Text then ends with the marker
	// "<redacted: NAME>", which [Entry.WithSecret] fills in again.
	Redacted string
	// Line is the 1-based line of the source file; 0 for entries built in code.
	Line int
}

// Wire reports whether the entry is bytes that crossed the connection.
func (e Entry) Wire() bool { return e.Kind == Client || e.Kind == Server }

// Bytes returns what went on the wire: Text and CRLF, or the exact bytes.
// It is nil for entries that are not wire data.
func (e Entry) Bytes() []byte {
	switch {
	case !e.Wire():
		return nil
	case e.Exact:
		return []byte(e.Text)
	}
	return []byte(e.Text + "\r\n")
}

// FromWire returns the entry of kind k (Client or Server) for bytes that went
// on the wire. It uses the readable "C: text" form when the bytes are
// printable text followed by CRLF, and the exact form otherwise: bare LF or
// CR, trailing spaces or tabs, control characters or invalid UTF-8 must
// survive a round trip through a text editor.
func FromWire(k Kind, wire []byte) Entry {
	s := string(wire)
	if text, ok := strings.CutSuffix(s, "\r\n"); ok && plainText(text) {
		e := Entry{Kind: k, Text: text}
		if k == Client {
			e.Redacted = redactedName(text)
		}
		return e
	}
	return Entry{Kind: k, Text: s, Exact: true}
}

// plainText reports whether text can be written after "C: " and read back
// unchanged by any editor: printable UTF-8 without trailing white space.
func plainText(text string) bool {
	if !utf8.ValidString(text) || strings.HasSuffix(text, " ") {
		return false
	}
	for _, r := range text {
		// Tabs are unprintable too: editors expand them.
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

const (
	redactOpen  = "<redacted: "
	redactClose = ">"
)

// redactedName returns NAME when text ends with the marker "<redacted: NAME>".
func redactedName(text string) string {
	if !strings.HasSuffix(text, redactClose) {
		return ""
	}
	i := strings.LastIndex(text, redactOpen)
	if i < 0 {
		return ""
	}
	name := text[i+len(redactOpen) : len(text)-len(redactClose)]
	if name == "" || strings.ContainsAny(name, "<>") {
		return ""
	}
	return name
}

// redactedText returns text with its secret replaced by the marker for name.
func redactedText(prefix, name string) string {
	return prefix + redactOpen + name + redactClose
}

// WithSecret returns the entry with its redaction marker replaced by secret,
// the line as it must be sent again; entries without a marker are unchanged.
func (e Entry) WithSecret(secret string) Entry {
	if e.Redacted == "" {
		return e
	}
	marker := redactedText("", e.Redacted)
	e.Text = strings.TrimSuffix(e.Text, marker) + secret
	e.Redacted = ""
	return e
}

// Transcript is a parsed transcript: its metadata and its lines in order.
type Transcript struct {
	// Version is the format version of the "# smtprepl transcript v1"
	// header line, or 0 when the file has none.
	Version int
	Meta    []KV
	Entries []Entry
}

// Lookup returns the value of the first metadata line with the given key.
func (t *Transcript) Lookup(key string) (string, bool) {
	for _, kv := range t.Meta {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}
