package transcripts

import (
	"bytes"
	"strings"
)

// swaksHint is one of the line prefixes swaks prints before each transcript
// line (see ptrans in the swaks source): a hint of three characters and a
// space.
type swaksHint struct {
	prefix string
	kind   Kind
	event  string // prefix of the event text, for swaks's own messages
}

// swaksHints lists the hints in the order they are tried. Trailing white
// space is often lost when a log is pasted, so each is also accepted with its
// spaces trimmed at the end of a line (an empty body line " -> " becomes
// " ->"), and without the leading space.
func swaksHints() [10]swaksHint {
	return [...]swaksHint{
		{prefix: "=== ", kind: Event},
		{prefix: "*** ", kind: Event, event: "error: "},
		{prefix: " -> ", kind: Client}, // sent in plain text
		{prefix: " ~> ", kind: Client}, // sent under TLS
		{prefix: "**> ", kind: Client}, // send error
		{prefix: "*~> ", kind: Client}, // send error under TLS
		{prefix: "<-  ", kind: Server}, // received in plain text
		{prefix: "<~  ", kind: Server}, // received under TLS
		{prefix: "<** ", kind: Server}, // unexpected reply
		{prefix: "<~* ", kind: Server}, // unexpected reply under TLS
	}
}

// ParseSwaks reads swaks's transcript output (" -> EHLO x", "<-  250 ok",
// " ~> " and "<~  " under TLS, "<** " for an unexpected reply, "=== " for
// information, "*** " for swaks's errors) into a transcript. Blank lines and
// raw-text dumps are skipped; "#" lines are read as in the transcript
// format, so a pasted log can carry metadata and notes.
func ParseSwaks(data []byte) (*Transcript, error) {
	return collect(newSwaksReader(bytes.NewReader(data)))
}

// parseSwaksLine parses one line; keep is false for lines that carry nothing.
func parseSwaksLine(line string, n int) (e Entry, keep bool, err error) {
	if strings.TrimSpace(line) == "" || isSwaksDump(line) {
		return Entry{}, false, nil
	}
	if strings.HasPrefix(line, "#") {
		e, err := parseLine(line, n)
		return e, err == nil, err
	}
	h, text, ok := matchSwaks(line)
	if !ok {
		return Entry{}, false, &SyntaxError{n, line, "not a swaks transcript line"}
	}
	if h.kind == Event {
		return Entry{Kind: Event, Text: h.event + text, Line: n}, true, nil
	}
	// swaks prints what it sent and received, each line without its CRLF.
	e = FromWire(h.kind, []byte(text+"\r\n"))
	e.Line = n
	return e, true, nil
}

// isSwaksDump reports the hex dumps of --show-raw-text, which repeat what
// the lines around them say.
func isSwaksDump(line string) bool {
	return strings.HasPrefix(line, "  > ") || strings.HasPrefix(line, "<   ")
}

// matchSwaks finds the hint of line and returns the text after it.
func matchSwaks(line string) (swaksHint, string, bool) {
	for _, h := range swaksHints() {
		if text, ok := cutHint(line, h.prefix); ok {
			return h, text, true
		}
	}
	return swaksHint{}, "", false
}

// cutHint strips prefix from line, tolerating a lost leading space, lost
// trailing spaces on an otherwise empty line, and one space instead of two
// after a reply arrow ("<- 220" for "<-  220").
func cutHint(line, prefix string) (string, bool) {
	core := strings.TrimSpace(prefix) // "->", "<-", "===", ...
	rest, ok := strings.CutPrefix(strings.TrimPrefix(line, " "), core)
	if !ok || (rest != "" && rest[0] != ' ') {
		return "", false
	}
	rest = strings.TrimPrefix(rest, " ")
	if strings.HasPrefix(prefix, "<") && strings.HasSuffix(prefix, "  ") {
		rest = strings.TrimPrefix(rest, " ")
	}
	return rest, true
}
