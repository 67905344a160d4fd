package sandbox

import (
	"errors"
	"strconv"

	"github.com/smtprepl/smtprepl/proto"
)

func (s *session) cmdMail(arg string) error {
	if s.tx != nil {
		s.reply(503, ec(5, 5, 1), "Error: nested MAIL command")
		return nil
	}
	tx, size, refusal := parseMail(arg, s.srv.mailRules, s.cfg.MaxSize)
	if refusal == nil && !s.room(size) {
		c := noStorage()
		refusal = &c
	}
	if refusal != nil {
		s.send(*refusal)
		return nil
	}
	s.tx = tx
	tx.envelope = envelopeBytes(tx.from, tx.params, nil, nil)
	s.reply(250, ec(2, 1, 0), "Ok")
	return nil
}

// room reports whether a message of the declared size could be taken now:
// Postfix checks SIZE against its free queue space the same way.
func (s *session) room(size int64) bool {
	return s.srv.mailbox.Room(size) && s.srv.inflight.room(size)
}

// holdEnvelope counts n bytes more of envelope against the in-flight
// budget, beyond the first chunk's worth, or reports that it is spent.
func (s *session) holdEnvelope(n int64) bool {
	tx := s.tx
	need := int((tx.envelope + n - 1) / chunkBytes)
	for tx.envChunks < need {
		if !s.srv.inflight.reserve() {
			return false
		}
		tx.envChunks++
	}
	tx.envelope += n
	return true
}

// parseMail judges MAIL's argument in Postfix's order: path syntax,
// address syntax, parameters, SMTPUTF8, then the declared size.
func parseMail(arg string, rules map[string]paramRule, maxSize int64) (*transaction, int64, *canned) {
	addr, params, err := parsePath(arg, "FROM")
	if c := pathRefusal(err, "Syntax: MAIL FROM:<address>"); c != nil {
		return nil, 0, c
	}
	addr = stripRoute(addr)
	ascii, ok := checkAddress(addr)
	if err != nil || !ok && addr != "" { // "" is the null reverse-path <>
		return nil, 0, &canned{501, ec(5, 1, 7), "Bad sender address syntax"}
	}
	if c := checkParams(rules, params); c != nil {
		return nil, 0, c
	}
	tx := &transaction{from: addr, params: params, utf8: hasParam(params, "SMTPUTF8")}
	if !ascii && !tx.utf8 {
		return nil, 0, needUTF8()
	}
	var size int64
	if p, ok := (proto.Path{Params: params}).Lookup("SIZE"); ok {
		size, _ = parseSize(p.Value)
	}
	if size > maxSize {
		return nil, 0, &canned{552, ec(5, 3, 4), "Message size exceeds fixed limit"}
	}
	return tx, size, nil
}

// pathRefusal turns parsePath's error into Postfix's reply; bad address
// syntax gets the caller's code (5.1.7 sender, 5.1.3 recipient) later.
func pathRefusal(err error, syntax string) *canned {
	var pe *paramError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pe):
		return &canned{555, ec(5, 5, 4), "Unsupported option: " + clip(pe.text)}
	case errors.Is(err, errAddrSyntax):
		return nil
	}
	return &canned{501, ec(5, 5, 4), syntax}
}

func needUTF8() *canned {
	return &canned{553, ec(5, 6, 7), "Must declare SMTPUTF8 to send unicode address"}
}

func hasParam(params []proto.Param, key string) bool {
	_, ok := (proto.Path{Params: params}).Lookup(key)
	return ok
}

func (s *session) cmdRcpt(arg string) error {
	switch {
	case s.tx == nil:
		s.reply(503, ec(5, 5, 1), "Error: need MAIL command")
	case s.tx.chunks != nil:
		s.reply(503, ec(5, 5, 1), "Error: RCPT after BDAT")
	case len(s.tx.to) >= s.cfg.MaxRecipients:
		s.tooManyRecipients()
	default:
		addr, params, refusal := s.parseRcpt(arg)
		s.tx.rcptTried++
		if refusal == nil && s.cfg.RejectRcpt > 0 && s.tx.rcptTried == s.cfg.RejectRcpt {
			refusal = &canned{550, ec(5, 1, 1), "<" + clip(addr) + ">: Recipient address rejected: User unknown (scenario: RCPT number " + strconv.Itoa(s.cfg.RejectRcpt) + ")"}
		}
		if refusal == nil {
			_, refusal = s.srv.dir.lookup(addr, s.auth != "")
		}
		if refusal == nil && s.cfg.Greylist && s.srv.greylist.first(clientIP(s.remoteAddr()), s.tx.from, addr) {
			refusal = greylisted(addr)
		}
		if refusal == nil && !s.holdEnvelope(int64(len(addr))+paramBytes(params)) {
			c := noStorage()
			refusal = &c
		}
		if refusal != nil {
			s.send(*refusal)
			return nil
		}
		s.tx.to = append(s.tx.to, addr)
		s.tx.rcptParams = append(s.tx.rcptParams, params)
		s.reply(250, ec(2, 1, 5), "Ok")
	}
	return nil
}

// tooManyRecipients refuses a RCPT over MaxRecipients with 452, which
// RFC 5321 §4.5.3.1.10 says the client must take as "try the rest later":
// it may still send DATA for those accepted. As Postfix does, the first
// MaxRecipients such refusals do not count towards MaxErrors, so a big
// pipelined batch is not taken for abuse; after them, each one does.
func (s *session) tooManyRecipients() {
	if s.tx.overshoot < s.cfg.MaxRecipients {
		s.tx.overshoot++
		s.tell(452, ec(4, 5, 3), "Error: too many recipients")
		return
	}
	s.reply(452, ec(4, 5, 3), "Error: too many recipients")
}

// parseRcpt returns the recipient qualified with the local domain.
func (s *session) parseRcpt(arg string) (string, []proto.Param, *canned) {
	addr, params, err := parsePath(arg, "TO")
	addr = stripRoute(addr)
	if c := pathRefusal(err, "Syntax: RCPT TO:<address>"); c != nil {
		return "", nil, c
	}
	ascii, ok := checkAddress(addr)
	if !ok || err != nil {
		return "", nil, &canned{501, ec(5, 1, 3), "Bad recipient address syntax"}
	}
	if c := checkParams(s.srv.rcptRules, params); c != nil {
		return "", nil, c
	}
	if !ascii && !s.tx.utf8 {
		return "", nil, needUTF8()
	}
	return s.srv.dir.qualify(addr), params, nil
}

// cmdVrfy follows Postfix's answers (testdata/real-replies-stateful.md).
func (s *session) cmdVrfy(arg string) error {
	addr, given, smtputf8, ok := verifyArg(arg)
	ascii, valid := checkAddress(addr)
	switch {
	case !ok:
		s.reply(501, ec(5, 5, 4), "Syntax: VRFY address [SMTPUTF8]")
	case !valid:
		s.reply(501, ec(5, 1, 3), "Bad recipient address syntax")
	case !ascii && !smtputf8:
		s.send(*needUTF8())
	default:
		s.verify(addr, given)
	}
	return nil
}

// verify answers 252 2.0.0, the address as given, where RCPT TO would be
// accepted, and RCPT's refusal elsewhere, as Postfix does: so 252 means
// "would be accepted" for every address, and the hints and the mistakes
// lesson can say so. A bare name is qualified first, as RCPT qualifies it.
func (s *session) verify(addr, given string) {
	if _, refusal := s.srv.dir.lookup(s.srv.dir.qualify(addr), s.auth != ""); refusal != nil {
		s.send(*refusal)
		return
	}
	s.reply(252, ec(2, 0, 0), clip(given))
}

// cmdExpn is ours alone (Postfix has no EXPN): lessons use it to show a
// multi-line reply. Bare names are qualified, so "EXPN staff" works.
func (s *session) cmdExpn(arg string) error {
	addr, _, smtputf8, ok := verifyArg(arg)
	ascii, valid := checkAddress(addr)
	switch {
	case !ok:
		s.reply(501, ec(5, 5, 4), "Syntax: EXPN address")
	case !valid:
		s.reply(501, ec(5, 1, 3), "Bad recipient address syntax")
	case !ascii && !smtputf8:
		s.send(*needUTF8())
	default:
		members, refusal := s.srv.dir.lookup(s.srv.dir.qualify(addr), s.auth != "")
		if refusal != nil {
			s.send(*refusal)
			return nil
		}
		lines := make([]string, len(members))
		for i, m := range members {
			lines[i] = "<" + m + ">"
		}
		s.reply(250, ec(2, 0, 0), lines...)
	}
	return nil
}
