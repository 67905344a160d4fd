package pop3d

import (
	"crypto/tls"
	"time"
)

// Message is one message of a maildrop. Data is as stored, lines ended by
// CRLF or LF alone; the server sends every line with CRLF and counts it so.
type Message struct {
	UID string // RFC 1939 §7 unique-id: 1 to 70 characters 0x21 to 0x7E
	// Trace is header lines delivery added (Return-Path, Received), sent
	// before Data: kept apart so a stored message is not copied per login.
	Trace []byte
	Data  []byte
}

// Maildrop is one user's mail for the length of a session.
type Maildrop interface {
	// Messages is the maildrop as it is at login; the session numbers
	// them from 1 in this order.
	Messages() []Message
	// Delete removes messages by UID, in the UPDATE state: only after QUIT
	// (RFC 1939 §6), never when the connection merely drops.
	Delete(uids []string)
}

// Backend decides logins.
type Backend interface {
	// Login returns user's maildrop when pass is right, else false.
	Login(user, pass string) (Maildrop, bool)
}

// EventKind says what happened in a session.
type EventKind int

const (
	EventConnect  EventKind = iota // Text: "POP3" or "POP3 implicit TLS"
	EventTLS                       // Text: the TLS version
	EventLogin                     // Text: the user
	EventRetrieve                  // Text: "RETR 1 (UID)" or "TOP 1 0 (UID)"
	EventDelete                    // Text: how many messages QUIT deleted
	EventClose                     // Text: why the session ended
	EventClient                    // Text: a line the client sent (Transcript); secrets withheld
	EventServer                    // Text: a response's first line (Transcript)
)

// Event is one thing that happened in a session, for a live log. Text is
// partly the client's: whoever shows it must escape it.
type Event struct {
	Kind     EventKind
	Text     string
	Commands int // command lines so far
}

// Config is a server's settings; zero fields take the defaults noted.
type Config struct {
	Greeting string      // after "+OK "; default "smtprepl POP3 ready."
	TLS      *tls.Config // offers STLS when set
	Backend  Backend
	// IdleTimeout bounds each read and write; default 10 minutes, RFC
	// 1939 §3's minimum for the autologout timer.
	IdleTimeout time.Duration
	// MaxCommands ends a session after that many command lines; default
	// 10 000, so one connection cannot keep the server busy without end.
	MaxCommands int
	// Events, when set, hears every session's events; it is called from
	// the session's goroutine and must be safe for concurrent use.
	Events func(Event)
	// Transcript adds every line to Events (EventClient, EventServer).
	Transcript bool
}

const (
	// maxLine bounds a command line as Dovecot's login process does
	// (its input buffer); RFC 2449 §4 asks for 255 octets at least.
	maxLine = 4096
	// Dovecot ends a session at the 4th unknown command before login
	// (CLIENT_MAX_BAD_COMMANDS 3) and at the 22nd after (20, counted
	// from 0, plus the one that trips it).
	maxBadBeforeLogin = 3
	maxBadAfterLogin  = 21
)

func (c Config) withDefaults() Config {
	if c.Greeting == "" {
		c.Greeting = "smtprepl POP3 ready."
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 10 * time.Minute
	}
	if c.MaxCommands <= 0 {
		c.MaxCommands = 10000
	}
	return c
}
