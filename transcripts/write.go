package transcripts

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/smtprepl/smtprepl/proto/visible"
)

// WriteTo writes the transcript in canonical form: the version line when
// Version is set, the metadata, then one line per entry. Reading a file in
// canonical form and writing it again gives the same bytes.
func (t *Transcript) WriteTo(w io.Writer) (int64, error) {
	b, err := t.appendText(nil)
	if err != nil {
		return 0, err
	}
	n, err := w.Write(b)
	if err != nil {
		err = fmt.Errorf("transcripts: %w", err)
	}
	return int64(n), err
}

func (t *Transcript) appendText(b []byte) ([]byte, error) {
	if t.Version != 0 {
		b = append(b, header+strconv.Itoa(t.Version)+"\n"...)
	}
	var err error
	for _, kv := range t.Meta {
		if b, err = appendMeta(b, kv); err != nil {
			return nil, err
		}
	}
	for i, e := range t.Entries {
		if b, err = appendEntry(b, e); err != nil {
			return nil, fmt.Errorf("transcripts: entry %d: %w", i, err)
		}
	}
	return b, nil
}

func appendMeta(b []byte, kv KV) ([]byte, error) {
	if !validKey(kv.Key) || strings.ContainsAny(kv.Value, "\r\n") {
		return nil, fmt.Errorf("transcripts: metadata %q: %q is not one line of key: value", kv.Key, kv.Value)
	}
	b = append(b, "# "+kv.Key+":"...)
	if kv.Value != "" {
		b = append(b, " "+safeText(kv.Value)...)
	}
	return append(b, '\n'), nil
}

// appendEntry appends e as one line of the file.
func appendEntry(b []byte, e Entry) ([]byte, error) {
	switch e.Kind {
	case Client, Server:
		return appendWire(b, e), nil
	case Event:
		return appendProse(b, "===", e.Text), nil
	case Comment:
		return appendProse(b, "#", e.Text), nil
	case Blank:
		return append(b, '\n'), nil
	case Elision:
		return append(b, "...\n"...), nil
	}
	return nil, fmt.Errorf("unknown kind %v", e.Kind)
}

// appendWire writes a client or server line. This and appendProse are
// where every transcript line passes on its way to a file, a script's
// output or a report, so nothing a terminal acts on gets past them.
func appendWire(b []byte, e Entry) []byte {
	side := "C"
	if e.Kind == Server {
		side = "S"
	}
	if e.Pattern && e.Kind == Client && e.Text != "" {
		return append(b, "C~ "+safeText(e.Text)+"\n"...)
	}
	// Text that would break the line structure can only be written
	// exactly, and so can text holding controls: the quoted form shows
	// them escaped and still says what was sent.
	if e.Exact || strings.ContainsAny(e.Text, "\r\n") || e.Redacted == "" && !visible.TextSafe(e.Text) {
		b = append(b, side+"= "...)
		b = strconv.AppendQuote(b, string(e.Bytes()))
		return append(b, '\n')
	}
	if e.Text == "" {
		return append(b, side+":\n"...)
	}
	// A redacted line has no exact form (the marker is not what was sent).
	return append(b, side+": "+safeText(e.Text)+"\n"...)
}

// appendProse writes an event or comment; a line break in text becomes a
// space because these lines have no exact form, and controls are shown
// escaped.
func appendProse(b []byte, prefix, text string) []byte {
	if text == "" {
		return append(b, prefix+"\n"...)
	}
	// strings.Map would also turn invalid UTF-8 into U+FFFD; keep the bytes.
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r", " "), "\n", " ")
	return append(b, prefix+" "+safeText(text)+"\n"...)
}

// safeText is text as a terminal may see it: visible.Text keeps backslashes,
// so a sentence that already quoted a reply is not escaped twice.
func safeText(text string) string {
	if visible.TextSafe(text) {
		return text
	}
	return visible.Text(text)
}
