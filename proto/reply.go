package proto

import (
	"fmt"
	"strconv"
	"strings"
)

// EnhancedCode is class.subject.detail (RFC 3463); the zero value means
// "absent", so it compares with == and needs no pointer.
type EnhancedCode [3]int

// IsZero reports whether no enhanced code was present.
func (e EnhancedCode) IsZero() bool { return e == EnhancedCode{} }

func (e EnhancedCode) String() string {
	if e.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d.%d.%d", e[0], e[1], e[2])
}

// ParseEnhancedCode accepts exactly d.ddd.ddd with class 2, 4 or 5
// (RFC 3463 §2: subject and detail are 1 to 3 digits). It does not
// allocate: the reader calls it on every reply.
func ParseEnhancedCode(s string) (EnhancedCode, bool) {
	var e EnhancedCode
	maxLen := [3]int{1, 3, 3}
	for i := range e {
		field, rest, found := strings.Cut(s, ".")
		if found != (i < 2) || len(field) == 0 || len(field) > maxLen[i] || !allDigits(field) {
			return EnhancedCode{}, false
		}
		for j := 0; j < len(field); j++ {
			e[i] = e[i]*10 + int(field[j]-'0')
		}
		s = rest
	}
	if e[0] != 2 && e[0] != 4 && e[0] != 5 {
		return EnhancedCode{}, false
	}
	return e, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Reply is one complete server reply. A 4xx or 5xx is data to show, never a
// Go error: only malformed bytes, I/O and timeouts are errors.
type Reply struct {
	Code int
	// Enhanced is set only when the first line really carries one whose class
	// equals Code/100; stripping a first word blindly mangles text like
	// "250 2 recipients" (MailKit#1987).
	Enhanced EnhancedCode
	// Lines is the text of each line without the code, separator or enhanced code.
	Lines []string
	// Raw is each line as received, without its line ending, for display.
	Raw []string
	// BareLF is set when some line ended in LF alone: tolerated, but worth
	// pointing out to someone debugging a server.
	BareLF bool
}

// Class is the first digit: 2 success, 3 intermediate, 4 transient, 5 permanent.
func (r *Reply) Class() int { return r.Code / 100 }

// Text joins the lines' text with newlines.
func (r *Reply) Text() string { return strings.Join(r.Lines, "\n") }

// Failed reports whether the reply is a 4xx or 5xx.
func (r *Reply) Failed() bool { return r.Code >= 400 }

func (r *Reply) String() string { return strings.Join(r.Raw, "\n") }

// ParseReply parses the complete lines of one reply (without line endings).
// It is pure; Reader feeds it.
func ParseReply(lines []string) (*Reply, error) {
	return parseReply(lines, make([]string, len(lines)))
}

// parseReply is ParseReply with the slice for Lines supplied, so that Reader
// can allocate Raw and Lines together.
func parseReply(lines, text []string) (*Reply, error) {
	if len(lines) == 0 {
		return nil, &ProtocolError{Reason: "empty reply"}
	}
	r := &Reply{Raw: lines, Lines: text}
	for i, line := range lines {
		code, last, text, err := parseReplyLine(line)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			r.Code = code
		} else if code != r.Code {
			return nil, &ProtocolError{Line: line, Reason: fmt.Sprintf("continuation line has code %d, reply started with %d", code, r.Code)}
		}
		if last != (i == len(lines)-1) {
			if last {
				return nil, &ProtocolError{Line: line, Reason: "final line (code and space) before the end of the reply"}
			}
			return nil, &ProtocolError{Line: line, Reason: "reply ends with a continuation line (code and '-')"}
		}
		r.Lines[i] = text
	}
	r.splitEnhanced()
	return r, nil
}

// splitEnhanced strips the enhanced code from every line that carries the
// same one as the first line; servers repeat it per line (Postfix) or not.
func (r *Reply) splitEnhanced() {
	first, _, ok := cutEnhanced(r.Lines[0], r.Code)
	if !ok {
		return
	}
	r.Enhanced = first
	for i, text := range r.Lines {
		if e, rest, ok := cutEnhanced(text, r.Code); ok && e == first {
			r.Lines[i] = rest
		}
	}
}

func cutEnhanced(text string, code int) (EnhancedCode, string, bool) {
	// Most text does not start "d.": say so before any parsing.
	if len(text) < 5 || text[1] != '.' || int(text[0]-'0') != code/100 {
		return EnhancedCode{}, text, false
	}
	word, rest, _ := strings.Cut(text, " ")
	e, ok := ParseEnhancedCode(word)
	if !ok || e[0] != code/100 {
		return EnhancedCode{}, text, false
	}
	return e, rest, true
}

// parseReplyLine splits "250-text", "250 text" or "250". Codes are
// 2xx-5xx with a second digit 0-5 (RFC 5321 §4.2).
func parseReplyLine(line string) (code int, last bool, text string, err error) {
	if len(line) < 3 {
		return 0, false, "", &ProtocolError{Line: line, Reason: "reply line shorter than a 3-digit code"}
	}
	if !allDigits(line[:3]) {
		return 0, false, "", &ProtocolError{Line: line, Reason: "reply code is not three digits"}
	}
	code = int(line[0]-'0')*100 + int(line[1]-'0')*10 + int(line[2]-'0')
	if line[0] < '2' || line[0] > '5' || line[1] > '5' {
		return 0, false, "", &ProtocolError{Line: line, Reason: fmt.Sprintf("reply code %d is out of range (RFC 5321 allows 2xx-5xx)", code)}
	}
	if len(line) == 3 {
		return code, true, "", nil
	}
	switch line[3] {
	case ' ':
		return code, true, line[4:], nil
	case '-':
		return code, false, line[4:], nil
	}
	return 0, false, "", &ProtocolError{Line: line, Reason: "expected ' ' or '-' after the reply code"}
}

// Format renders a reply in canonical wire form, without line endings,
// repeating the enhanced code on every line as Postfix does.
func (r *Reply) Format() []string {
	out := make([]string, len(r.Lines))
	for i, text := range r.Lines {
		sep := "-"
		if i == len(r.Lines)-1 {
			sep = " "
		}
		switch {
		case r.Enhanced.IsZero():
		case text == "":
			text = r.Enhanced.String()
		default:
			text = r.Enhanced.String() + " " + text
		}
		out[i] = strconv.Itoa(r.Code) + sep + text
	}
	return out
}

// NewReply builds a reply for a server to send; lines may be empty text.
func NewReply(code int, enhanced EnhancedCode, lines ...string) *Reply {
	if len(lines) == 0 {
		lines = []string{""}
	}
	r := &Reply{Code: code, Enhanced: enhanced, Lines: lines}
	r.Raw = r.Format()
	return r
}
