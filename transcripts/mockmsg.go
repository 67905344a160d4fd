package transcripts

import (
	"bytes"
	"fmt"
	"net/mail"
	"strings"
)

// Message is a message the mock accepted: its envelope and its bytes.
type Message struct {
	// Session is the connection it came on, from 1: connection n plays
	// session n of the recording.
	Session int `json:"session"`
	// MailFrom and RcptTo are the envelope's reverse-path and the
	// recipients answered 2xx, without angle brackets or parameters.
	MailFrom string   `json:"mail_from"`
	RcptTo   []string `json:"rcpt_to"`
	// AuthUser is the user that --user checked ("" when AUTH was not
	// checked); AuthMechanism the mechanism the client used, if any.
	AuthUser      string `json:"auth_user,omitempty"`
	AuthMechanism string `json:"auth_mechanism,omitempty"`
	// TLS says the message came under TLS (STARTTLS or implicit).
	TLS bool `json:"tls"`
	// Size is the message's size in bytes as received, unstuffed;
	// Truncated says Data holds only the first MaxMessage of them, or
	// none, when the session's report already held 256 MiB.
	Size      int64 `json:"size"`
	Truncated bool  `json:"truncated,omitempty"`
	// Data is the message as received: dot-unstuffed, lines ending in CRLF.
	Data []byte `json:"-"`
}

// Parse reads Data as an RFC 5322 message, for a test to look at its
// headers (Subject, To) and body; mime/multipart takes its parts.
func (m Message) Parse() (*mail.Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		return nil, fmt.Errorf("transcripts: a message of session %d: %w", m.Session, err)
	}
	return msg, nil
}

// envelope is what a session has accepted of the message under way.
type envelope struct {
	from  string
	rcpts []string
	mail  bool // a MAIL was answered 2xx
}

// maxRcpts bounds the recipients kept for one message (RFC 5321 section
// 4.5.3.1.8 asks a server to take 100).
const maxRcpts = 1000

// track takes what a command the mock answered with code means for the
// envelope; AUTH is the auth code's.
func (s *mockSession) track(verb, line string, code int) {
	ok := code >= 200 && code < 300
	switch verb {
	case "MAIL":
		if ok {
			s.env = envelope{from: pathArg(line), mail: true}
		}
	case "RCPT":
		if ok && s.env.mail && len(s.env.rcpts) < maxRcpts {
			s.env.rcpts = append(s.env.rcpts, pathArg(line))
		}
	case "RSET", "EHLO", "HELO", "LHLO":
		s.env = envelope{}
	}
}

// pathArg is the address of "MAIL FROM:<a@b> SIZE=1" or "RCPT TO:<a@b>".
func pathArg(line string) string {
	_, rest, ok := strings.Cut(line, ":")
	if !ok {
		return ""
	}
	rest = strings.TrimSpace(rest)
	if strings.HasPrefix(rest, "<") {
		if end := strings.IndexByte(rest, '>'); end > 0 {
			return rest[1:end]
		}
	}
	path, _ := cutField(rest)
	return path
}

// received keeps, or hands on, a message the mock accepted.
func (s *mockSession) received(data []byte, size int64, truncated bool) {
	msg := Message{Session: s.n, MailFrom: s.env.from, RcptTo: s.env.rcpts, AuthUser: s.authUser,
		AuthMechanism: s.authMech, TLS: s.tls, Size: size, Truncated: truncated, Data: data}
	s.env = envelope{}
	if s.m.cfg.OnMessage != nil {
		s.m.cfg.OnMessage(msg)
		return
	}
	if len(s.rep.Messages) >= maxKept {
		return
	}
	// A report holds at most maxReportBytes of message data: past it a
	// message keeps its envelope and loses its bytes.
	if s.keptBytes+len(data) > maxReportBytes {
		msg.Data, msg.Truncated = nil, true
	}
	s.keptBytes += len(msg.Data)
	s.rep.Messages = append(s.rep.Messages, msg)
}

// maxReportBytes bounds the message data one session's report keeps.
const maxReportBytes = 256 << 20

// compareBody holds a message against the recorded text, line by line
// as it went on the wire (dot-stuffed), each recorded line matched
// exactly or, when it is a C~ pattern, by its pattern. Only the first
// difference is reported, with the counts when they differ.
func (s *mockSession) compareBody(st step, data []byte, truncated bool) {
	if st.anyBody || len(st.body) == 0 || truncated {
		return // nothing recorded to hold it against, or not all of it kept
	}
	lines, want := bodyLines(data), recordedLines(st.body)
	for i, w := range want {
		if i >= len(lines) {
			break
		}
		if !s.bodyLineMatches(w, lines[i]) {
			s.note("step %d: message line %d is %s, recorded %s", s.i+1, i+1, quoteClip(trimEOL(lines[i]), maxShown), quoteClip(trimEOL(w.text), maxShown))
			return
		}
	}
	if len(lines) != len(want) {
		s.note("step %d: the message has %d line(s), the recording %d", s.i+1, len(lines), len(want))
	}
}

// bodyLine is a recorded message line: its wire bytes, or a pattern.
type bodyLine struct {
	text    string
	pattern bool
}

func (s *mockSession) bodyLineMatches(want bodyLine, wire string) bool {
	if want.pattern {
		return s.patterns.match(want.text, trimEOL(wire))
	}
	return want.text == wire
}

// recordedLines turns recorded message entries into wire lines: exact
// entries that split a line (or hold several) are joined and cut again at
// each CRLF, as the client's message is.
func recordedLines(body []Entry) []bodyLine {
	var out []bodyLine
	var pending []byte
	flush := func() {
		for _, l := range cutLines(pending) {
			out = append(out, bodyLine{text: l})
		}
		pending = pending[:0]
	}
	for _, e := range body {
		if e.Pattern {
			flush()
			out = append(out, bodyLine{text: e.Text, pattern: true})
			continue
		}
		pending = append(pending, e.Bytes()...)
	}
	flush()
	return out
}

// bodyLines cuts message data into its wire lines, dot-stuffed again, as
// a recording holds them.
func bodyLines(data []byte) []string {
	lines := cutLines(data)
	for i, l := range lines {
		if strings.HasPrefix(l, ".") {
			lines[i] = "." + l
		}
	}
	return lines
}

// cutLines cuts data after each CRLF; the last line may lack one.
func cutLines(data []byte) []string {
	var out []string
	for len(data) > 0 {
		line := data
		if i := bytes.Index(data, []byte("\r\n")); i >= 0 {
			line = data[:i+2]
		}
		data = data[len(line):]
		out = append(out, string(line))
	}
	return out
}
