package sandbox

import (
	"fmt"
	"log"
	"time"
)

// Config says who the sandbox is and what it allows. Zero fields take the
// values of DefaultConfig, so Config{RequireTLS: true} is a complete
// submission-port sandbox.
type Config struct {
	Hostname string // in the greeting, EHLO, 421s and the certificate
	// Greeting is the text after "220 "; empty means
	// "<Hostname> ESMTP smtprepl sandbox".
	Greeting    string
	LocalDomain string              // the one domain delivered here
	Mailboxes   []string            // local parts with a mailbox
	Lists       map[string][]string // local part -> local parts, for EXPN
	Users       map[string]string   // AUTH user -> password
	// MailboxPassword is every mailbox's POP3 password: alice logs in as
	// alice with it and reads alice's mail. AUTH users log in with their
	// own and read every message.
	MailboxPassword string

	// RequireTLS makes a submission port (RFC 8314 §3.3 says submission
	// should be encrypted): AUTH is not offered before STARTTLS, and MAIL,
	// RCPT, DATA, BDAT, AUTH, VRFY and EXPN answer 530 until then.
	RequireTLS bool

	// Proxy makes plaintext listeners read a PROXY protocol header (v1 or
	// v2) before the greeting, as Postfix does with
	// smtpd_upstream_proxy_protocol = haproxy: the client is then the
	// address the header names. A connection without one is closed.
	Proxy bool

	MaxSize      int64 // message bytes (RFC 1870 SIZE)
	MaxLineBytes int   // one command line, ending excluded
	MaxErrors    int   // 4xx/5xx replies before "421 too many errors"
	// IdleTimeout bounds each read and each write, and also each line as a
	// whole, from its first byte to its end, so that dripping bytes does
	// not keep a session alive (Postfix's smtpd_per_request_deadline).
	IdleTimeout time.Duration
	// MinDataRate (bytes/s, Postfix's smtpd_min_data_rate) extends a BDAT
	// chunk's deadline: size/MinDataRate on top of IdleTimeout.
	MinDataRate int64
	MaxConns    int // concurrent sessions
	// MaxRecipients per transaction (Postfix's smtpd_recipient_limit);
	// as many again are refused with 452 before those refusals count
	// towards MaxErrors (smtpd_recipient_overshoot_limit).
	MaxRecipients int

	// MailboxMessages and MailboxBytes bound what the mailbox keeps, in
	// messages and in bytes of message data and envelopes (addresses and
	// parameters): a new message drops the oldest ones to make room, so a
	// long-running sandbox keeps taking mail. A message larger than
	// MailboxBytes is refused with 452 4.3.1.
	MailboxMessages int
	MailboxBytes    int64
	// InFlightBytes bounds the message bytes held for transactions in
	// progress, across all sessions: bodies, and envelopes. A body that
	// would take more is read to its end and dropped, and refused with
	// 452 4.3.1 (try again later), as is a RCPT. Each transaction's first
	// 64 KiB of body and of envelope do not wait for the budget, so small
	// messages get through while big ones hold it all. Keep it at least
	// MaxSize, or the biggest messages are refused for now every time.
	InFlightBytes int64

	// Greylist refuses the first RCPT of each (client IP, sender,
	// recipient) with 451 4.7.1, as a greylisting server does; a retry
	// is accepted.
	Greylist bool
	// Scenario behaviours (smtprepl sandbox --scenario), for lessons and
	// for testing how a client copes:
	// Drop421At answers 421 4.3.2 and closes at a stage instead of its
	// usual reply: "greeting", "ehlo", "mail", "rcpt", "data" or "dot".
	Drop421At string
	// RejectRcpt refuses the Nth RCPT of each transaction (1-based) with
	// 550 5.1.1, whoever it names; 0: none.
	RejectRcpt int
	// SlowBanner waits this long before the greeting; Tarpit before
	// every reply.
	SlowBanner, Tarpit time.Duration
	// AuthFailsOnce refuses each client address's first AUTH with 535
	// 5.7.8, even with the right password; a second try succeeds.
	AuthFailsOnce bool

	// LMTP serves LMTP (RFC 2033) instead of SMTP, as Dovecot's LMTP
	// server does: LHLO opens the session, HELO and EHLO are unknown
	// commands (500 5.5.1), and the end of a message gets one reply per
	// accepted recipient. OverQuota names the local parts whose mailbox
	// is full: their RCPT is accepted, and their delivery after the
	// message fails with 552 5.2.2, each on its own reply.
	LMTP      bool
	OverQuota []string

	// Maildir, when set, is a directory where every accepted message is
	// also written, one file per recipient mailbox in Maildir layout
	// (Maildir/<mailbox>/new/<unique>), after a Received: header of its own.
	Maildir string

	// Events, when set, hears what happens in every session, for a live
	// log: it is called from the sessions' goroutines, so it must be safe
	// for concurrent use, and quick, since the session waits for it.
	Events func(Event)
	// Transcript adds every line sent and received to Events (EventClient,
	// EventServer), AUTH's credentials withheld and message text summed up.
	Transcript bool

	// Clock stamps Message.Received and seeds CRAM-MD5 challenges; fix it
	// (and QueueID) and the same session gives the same transcript.
	Clock func() time.Time
	// SCRAMNonce makes the server's part of each SCRAM nonce; nil draws
	// a random one. Fix it (and Clock) for a reproducible transcript.
	SCRAMNonce func() string
	// QueueID names the n-th queued message (n counts from 1 per Server).
	QueueID func(n int) string
	// Logf reports what no client can be told: a session's panic, an
	// accept error. nil means the standard logger.
	Logf func(format string, args ...any)
}

// DefaultConfig is the practice server every lesson assumes.
func DefaultConfig() Config {
	return Config{
		Hostname:        "sandbox.smtprepl.test",
		LocalDomain:     "example.test",
		Mailboxes:       []string{"alice", "bob", "carol", "postmaster"},
		Lists:           map[string][]string{"staff": {"alice", "bob", "carol"}},
		Users:           map[string]string{"student": "secret"},
		MailboxPassword: "secret",
		MaxSize:         10 << 20,
		MaxLineBytes:    64 << 10,
		MaxErrors:       20, // Postfix's smtpd_hard_error_limit
		IdleTimeout:     5 * time.Minute,
		MinDataRate:     500,
		MaxConns:        100,
		MaxRecipients:   1000,
		MailboxMessages: 1000,
		MailboxBytes:    64 << 20,
		InFlightBytes:   64 << 20,
		Clock:           time.Now,
		QueueID:         PostfixQueueID,
	}
}

// LMTPConfig is the practice server speaking LMTP: DefaultConfig, plus
// a mailbox "full" that is over its quota.
func LMTPConfig() Config {
	c := DefaultConfig()
	c.LMTP = true
	c.Mailboxes = append(c.Mailboxes, "full")
	c.OverQuota = []string{"full"}
	return c
}

// PostfixQueueID is the default QueueID: 11 upper-case hex digits like
// Postfix's short ids. An odd multiplier is a bijection modulo 2^44, so ids
// never repeat within 2^44 messages yet do not read as a row number.
func PostfixQueueID(n int) string {
	return fmt.Sprintf("%011X", uint64(n)*0x9E3779B97F5%(1<<44))
}

// withDefaults fills zero fields from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	str := func(v *string, def string) {
		if *v == "" {
			*v = def
		}
	}
	str(&c.Hostname, d.Hostname)
	str(&c.LocalDomain, d.LocalDomain)
	if c.LMTP {
		str(&c.Greeting, c.Hostname+" LMTP smtprepl sandbox ready")
	}
	str(&c.MailboxPassword, d.MailboxPassword)
	str(&c.Greeting, c.Hostname+" ESMTP smtprepl sandbox")
	if c.Mailboxes == nil {
		c.Mailboxes = d.Mailboxes
	}
	if c.Lists == nil {
		c.Lists = d.Lists
	}
	if c.Users == nil {
		c.Users = d.Users
	}
	c.fillLimits(d)
	if c.Clock == nil {
		c.Clock = d.Clock
	}
	if c.QueueID == nil {
		c.QueueID = d.QueueID
	}
	if c.Logf == nil {
		c.Logf = log.Printf
	}
	return c
}

func (c *Config) fillLimits(d Config) {
	if c.MaxSize <= 0 {
		c.MaxSize = d.MaxSize
	}
	if c.MaxLineBytes <= 0 {
		c.MaxLineBytes = d.MaxLineBytes
	}
	if c.MaxErrors <= 0 {
		c.MaxErrors = d.MaxErrors
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = d.IdleTimeout
	}
	if c.MaxConns <= 0 {
		c.MaxConns = d.MaxConns
	}
	if c.MinDataRate <= 0 {
		c.MinDataRate = d.MinDataRate
	}
	if c.MaxRecipients <= 0 {
		c.MaxRecipients = d.MaxRecipients
	}
	if c.MailboxMessages <= 0 {
		c.MailboxMessages = d.MailboxMessages
	}
	if c.MailboxBytes <= 0 {
		c.MailboxBytes = d.MailboxBytes
	}
	if c.InFlightBytes <= 0 {
		c.InFlightBytes = d.InFlightBytes
	}
}
