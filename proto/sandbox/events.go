package sandbox

import (
	"crypto/tls"
	"errors"
	"io"
	"os"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
)

// EventKind says what happened in a session.
type EventKind int

const (
	EventConnect      EventKind = iota // Text: "plain", "submission", "implicit TLS", "POP3"
	EventHelo                          // Text: the verb (HELO or EHLO) and the name, as the client sent it
	EventTLS                           // Text: the TLS version
	EventAuth                          // Text: the user who logged in
	EventMessage                       // Message: what was queued
	EventClose                         // Text: why the session ended
	EventClient                        // Text: a line the client sent (Config.Transcript)
	EventServer                        // Text: a line the server sent (Config.Transcript)
	EventPOP3Login                     // Text: who logged in over POP3
	EventPOP3Retrieve                  // Text: "RETR 1 (ID)" or "TOP 1 0 (ID)"
	EventPOP3Delete                    // Text: how many messages QUIT deleted
)

// Event is one thing that happened in a session, for a live log. Text
// is the client's own where it says so: whoever shows it must escape it.
// Secrets never reach an Event: AUTH's answers are withheld.
type Event struct {
	Session int64  // counts from 1 per Server
	Remote  string // the client's address
	Kind    EventKind
	Text    string
	Message *Message // EventMessage only; read-only
	// Commands and Messages count, at EventClose, the session's command
	// lines and queued messages.
	Commands, Messages int
}

// withheld stands for what a client sent that must not be shown: AUTH's
// initial responses and answers.
const withheld = "<secret withheld>"

// emit reports an event to Config.Events, if set.
func (s *session) emit(kind EventKind, text string) {
	if s.cfg.Events == nil {
		return
	}
	s.cfg.Events(Event{Session: s.id, Remote: s.raw.RemoteAddr().String(), Kind: kind, Text: text,
		Commands: s.commands, Messages: s.messages})
}

// traceClient reports a command line for the transcript, AUTH's
// credentials withheld.
func (s *session) traceClient(line string) {
	if !s.cfg.Transcript || s.cfg.Events == nil {
		return
	}
	verb, arg := proto.SplitVerb(strings.TrimLeft(line, " \t"))
	if strings.EqualFold(verb, "AUTH") {
		if mech, rest := proto.SplitVerb(strings.TrimSpace(arg)); rest != "" {
			line = verb + " " + mech + " " + withheld
		}
	}
	s.emit(EventClient, line)
}

// traceSecret reports an AUTH answer for the transcript: withheld, unless
// it is the "*" that cancels.
func (s *session) traceSecret(line string) {
	if line != "*" {
		line = withheld
	}
	if s.cfg.Transcript && s.cfg.Events != nil {
		s.emit(EventClient, line)
	}
}

// traceServer reports a reply line for the transcript.
func (s *session) traceServer(line string) {
	if s.cfg.Transcript && s.cfg.Events != nil {
		s.emit(EventServer, line)
	}
}

// listenerKind names how a session's connection came in.
func (s *session) listenerKind() string {
	switch {
	case s.tls:
		return "implicit TLS"
	case s.requireTLS:
		return "submission"
	}
	return "plain"
}

// closeReason says in a few words why the loop ended with err.
func closeReason(err error) string {
	switch {
	case errors.Is(err, errQuit):
		return "QUIT"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "timed out"
	case errors.Is(err, errHangup):
		return "hung up on the client"
	case errors.Is(err, errClosing):
		return "the sandbox is stopping"
	case errors.Is(err, io.EOF):
		return "the client hung up"
	}
	return err.Error()
}

func tlsVersion(c *tls.Conn) string { return tls.VersionName(c.ConnectionState().Version) }
