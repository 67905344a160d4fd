package export

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/smtprepl/smtprepl/transcripts"
)

// Format is one kind of export.
type Format struct {
	Name    string
	Summary string
	write   func(w io.Writer, s *Session, t *transcripts.Transcript, source string) error
}

// Formats lists the exports, in the order :help shows them.
func Formats() []Format {
	return []Format{
		{"swaks", "the swaks command line that sends the session's message the same way", writeSwaks},
		{"curl", "the curl command line that sends the session's message", writeCurl},
		{"python", "an smtplib script that repeats the session step by step", writePython},
		{"go", "a Go program (net/textproto, crypto/tls) that repeats the session step by step", writeGo},
		{"mermaid", "a Mermaid sequence diagram, TLS drawn, secrets redacted", writeMermaid},
		{"eml", "the message the session sent, as an .eml file", writeEML},
	}
}

// Write exports t as the format called name. source names the transcript
// in the export's comments; server, when set, replaces the address the
// transcript names.
func Write(w io.Writer, name string, t *transcripts.Transcript, source, server string) error {
	for _, f := range Formats() {
		if f.Name != name {
			continue
		}
		s, err := FromTranscript(t, server)
		if err != nil && name != "mermaid" && name != "eml" {
			return err
		}
		if s == nil {
			s = &Session{}
			if s2, err := FromTranscript(t, "localhost:25"); err == nil {
				s = s2
			}
		}
		return f.write(w, s, t, source)
	}
	var names []string
	for _, f := range Formats() {
		names = append(names, f.Name)
	}
	return fmt.Errorf("no export called %q (formats: %s)", name, strings.Join(names, ", "))
}

var errNoMessage = errors.New("the session sent no message: swaks, curl and eml repeat a session that sends one (python and go repeat any)")

// oneMessage is the message a command-line export sends, with what it
// leaves out said in comments.
func (s *Session) oneMessage() (Message, []string, error) {
	if len(s.Messages) == 0 {
		return Message{}, nil, errNoMessage
	}
	var left []string
	if len(s.Messages) > 1 {
		left = append(left, fmt.Sprintf("the session sent %d messages; this sends the first", len(s.Messages)))
	}
	for _, st := range s.Steps {
		switch st.Verb() {
		case "EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", ".", "QUIT", "":
		default:
			if st.Redacted == "" {
				left = append(left, "left out: "+st.Line)
			}
		}
	}
	return s.Messages[0], left, nil
}

// shellQuote quotes for sh: 'it'\”s'.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// heredocEnd picks a delimiter no line of the text equals.
func heredocEnd(lines []string) string {
	end := "SMTPREPL_MESSAGE"
	for n := 1; ; n++ {
		clash := false
		for _, l := range lines {
			if l == end {
				clash = true
				break
			}
		}
		if !clash {
			return end
		}
		end = fmt.Sprintf("SMTPREPL_MESSAGE_%d", n)
	}
}

// quoted is a string literal valid in Python and Go: strconv.Quote
// escapes what is not printable with \a, \n, \xNN, \uNNNN and \UNNNNNNNN,
// which both read the same way for text.
func quoted(s string) string { return strconv.Quote(s) }

// comment puts text after "# " or "// ", one line, no control characters.
func comment(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
