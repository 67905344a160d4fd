package proto

import "slices"

// Session is where one SMTP or LMTP dialogue stands, seen from the client:
// the one answer to "what may be sent next, and what does this line mean"
// for the prompt, completion, script mode, pipelining, lessons, replay and
// mock. It is fed what crossed the wire: a sent line and the reply to it
// ([Session.Feed]), in the order the replies arrived, or the lines and
// replies one by one as they crossed ([Session.Send], [Session.Receive]),
// plus the events that are not replies ([Session.TLSEstablished],
// [Session.ConnectionClosed], [Session.MarkOutOfStep]). It never does
// I/O, and it keeps no secret: of the AUTH lines only the user name
// survives.
//
// The zero value is an SMTP session whose greeting is still to come.
type Session struct {
	lmtp bool
	// lmtpLearnt: LMTP was learnt from an LHLO answered 250, not asked
	// for; the next connection may be to a server that speaks SMTP.
	lmtpLearnt bool
	phase      Phase
	resume     Phase // the phase an AUTH exchange returns to
	greeting   int
	hello      string // the verb answered 250: "EHLO", "HELO", "LHLO"
	caps       *Capabilities
	capsPre    *Capabilities // the capabilities before STARTTLS
	tls        bool
	auth       authState
	txn        transaction
	due        int // replies still due to the end of the message
	skip       skipState
	outOfStep  string
	owed       []owedLine // Send's lines still owed replies, from head on
	head       int
}

// Phase names where the session stands: what the next line may be.
type Phase uint8

const (
	PhaseConnected Phase = iota // the greeting is not read yet
	PhaseGreeted                // greeted: HELO or EHLO (LHLO) is due
	PhaseReady                  // the hello was answered 250; no transaction
	PhaseMail                   // MAIL accepted: RCPT, then DATA or BDAT
	PhaseData                   // DATA answered 354: lines are message text up to "."
	PhaseChunking               // a BDAT without LAST accepted: more chunks due
	PhaseDelivery               // the message ended: its reply (LMTP: one per recipient) is due
	PhaseAuth                   // AUTH answered 334: the next line is an answer
	PhaseHandshake              // STARTTLS answered 220: the TLS handshake and nothing else
	PhaseRefused                // the greeting refused the session: only QUIT (RFC 5321 §3.1)
	PhaseClosed                 // 221, 421 or a dropped connection
)

var phaseNames = [...]string{"connected", "greeted", "ready", "mail", "data", "chunking",
	"delivery", "auth", "handshake", "refused", "closed"}

func (p Phase) String() string {
	if int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return "phase?"
}

// Role is what a client line is, in the phase the session stands in.
type Role uint8

const (
	RoleCommand       Role = iota // an SMTP command: it gets a reply
	RoleText                      // message text after DATA's 354: no reply
	RoleEndOfData                 // the lone "." that ends message text
	RoleAnswer                    // an answer to AUTH's 334
	RoleRefusedText               // message text of a refused DATA, up to and with its ".": never send it
	RoleRefusedAnswer             // an answer-like line after an AUTH exchange ended: never send it
	RoleNone                      // nothing may be sent now: see the phase
)

var roleNames = [...]string{"command", "text", "end of data", "answer", "refused text", "refused answer", "none"}

func (r Role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return "role?"
}

// skipState follows the lines that belong to a refused command (or to an
// AUTH exchange that is over): a caller that reads ahead, as script mode
// does, must not send them as commands.
type skipState uint8

const (
	skipNone skipState = iota
	skipText
	skipAnswers
)

// transaction is the mail transaction under way (RFC 5321 §3.3).
type transaction struct {
	sender   string   // a slice of the MAIL line: no copy
	rcpts    []string // accepted, in order; reused between transactions
	body8bit bool     // BODY=8BITMIME or BINARYMIME (RFC 6152, RFC 3030)
	chunked  bool     // some BDAT was sent: no RCPT or DATA any more (RFC 3030 §2)
	failed   bool     // a BDAT was refused: no more chunks (RFC 3030 §2)
}

// NewLMTPSession is a session that speaks LMTP (RFC 2033): LHLO instead of
// EHLO, and one reply per accepted recipient after the message.
func NewLMTPSession() *Session { return &Session{lmtp: true} }

// Restart forgets the connection and expects a new greeting, keeping the
// dialect asked for (not one learnt from the server): a reconnect.
func (s *Session) Restart() {
	rcpts := s.txn.rcpts[:0]
	*s = Session{lmtp: s.lmtp && !s.lmtpLearnt}
	s.txn.rcpts = rcpts
}

// Clone is an independent copy of the session, to ask what a line would
// do without doing it to s.
func (s *Session) Clone() *Session {
	c := *s
	c.txn.rcpts = slices.Clone(s.txn.rcpts)
	c.owed = slices.Clone(s.owed)
	return &c
}

// LMTP reports whether the session speaks LMTP: asked for
// ([NewLMTPSession]), or learnt when the server answered LHLO with 250.
func (s *Session) LMTP() bool { return s.lmtp }

// Phase is where the session stands.
func (s *Session) Phase() Phase { return s.phase }

// Capabilities is what the last EHLO or LHLO advertised: nil before one
// and after STARTTLS (RFC 3207 §4.2), empty after HELO.
func (s *Session) Capabilities() *Capabilities { return s.caps }

// CapabilitiesBeforeTLS is what was advertised before STARTTLS, for the
// difference the new EHLO shows; nil when no STARTTLS happened.
func (s *Session) CapabilitiesBeforeTLS() *Capabilities { return s.capsPre }

// Recipients lists the accepted recipients of the open transaction, or,
// while an LMTP delivery's replies are read, of the message being
// delivered, in the order of their replies (RFC 2033 §4.2). The slice is
// the session's own: read it, do not keep it.
func (s *Session) Recipients() []string { return s.txn.rcpts }

// Greeting feeds the server's greeting.
func (s *Session) Greeting(r *Reply) Phase { return s.Feed("", r) }

// TLSEstablished records a finished TLS handshake: after STARTTLS the
// session starts afresh and EHLO is due again (RFC 3207 §4.2); with
// implicit TLS it happens before the greeting.
func (s *Session) TLSEstablished() {
	s.tls = true
	s.forgetOwed()
	if s.phase == PhaseHandshake {
		s.phase = PhaseGreeted
	}
}

// ConnectionClosed records that the connection is gone.
func (s *Session) ConnectionClosed() {
	s.phase = PhaseClosed
	s.forgetOwed()
}

// MarkOutOfStep records why replies may no longer answer the commands
// they seem to (a malformed reply, an abandoned wait): a late reply may
// be taken for the answer to the next command. Restart clears it.
func (s *Session) MarkOutOfStep(why string) { s.outOfStep = why }

// EndData records that the lone "." ending message text went out; its
// reply may come after commands pipelined behind it (RFC 2920 §3.1).
// Feeding the "." does this by itself.
func (s *Session) EndData() {
	if s.phase == PhaseData {
		s.phase, s.due = PhaseDelivery, s.deliveryReplies()
	}
}

// deliveryReplies is how many replies the end of a message gets: one, or
// in LMTP one per accepted recipient (RFC 2033 §4.2). A server that let
// DATA through without one still owes an answer, hence at least one.
func (s *Session) deliveryReplies() int {
	if s.lmtp {
		return max(1, len(s.txn.rcpts))
	}
	return 1
}

// Feed moves the session on by a line the client sent and the reply to
// it, and returns the phase it then stands in, which says what the
// caller must do: PhaseData, send message text; PhaseAuth, send an
// answer; PhaseHandshake, start TLS at once; PhaseDelivery, read another
// reply; PhaseClosed, hang up. Lines that get no reply (message text) are
// not fed. Replies must be fed in the order they arrived; with
// pipelining that is the order the lines were sent.
func (s *Session) Feed(line string, r *Reply) Phase {
	if r == nil {
		return s.phase
	}
	if r.Code == 421 { // RFC 5321 §3.8: the server is closing the channel
		if s.phase == PhaseConnected {
			s.greeting = r.Code
		}
		s.phase = PhaseClosed
	} else {
		feeders[s.phase](s, line, r)
	}
	if s.phase == PhaseClosed {
		s.forgetOwed() // a closed connection answers nothing more
	}
	return s.phase
}

// feeders handle a reply by the phase it arrives in.
var feeders = [...]func(s *Session, line string, r *Reply){
	PhaseConnected: (*Session).feedGreeting,
	PhaseGreeted:   (*Session).feedCommand,
	PhaseReady:     (*Session).feedCommand,
	PhaseMail:      (*Session).feedCommand,
	PhaseData:      (*Session).feedEndOfData,
	PhaseChunking:  (*Session).feedCommand,
	PhaseDelivery:  (*Session).feedDelivery,
	PhaseAuth:      (*Session).feedAnswer,
	PhaseHandshake: (*Session).feedBeforeHandshake,
	PhaseRefused:   (*Session).feedCommand,
	PhaseClosed:    func(*Session, string, *Reply) {},
}

// feedGreeting takes the first reply: 220 opens the session; 554 (or any
// 4xx/5xx) refuses it, and only QUIT is left (RFC 5321 §3.1).
func (s *Session) feedGreeting(_ string, r *Reply) {
	s.greeting = r.Code
	s.phase = PhaseGreeted
	if r.Class() != 2 {
		s.phase = PhaseRefused
	}
}

func (s *Session) feedCommand(line string, r *Reply) {
	s.skip = skipNone // a command went out: the script moved on
	if v, ok := lookupVerb(verbOf(line)); ok && v.after != nil {
		v.after(s, line, r)
	}
}

// feedEndOfData takes a reply that arrives inside message text: it can
// only answer the end of the message.
func (s *Session) feedEndOfData(line string, r *Reply) {
	s.EndData()
	s.feedDelivery(line, r)
}

// feedDelivery counts the replies to the end of a message; with the last
// the transaction is over, accepted or not (RFC 5321 §4.1.1.4).
func (s *Session) feedDelivery(_ string, _ *Reply) {
	if s.due--; s.due > 0 {
		return
	}
	s.due = 0
	s.endTransaction()
}

// feedBeforeHandshake takes a reply to a line sent where only the TLS
// handshake could go: the session no longer knows what answers what.
func (s *Session) feedBeforeHandshake(string, *Reply) {
	s.outOfStep = "a line sent where the TLS handshake was due"
}

// endTransaction clears the transaction (RFC 5321 §4.1.1.5, §4.1.4) and
// stands between transactions, or before the hello when none was made.
func (s *Session) endTransaction() {
	s.txn = transaction{rcpts: s.txn.rcpts[:0]}
	if s.phase == PhaseRefused && s.hello == "" {
		return // a refused session stays refused until a hello is accepted
	}
	s.phase = PhaseReady
	if s.hello == "" {
		s.phase = PhaseGreeted
	}
}

// Role says what line is, were it sent now. The refused roles speak to a
// reader of lines written ahead, a script: a person at the prompt or a
// lesson step saw the refusal, and what they type next is a command, as
// [Session.Send] and [Session.Feed] take it.
func (s *Session) Role(line string) Role {
	switch s.phase {
	case PhaseConnected, PhaseHandshake, PhaseClosed:
		return RoleNone
	case PhaseData:
		if line == "." {
			return RoleEndOfData
		}
		return RoleText
	case PhaseAuth:
		return RoleAnswer
	}
	return s.commandRole(line)
}

func (s *Session) commandRole(line string) Role {
	switch {
	case s.skip == skipText:
		return RoleRefusedText
	case s.skip == skipAnswers && !LooksLikeCommand(line):
		return RoleRefusedAnswer
	}
	return RoleCommand
}

// Skip records that a line Role called refused was not sent: the lone "."
// ends a refused message's text. Answer-like lines after an AUTH exchange
// stay refused until a command is fed.
func (s *Session) Skip(line string) {
	if s.skip == skipText && line == "." {
		s.skip = skipNone
	}
}

// MustWait reports whether the client must read the reply to line before
// sending anything more. Without PIPELINING every reply is waited for
// (RFC 2920 §3.1: a client pipelines only when the server offered it);
// with it, the commands whose reply changes what comes next end a group:
// EHLO, HELO, DATA, VRFY, EXPN, TURN, QUIT, NOOP (RFC 2920 §3.1), and
// LHLO, STARTTLS, AUTH, BDAT. Message text needs no wait, nor does its
// "." under PIPELINING: "the actual transfer of message content is
// explicitly allowed to be the first command in a group".
func (s *Session) MustWait(line string) bool {
	switch {
	case s.phase == PhaseData:
		return line == "." && !s.caps.Pipelining()
	case s.phase == PhaseAuth, !s.takesCommands(), !s.caps.Pipelining():
		return true
	}
	v, ok := lookupVerb(verbOf(line))
	return ok && v.wait
}

// Expect is how many replies line gets, were it sent now: none for
// message text and for lines that must not be sent, one per accepted
// recipient for the end of an LMTP message (RFC 2033 §4.2), else one.
func (s *Session) Expect(line string) int {
	switch s.Role(line) {
	case RoleText, RoleRefusedText, RoleRefusedAnswer, RoleNone:
		return 0
	case RoleEndOfData:
		return s.deliveryReplies()
	case RoleCommand:
		if s.lmtp && isBDATLast(line) {
			return s.deliveryReplies()
		}
	}
	return 1
}

// takesCommands reports whether the next line is an SMTP command. Behind
// the end of a message commands may already go (RFC 2920 §3.1).
func (s *Session) takesCommands() bool {
	switch s.phase {
	case PhaseGreeted, PhaseReady, PhaseMail, PhaseChunking, PhaseDelivery, PhaseRefused:
		return true
	}
	return false
}

// inTransaction reports whether a transaction is open for the commands
// still to come: behind the end of a message it is over.
func (s *Session) inTransaction() bool {
	return s.phase == PhaseMail || s.phase == PhaseChunking
}

// Legal reports whether verb (any case) is a legal next command by the
// sequence rules of RFC 5321 §4.1.4 and of the extensions the server
// offered: STARTTLS once, before TLS (RFC 3207 §4); AUTH once, outside a
// transaction (RFC 4954 §4); BDAT with CHUNKING and not after DATA
// (RFC 3030 §2); LHLO in LMTP instead of HELO and EHLO (RFC 2033 §4.1).
// An unknown verb is never legal: it is the server's to refuse.
func (s *Session) Legal(verb string) bool {
	v, ok := lookupVerb(verb)
	return ok && s.legal(v)
}

func (s *Session) legal(v *sessionVerb) bool {
	if !s.takesCommands() {
		return false
	}
	if s.phase == PhaseRefused {
		return v.name == "QUIT"
	}
	if v.dialect != anyDialect && (v.dialect == lmtpOnly) != s.lmtp {
		return false
	}
	if v.ext != "" && !s.caps.Has(v.ext) {
		return false
	}
	return v.legal == nil || v.legal(s)
}

// Suggest reports whether Tab should offer verb now: legal, and a step
// forward. EHLO inside a transaction is legal (it resets it, RFC 5321
// §4.1.4) but never the step one is looking for.
func (s *Session) Suggest(verb string) bool {
	v, ok := lookupVerb(verb)
	return ok && s.legal(v) && !(v.hello && s.inTransaction())
}
