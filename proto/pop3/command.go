package pop3

import (
	"errors"
	"fmt"
	"strings"
)

// Command is one command line: the keyword, upper-cased at parse time so
// that every comparison is against the same form, and its arguments.
type Command struct {
	Keyword string
	Args    []string
}

// MaxLineBytes is RFC 2449 §4's bound on a command line, CRLF included.
const MaxLineBytes = 255

var errEmpty = errors.New("pop3: empty command line")

// ParseCommand splits a line (its CRLF removed) into keyword and
// arguments. RFC 1939 §3 separates them by one space; as Dovecot does,
// runs of spaces are taken as one, but an empty keyword is refused.
func ParseCommand(line string) (Command, error) {
	if strings.ContainsAny(line, "\r\n\x00") {
		return Command{}, fmt.Errorf("pop3: command line contains CR, LF or NUL: %q", line)
	}
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return Command{}, errEmpty
	}
	return Command{Keyword: strings.ToUpper(fields[0]), Args: fields[1:]}, nil
}

// Arg is the i-th argument, or "" when there are fewer.
func (c Command) Arg(i int) string {
	if i < len(c.Args) {
		return c.Args[i]
	}
	return ""
}

// MultiLine reports whether a +OK answer to c goes on with lines up to a
// lone "." (RFC 1939 §3): LIST and UIDL without an argument, RETR, TOP,
// CAPA, and AUTH without a mechanism (RFC 5034 §4 lists them).
func (c Command) MultiLine() bool {
	switch c.Keyword {
	case "RETR", "TOP", "CAPA":
		return true
	case "LIST", "UIDL", "AUTH":
		return len(c.Args) == 0
	}
	return false
}
