package export

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/transcripts"
)

// Session is what the exports need of a transcript: where it went, and
// the client's lines in order with the replies they got.
type Session struct {
	Server   string // host:port, from the transcript's "# server:" line or --server
	Implicit bool   // TLS from the first byte (465)
	Steps    []Step
	Messages []Message
}

// Step is one client line and the reply it got.
type Step struct {
	Line     string // as recorded; a secret is a <redacted: NAME> marker
	Redacted string // the secret's name, "" for none
	Code     int    // the reply's code; 0 when none was recorded
	Reply    []string
	TLS      bool // sent inside TLS
	// Message is the index in Messages of the text this "." ended, -1
	// for every other step.
	Message int
}

// Verb is the step's command word, upper-cased.
func (s Step) Verb() string {
	v, _ := proto.SplitVerb(s.Line)
	return strings.ToUpper(v)
}

// Message is one message the session sent: its envelope and its text as
// the user wrote it (dot-stuffing undone), lines without line endings.
type Message struct {
	From string
	To   []string // the recipients accepted (2xx) before it
	Text []string
}

// maxSteps bounds what an export is made from: an export is for a
// session a person reads, and a hostile file can hold millions of lines.
const maxSteps = 10000

// FromTranscript reads a transcript into a Session. server overrides the
// address the transcript names.
func FromTranscript(t *transcripts.Transcript, server string) (*Session, error) {
	s := &Session{Server: server}
	if s.Server == "" {
		s.Server, _ = t.Lookup("server")
	}
	if s.Server == "" {
		return nil, errors.New("the transcript names no server (no \"# server:\" line): give one with --server HOST:PORT")
	}
	host, port, err := net.SplitHostPort(s.Server)
	if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 1 || n > 65535 ||
		strings.IndexFunc(host, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '"' || r == '\'' || r == '\\' }) >= 0 {
		return nil, fmt.Errorf("the server %s is not HOST:PORT", strconv.Quote(s.Server))
	}
	var pending []int // steps waiting for their replies, oldest first
	tls, greeted := false, false
	var from string
	var to []string
	for _, x := range t.Exchanges() {
		for _, e := range x.Events {
			if strings.HasPrefix(e.Text, "TLS established") || strings.HasPrefix(e.Text, "TLS started") {
				tls = true
				if !greeted {
					s.Implicit = true
				}
			}
		}
		var text []string
		for _, e := range x.Body {
			line := strings.TrimSuffix(strings.TrimSuffix(e.Text, "\n"), "\r")
			text = append(text, strings.TrimPrefix(line, ".")) // undo the stuffing
		}
		for i, e := range x.Commands {
			if len(s.Steps) >= maxSteps {
				return nil, fmt.Errorf("the transcript has more than %d commands: too many to export", maxSteps)
			}
			st := Step{Line: strings.TrimRight(e.Text, "\r\n"), Redacted: e.Redacted, TLS: tls, Message: -1}
			if e.Exact {
				return nil, fmt.Errorf("line %d holds bytes a text export cannot repeat (%s)", e.Line, strconv.Quote(e.Text))
			}
			if n := len(s.Steps); i == 0 && st.Line == "." && n > 0 && s.Steps[n-1].Verb() == "DATA" && s.Steps[n-1].Code == 354 {
				st.Message = len(s.Messages)
				s.Messages = append(s.Messages, Message{From: from, To: to, Text: text})
			}
			pending = append(pending, len(s.Steps))
			s.Steps = append(s.Steps, st)
		}
		for _, reply := range x.Replies {
			code := 0
			if len(reply) > 0 && len(reply[0].Text) >= 3 {
				code, _ = strconv.Atoi(reply[0].Text[:3])
			}
			if !greeted {
				greeted = true
				if len(pending) == 0 {
					continue // the greeting answers no command
				}
			}
			if len(pending) == 0 {
				continue // a reply nobody asked for
			}
			st := &s.Steps[pending[0]]
			pending = pending[1:]
			st.Code = code
			for _, l := range reply {
				st.Reply = append(st.Reply, l.Text)
			}
			switch v := st.Verb(); {
			case v == "MAIL" && code/100 == 2:
				from, to = mailArg(st.Line, "FROM:"), nil
			case v == "RCPT" && code/100 == 2:
				to = append(to, mailArg(st.Line, "TO:"))
			case v == "RSET" || v == "EHLO" || v == "HELO":
				from, to = "", nil
			}
		}
	}
	return s, nil
}

// mailArg is the address in "MAIL FROM:<a@b> SIZE=1": "a@b".
func mailArg(line, key string) string {
	i := strings.Index(strings.ToUpper(line), key)
	if i < 0 {
		return ""
	}
	rest := strings.TrimSpace(line[i+len(key):])
	if strings.HasPrefix(rest, "<") {
		if j := strings.IndexByte(rest, '>'); j > 0 {
			return rest[1:j]
		}
	}
	addr, _, _ := strings.Cut(rest, " ")
	return addr
}

// EHLOName is the name the session's first EHLO (or HELO) gave.
func (s *Session) EHLOName() string {
	for _, st := range s.Steps {
		if v := st.Verb(); v == "EHLO" || v == "HELO" || v == "LHLO" {
			_, arg := proto.SplitVerb(st.Line)
			return strings.TrimSpace(arg)
		}
	}
	return ""
}

// StartTLS reports whether the session said STARTTLS and it was taken.
func (s *Session) StartTLS() bool {
	for _, st := range s.Steps {
		if st.Verb() == "STARTTLS" && st.Code == 220 {
			return true
		}
	}
	return false
}

// AuthMechanism is the mechanism of the first AUTH, "" for none.
func (s *Session) AuthMechanism() string {
	for _, st := range s.Steps {
		if st.Verb() == "AUTH" {
			_, arg := proto.SplitVerb(st.Line)
			mech, _, _ := strings.Cut(strings.TrimSpace(arg), " ")
			return strings.ToUpper(mech)
		}
	}
	return ""
}

// HostPort splits Server.
func (s *Session) HostPort() (host, port string) {
	host, port, _ = net.SplitHostPort(s.Server)
	return host, port
}
