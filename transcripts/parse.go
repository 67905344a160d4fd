package transcripts

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// header is the first line of a transcript written by this package.
const header = "# smtprepl transcript v"

// SyntaxError reports a line that is not in the transcript format.
type SyntaxError struct {
	Line int    // 1-based line number
	Text string // the offending line
	Msg  string
}

// maxQuoted bounds how much of a hostile line an error sentence quotes.
const maxQuoted = 200

// Error quotes at most maxQuoted bytes of the line, visibly escaped, and
// says how long the whole line is: a file's line may be megabytes.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("transcripts: line %d: %s: %s", e.Line, e.Msg, quoteClip(e.Text, maxQuoted))
}

// Parse reads a whole transcript from r with a [Reader], keeping every
// entry and the metadata.
func Parse(r io.Reader) (*Transcript, error) {
	return collect(NewReader(r))
}

// ParseBytes parses a transcript. A file whose first dialogue line uses
// swaks's arrows (" -> ", "<-  ", ...) is read with [ParseSwaks]. Lines end
// in LF; a CR before the LF is dropped, so CRLF files read the same.
func ParseBytes(data []byte) (*Transcript, error) {
	return Parse(bytes.NewReader(data))
}

// collect reads every entry of r into a transcript.
func collect(r *Reader) (*Transcript, error) {
	r.keepMeta = true
	t := &Transcript{}
	for {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		t.Entries = append(t.Entries, e)
	}
	t.Version, t.Meta = r.Version, r.meta
	return t, nil
}

// cutEOL removes the line ending. A CR anywhere else would not survive a
// round trip, so it must be spelled in the exact form instead.
func cutEOL(raw string, n int) (string, error) {
	line := strings.TrimSuffix(raw, "\n")
	line = strings.TrimSuffix(line, "\r")
	if strings.Contains(line, "\r") {
		return "", &SyntaxError{n, line, "carriage return inside a line (use the C= or S= form)"}
	}
	return line, nil
}

// parseHeader takes the version line and metadata at the top of a file. It
// reports whether line was one of them.
func (t *Transcript) parseHeader(line string, n int) (bool, error) {
	if v, ok := strings.CutPrefix(line, header); ok && n == 1 {
		if v != "1" {
			return false, &SyntaxError{n, line, "unsupported transcript version"}
		}
		t.Version = 1
		return true, nil
	}
	if kv, ok := parseMeta(line); ok {
		t.Meta = append(t.Meta, kv)
		return true, nil
	}
	return false, nil
}

// parseMeta splits "# key: value". Keys are one word so that prose comments
// such as "# Step 1: connect" stay comments.
func parseMeta(line string) (KV, bool) {
	rest, ok := strings.CutPrefix(line, "# ")
	if !ok {
		return KV{}, false
	}
	key, value, ok := strings.Cut(rest, ":")
	if !ok || !validKey(key) {
		return KV{}, false
	}
	if value == "" {
		return KV{key, ""}, true
	}
	value, ok = strings.CutPrefix(value, " ")
	return KV{key, value}, ok
}

func validKey(key string) bool {
	if key == "" {
		return false
	}
	for i, r := range key {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		other := r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
		if !letter && (i == 0 || !other) {
			return false
		}
	}
	return true
}

// parseLine parses one line that is not metadata.
func parseLine(line string, n int) (Entry, error) {
	switch {
	case line == "":
		return Entry{Kind: Blank, Line: n}, nil
	case line == "...":
		return Entry{Kind: Elision, Text: line, Line: n}, nil
	case line == "#", strings.HasPrefix(line, "# "):
		return Entry{Kind: Comment, Text: strings.TrimPrefix(line[1:], " "), Line: n}, nil
	case line == "===", strings.HasPrefix(line, "=== "):
		return Entry{Kind: Event, Text: strings.TrimPrefix(line[3:], " "), Line: n}, nil
	}
	if len(line) >= 2 && (line[0] == 'C' || line[0] == 'S') {
		return parseWire(line, n)
	}
	for _, p := range [...]string{"===", "#"} {
		if strings.HasPrefix(line, p) {
			return Entry{}, &SyntaxError{n, line, "want a space after " + strconv.Quote(p)}
		}
	}
	return Entry{}, &SyntaxError{n, line, errUnknownPrefix}
}

const errUnknownPrefix = "unknown line prefix (want C:, S:, C=, S=, C~, ===, # or ...)"

// parseWire parses "C: text", "C:", `C= "quoted"` and their S forms, and
// "C~ regexp".
func parseWire(line string, n int) (Entry, error) {
	k := Client
	if line[0] == 'S' {
		k = Server
	}
	switch rest := line[2:]; {
	case line[1] == ':' && rest == "":
		return Entry{Kind: k, Line: n}, nil
	case line[1] == ':' && rest[0] == ' ':
		e := Entry{Kind: k, Text: rest[1:], Line: n}
		if k == Client {
			e.Redacted = redactedName(e.Text)
		}
		return e, nil
	case line[1] == '~' && k == Client && strings.HasPrefix(rest, " ") && len(rest) > 1:
		if _, err := compilePattern(rest[1:]); err != nil {
			return Entry{}, &SyntaxError{n, line, err.Error()}
		}
		return Entry{Kind: k, Text: rest[1:], Pattern: true, Line: n}, nil
	case line[1] == '~':
		return Entry{}, &SyntaxError{n, line, "want a space and a regular expression after \"C~\" (only client lines are patterns)"}
	case line[1] == '=' && strings.HasPrefix(rest, ` "`):
		text, err := unquote(rest[1:])
		if err != nil {
			return Entry{}, &SyntaxError{n, line, "bad quoting after " + strconv.Quote(line[:2])}
		}
		return Entry{Kind: k, Text: text, Exact: true, Line: n}, nil
	case line[1] == ':':
		return Entry{}, &SyntaxError{n, line, "want a space after " + strconv.Quote(line[:2])}
	case line[1] == '=':
		return Entry{}, &SyntaxError{n, line, "want a double-quoted Go string after " + strconv.Quote(line[:2])}
	}
	return Entry{}, &SyntaxError{n, line, errUnknownPrefix}
}
