package proto

import (
	"fmt"
	"strings"
)

// ValidateLine refuses CR, LF and NUL inside a line the client is about to
// send: one embedded CRLF turns "RCPT TO:<a>" into two commands (CRLF
// injection), and a bare CR or LF is how SMTP smuggling starts.
func ValidateLine(s string) error {
	if i := strings.IndexAny(s, "\r\n\x00"); i >= 0 {
		return fmt.Errorf("%w: %q at byte %d", ErrInjection, s[i], i)
	}
	return nil
}

// Param is one ESMTP parameter of MAIL or RCPT (RFC 5321 §4.1.2,
// esmtp-keyword["=" esmtp-value]); order is kept for determinism.
type Param struct {
	Key   string // upper-cased
	Value string
	// HasValue distinguishes "SMTPUTF8" from "SMTPUTF8=".
	HasValue bool
}

func (p Param) String() string {
	if !p.HasValue {
		return p.Key
	}
	return p.Key + "=" + p.Value
}

// Command is one client line, parsed tolerantly because a person typed it.
type Command struct {
	Verb string // upper-cased: "MAIL"
	Arg  string // everything after the verb and one space or tab, as typed
}

// ParseCommand splits a command line into verb and argument as
// [SplitVerb] does. It accepts anything printable: an unknown verb is the
// server's business to refuse.
func ParseCommand(line string) (Command, error) {
	if err := ValidateLine(line); err != nil {
		return Command{}, err
	}
	verb, arg := SplitVerb(line)
	return Command{Verb: upperASCII(verb), Arg: arg}, nil
}

// SplitVerb splits a command line the way servers read it (Postfix's
// smtpd among them): spaces and tabs before the verb are skipped, and the
// verb ends at the first space or tab. So " DATA" and "DATA\t" are DATA,
// and whatever decides what a line is (a command, message text, an AUTH
// answer, a secret) must split it here, or a server would run a verb the
// client took for something else. The verb is a slice of line as typed;
// arg is everything after the one separator. It does not allocate.
func SplitVerb(line string) (verb, arg string) {
	line = strings.TrimLeft(line, " \t")
	i := strings.IndexAny(line, " \t")
	if i < 0 {
		return line, ""
	}
	return line[:i], line[i+1:]
}

func (c Command) String() string {
	if c.Arg == "" {
		return c.Verb
	}
	return c.Verb + " " + c.Arg
}

// Path is the parsed argument of MAIL FROM / RCPT TO.
type Path struct {
	Address string // without angle brackets; "" for the null path <>
	Params  []Param
}

// ParsePath parses "FROM:<a@b> SIZE=10" for keyword "FROM" (or "TO"),
// strictly as RFC 5321 §4.1.1.2 writes it but accepting the space after the
// colon that many clients send (Postfix accepts it too).
func ParsePath(arg, keyword string) (Path, error) {
	head, rest, ok := strings.Cut(arg, ":")
	if !ok || !strings.EqualFold(strings.TrimSpace(head), keyword) || strings.TrimSpace(head) != head {
		return Path{}, fmt.Errorf("proto: expected %s:<address>, got %q", keyword, arg)
	}
	rest = strings.TrimLeft(rest, " ")
	if !strings.HasPrefix(rest, "<") {
		return Path{}, fmt.Errorf("proto: address must be in angle brackets: %s:<address>, got %q", keyword, arg)
	}
	end := strings.IndexByte(rest, '>')
	if end < 0 {
		return Path{}, fmt.Errorf("proto: missing '>' after the address in %q", arg)
	}
	p := Path{Address: rest[1:end]}
	params, err := ParseParams(rest[end+1:])
	if err != nil {
		return Path{}, err
	}
	p.Params = params
	return p, nil
}

// ParseParams parses " KEY=VALUE KEY2" (leading space required when not empty).
func ParseParams(s string) ([]Param, error) {
	if s == "" {
		return nil, nil
	}
	if s[0] != ' ' {
		return nil, fmt.Errorf("proto: expected a space before parameters, got %q", s)
	}
	var out []Param
	for _, field := range strings.Fields(s) {
		key, value, has := strings.Cut(field, "=")
		if key == "" || !isKeyword(key) {
			return nil, fmt.Errorf("proto: bad parameter %q", field)
		}
		out = append(out, Param{Key: upperASCII(key), Value: value, HasValue: has})
	}
	return out, nil
}

// isKeyword follows esmtp-keyword: (ALPHA / DIGIT) *(ALPHA / DIGIT / "-").
func isKeyword(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '-') {
			return false
		}
	}
	return true
}

// Lookup returns the value of the parameter named key (upper-case).
func (p Path) Lookup(key string) (Param, bool) {
	for _, param := range p.Params {
		if param.Key == key {
			return param, true
		}
	}
	return Param{}, false
}
