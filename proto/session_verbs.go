package proto

import "strings"

// dialect says which protocol a verb belongs to.
type dialect uint8

const (
	anyDialect dialect = iota
	smtpOnly
	lmtpOnly // RFC 2033 §4.1: LHLO replaces HELO and EHLO
)

// sessionVerb is what the session model knows about one command.
type sessionVerb struct {
	name    string
	ext     string // the EHLO keyword it needs, "" for base verbs
	dialect dialect
	hello   bool // HELO, EHLO, LHLO
	// wait: the reply must be read before more is sent (RFC 2920 §3.1,
	// and STARTTLS, AUTH and BDAT, whose replies change what comes next).
	wait bool
	// ambiguous: an answer to AUTH can be spelt the same ("TURN" is the
	// base64 of "MDM"), so the word never marks a line as a command.
	ambiguous bool
	legal     func(s *Session) bool // nil: whenever commands are taken
	after     func(s *Session, line string, r *Reply)
}

// sessionVerbs is in the order a session usually needs them.
var sessionVerbs = []sessionVerb{
	{name: "EHLO", dialect: smtpOnly, hello: true, wait: true, after: afterEHLO},
	{name: "HELO", dialect: smtpOnly, hello: true, wait: true, after: afterHELO},
	{name: "LHLO", dialect: lmtpOnly, hello: true, wait: true, after: afterEHLO},
	{name: "STARTTLS", ext: "STARTTLS", wait: true, legal: canStartTLS, after: afterSTARTTLS},
	{name: "AUTH", ext: "AUTH", wait: true, legal: canAuth, after: afterAUTH},
	{name: "MAIL", legal: canMail, after: afterMAIL},
	{name: "RCPT", legal: canRcpt, after: afterRCPT},
	{name: "DATA", wait: true, legal: canData, after: afterDATA},
	{name: "BDAT", ext: "CHUNKING", wait: true, legal: canBDAT, after: afterBDAT},
	{name: "RSET", after: afterRSET},
	{name: "VRFY", wait: true},
	{name: "EXPN", wait: true},
	{name: "HELP"},
	{name: "NOOP", wait: true},
	{name: "QUIT", wait: true, after: afterQUIT},
	// RFC 5321 §F.1: TURN is obsolete, never to be sent.
	{name: "TURN", wait: true, ambiguous: true, legal: func(*Session) bool { return false }},
	{name: "ETRN", ext: "ETRN", legal: canMail},
	// Postfix's XCLIENT answers with a new 220 greeting; XFORWARD with 250.
	{name: "XCLIENT", ext: "XCLIENT", wait: true, legal: canMail, after: afterXCLIENT},
	{name: "XFORWARD", ext: "XFORWARD", legal: canMail},
}

// lookupVerb finds a verb case-insensitively, without allocating.
func lookupVerb(name string) (*sessionVerb, bool) {
	if name == "" {
		return nil, false
	}
	for i := range sessionVerbs {
		v := sessionVerbs[i].name
		// The first letter, either case, rules out most verbs cheaply.
		if len(v) == len(name) && v[0]|0x20 == name[0]|0x20 && strings.EqualFold(v, name) {
			return &sessionVerbs[i], true
		}
	}
	return nil, false
}

// verbOf is a line's verb, as typed, split as a server splits it.
func verbOf(line string) string {
	verb, _ := SplitVerb(line)
	return verb
}

// LooksLikeCommand reports whether a client line reads as an SMTP command
// rather than an AUTH answer: its verb ([SplitVerb]) is a known one, spelt
// in capitals, lower case or capitalised. Base64 has no spaces or tabs,
// and the base64 of ASCII text never spells one of these words (TURN,
// which does, is left out).
func LooksLikeCommand(line string) bool {
	word := verbOf(line)
	v, ok := lookupVerb(word)
	if !ok || v.ambiguous {
		return false
	}
	upper := v.name
	return word == upper || isLowerOf(word, upper, 0) || word[0] == upper[0] && isLowerOf(word, upper, 1)
}

// isLowerOf reports whether word[from:] is upper[from:] in lower case.
func isLowerOf(word, upper string, from int) bool {
	for i := from; i < len(word); i++ {
		if word[i] != upper[i]+('a'-'A') {
			return false
		}
	}
	return true
}

func canStartTLS(s *Session) bool { return !s.tls && !s.inTransaction() }
func canMail(s *Session) bool     { return s.hello != "" && !s.inTransaction() }
func canRcpt(s *Session) bool     { return s.phase == PhaseMail && !s.txn.chunked }

func canAuth(s *Session) bool {
	return !s.auth.done && !s.inTransaction() && offersMechanism(s.caps)
}

// canData: DATA needs an accepted recipient (RFC 5321 §3.3) and no BDAT
// in the same transaction (RFC 3030 §2).
func canData(s *Session) bool {
	return s.phase == PhaseMail && len(s.txn.rcpts) > 0 && !s.txn.chunked
}

// canBDAT: after a refused chunk no more may follow (RFC 3030 §2).
func canBDAT(s *Session) bool {
	return s.inTransaction() && len(s.txn.rcpts) > 0 && !s.txn.failed
}

// offersMechanism reports whether an AUTH line names a mechanism, without
// building the list.
func offersMechanism(c *Capabilities) bool {
	if c == nil {
		return false
	}
	for _, cap := range c.List {
		if cap.Keyword == "AUTH" && len(cap.Params) > 0 {
			return true
		}
	}
	return false
}

// afterEHLO: the hello resets any transaction, as RSET does (RFC 5321
// §4.1.4); EHLO and LHLO bring the capabilities.
func afterEHLO(s *Session, line string, r *Reply) {
	if r.Code != 250 {
		return
	}
	verb := strings.ToUpper(verbOf(line))
	if verb == "LHLO" && !s.lmtp {
		// Only an LMTP server accepts LHLO (RFC 2033 §4.1): from here on
		// the end of a message gets a reply per recipient.
		s.lmtp, s.lmtpLearnt = true, true
	}
	s.helloDone(verb, ParseEHLO(r))
}

func afterHELO(s *Session, _ string, r *Reply) {
	if r.Code == 250 {
		s.helloDone("HELO", &Capabilities{})
	}
}

func (s *Session) helloDone(verb string, caps *Capabilities) {
	s.hello, s.caps = verb, caps
	s.endTransaction()
}

// afterSTARTTLS: after 220 the client must forget what it knew and greet
// again once TLS is up (RFC 3207 §4.2).
func afterSTARTTLS(s *Session, _ string, r *Reply) {
	if r.Code != 220 {
		return
	}
	s.capsPre, s.caps, s.hello, s.auth = s.caps, nil, "", authState{}
	s.endTransaction()
	s.phase = PhaseHandshake
}

// afterXCLIENT: Postfix answers with a new greeting and starts afresh.
func afterXCLIENT(s *Session, _ string, r *Reply) {
	if r.Code == 220 {
		s.caps, s.hello, s.auth = nil, "", authState{}
		s.endTransaction()
	}
}

// afterMAIL opens a transaction (RFC 5321 §4.1.1.2).
func afterMAIL(s *Session, line string, r *Reply) {
	if r.Class() != 2 {
		return
	}
	s.txn = transaction{rcpts: s.txn.rcpts[:0], sender: pathOf(line), body8bit: declares8Bit(line)}
	s.phase = PhaseMail
}

// afterRCPT counts an accepted recipient, in a transaction only.
func afterRCPT(s *Session, line string, r *Reply) {
	if r.Class() == 2 && s.phase == PhaseMail {
		s.txn.rcpts = append(s.txn.rcpts, pathOf(line))
	}
}

// afterDATA: 354 opens message text; anything else refuses it, and the
// text the client holds belongs to the refused command.
func afterDATA(s *Session, _ string, r *Reply) {
	if r.Code == 354 {
		s.phase = PhaseData
		return
	}
	s.skip = skipText
}

// afterBDAT: a chunk without LAST keeps the transaction open for more;
// LAST ends it (in LMTP, after one reply per recipient); a refused chunk
// fails the transaction (RFC 3030 §2).
func afterBDAT(s *Session, line string, r *Reply) {
	if s.phase != PhaseMail && s.phase != PhaseChunking {
		return
	}
	s.txn.chunked = true
	last := isBDATLast(line)
	switch {
	case last && s.lmtp:
		s.phase, s.due = PhaseDelivery, s.deliveryReplies()
		s.feedDelivery(line, r)
	case r.Class() != 2:
		s.txn.failed, s.phase = true, PhaseMail
	case last:
		s.endTransaction()
	default:
		s.phase = PhaseChunking
	}
}

func afterRSET(s *Session, _ string, r *Reply) {
	if r.Class() == 2 {
		s.endTransaction()
	}
}

func afterQUIT(s *Session, _ string, r *Reply) {
	if r.Code == 221 {
		s.phase = PhaseClosed
	}
}

// isBDATLast reports whether line is "BDAT size LAST" (RFC 3030 §2).
func isBDATLast(line string) bool {
	verb, rest := SplitVerb(line)
	if !strings.EqualFold(verb, "BDAT") {
		return false
	}
	_, last := SplitVerb(rest) // past the size
	return strings.EqualFold(strings.TrimSpace(last), "LAST")
}

// pathOf is the address between the angle brackets of MAIL FROM or RCPT
// TO, a slice of line; "" for the null path or when there is none.
func pathOf(line string) string {
	start := strings.IndexByte(line, '<')
	if start < 0 {
		return ""
	}
	end := strings.IndexByte(line[start:], '>')
	if end < 0 {
		return ""
	}
	return line[start+1 : start+end]
}

// declares8Bit finds BODY=8BITMIME (RFC 6152) or BODY=BINARYMIME
// (RFC 3030) among MAIL's parameters, without allocating.
func declares8Bit(line string) bool {
	end := strings.LastIndexByte(line, '>')
	for rest := line[end+1:]; rest != ""; {
		var word string
		word, rest, _ = strings.Cut(strings.TrimLeft(rest, " "), " ")
		key, value, _ := strings.Cut(word, "=")
		if strings.EqualFold(key, "BODY") && (strings.EqualFold(value, "8BITMIME") || strings.EqualFold(value, "BINARYMIME")) {
			return true
		}
	}
	return false
}
