package transcripts

import (
	"slices"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
)

// wireModel is a [proto.Session] fed a recording's wire lines one by one,
// the way they crossed: where the dialogue stands is the model's to say,
// not the splitter's, replay's or mock's. A recording may start after the
// greeting, go on past a STARTTLS without saying that TLS came up, or
// hold a second connection after a close; the model is told what the
// recording takes for granted.
type wireModel struct {
	s    proto.Session
	code int      // the code of the reply still open
	raw  []string // its lines, at most maxModelLines of them
	text []string // their text after the code
	open bool     // the last server line was "ddd-"
	// waiting counts lines sent and not yet answered, roughly (an LMTP
	// "." gets several replies): past maxWaiting, which no real
	// pipelining reaches, the model is told no more lines, so that a file
	// of a million unanswered commands does not make it keep them.
	waiting int
}

// maxModelLines bounds the lines of one reply the model is shown: an
// EHLO reply needs a few dozen, and a file may hold a million.
const maxModelLines = 256

// client feeds a client line and returns what it was.
func (m *wireModel) client(e Entry) proto.Role { return m.clientLine(lineText(e), dataEnd(e)) }

// clientLine feeds a client line's text; end says, inside message text,
// that it is the lone "." that ends it (as the wire has it: a "." that
// ends in a bare LF does not).
func (m *wireModel) clientLine(text string, end bool) proto.Role {
	switch m.s.Phase() {
	case proto.PhaseConnected, proto.PhaseClosed:
		m.s.Restart()
		m.s.Greeting(&proto.Reply{Code: 220}) // the recording starts mid-dialogue
	case proto.PhaseHandshake:
		m.s.TLSEstablished() // the recording went on, so the handshake was done
	case proto.PhaseData:
		if end {
			return m.send(".")
		}
		return proto.RoleText // text moves nothing on: no copy, no call
	}
	if m.waiting >= maxWaiting {
		return proto.RoleCommand
	}
	return m.send(text)
}

// clone is an independent copy, to ask what a line would do.
func (m *wireModel) clone() wireModel {
	c := *m
	c.s = *m.s.Clone()
	c.raw, c.text = slices.Clone(m.raw), slices.Clone(m.text)
	return c
}

// send feeds a line that gets a reply.
func (m *wireModel) send(line string) proto.Role {
	m.waiting++
	return m.s.Send(line)
}

// server feeds a server line; the reply goes to the model when its last
// line comes, and done says so.
func (m *wireModel) server(e Entry) (phase proto.Phase, done bool) { return m.serverLine(lineText(e)) }

// serverLine feeds a server line's text, without its line ending.
func (m *wireModel) serverLine(text string) (phase proto.Phase, done bool) {
	rl := parseReplyLine(text)
	if !m.open {
		m.code, m.raw, m.text = rl.code, m.raw[:0], m.text[:0]
	}
	if len(m.raw) < maxModelLines {
		text = strings.Clone(text) // the model may keep it: not a slice of a big entry
		m.raw, m.text = append(m.raw, text), append(m.text, replyText(text))
	}
	if m.open = rl.more; m.open {
		return m.s.Phase(), false
	}
	return m.receive(), true
}

func (m *wireModel) receive() proto.Phase {
	m.waiting = max(0, m.waiting-1)
	return m.s.Receive(&proto.Reply{Code: m.code, Lines: m.text, Raw: m.raw})
}

// finish ends a reply whose last lines a bounded reader left out.
func (m *wireModel) finish() proto.Phase {
	if !m.open {
		return m.s.Phase()
	}
	m.open = false
	return m.receive()
}

// event feeds an event line: one that says TLS came up ends a handshake.
func (m *wireModel) event(e Entry) {
	if tlsEvent(e) && m.s.Phase() == proto.PhaseHandshake {
		m.s.TLSEstablished()
	}
}

// replyText is a reply line's text after its code and separator.
func replyText(line string) string {
	if len(line) < 4 {
		return ""
	}
	return line[4:]
}
