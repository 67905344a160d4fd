package pop3

import (
	"fmt"
	"strings"
)

// Indicator is what a response's first line begins with.
type Indicator int

const (
	OK       Indicator = iota + 1 // "+OK"
	Err                           // "-ERR"
	Continue                      // "+ ": a SASL challenge (RFC 5034 §4)
)

// Status is a response's first line, parsed.
type Status struct {
	Indicator Indicator
	// Code is the RFC 2449 §8 response code in brackets at the start of
	// the text ("AUTH", "IN-USE", "SYS/TEMP"), without them; "" for none.
	Code string
	Text string // what follows the indicator (and code), spaces trimmed
}

// ParseStatus parses the first line of a response, its CRLF removed.
// "+OK" and "-ERR" are case-sensitive in RFC 1939 §3 but taken in any case
// here, as clients do; anything else is a protocol error, quoted.
func ParseStatus(line string) (Status, error) {
	word, rest, _ := strings.Cut(line, " ")
	var st Status
	switch strings.ToUpper(word) {
	case "+OK":
		st.Indicator = OK
	case "-ERR":
		st.Indicator = Err
	case "+":
		return Status{Indicator: Continue, Text: rest}, nil
	default:
		return Status{}, fmt.Errorf("pop3: response does not start with +OK or -ERR: %q", clip(line))
	}
	st.Text = strings.TrimSpace(rest)
	if code, text, ok := strings.Cut(st.Text, "]"); ok && strings.HasPrefix(code, "[") && !strings.ContainsAny(code, " ") {
		st.Code, st.Text = code[1:], strings.TrimSpace(text)
	}
	return st, nil
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// Stuff is a line of a multi-line response as it goes on the wire: a line
// that begins with "." gets one more (RFC 1939 §3), so that only the lone
// "." ends the response.
func Stuff(line []byte) []byte {
	if len(line) > 0 && line[0] == '.' {
		return append([]byte{'.'}, line...)
	}
	return line
}

// Unstuff undoes Stuff for one received line (its CRLF removed) and
// reports whether it was the lone "." that ends the response.
func Unstuff(line []byte) (text []byte, end bool) {
	if len(line) == 0 || line[0] != '.' {
		return line, false
	}
	if len(line) == 1 {
		return nil, true
	}
	return line[1:], false
}
