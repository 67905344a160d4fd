package sandbox

import (
	"strings"

	"github.com/smtprepl/smtprepl/proto"
)

// lmtpCommands turns the SMTP table into LMTP's (RFC 2033 §4.1): LHLO
// instead of HELO and EHLO, which Dovecot's LMTP server does not know
// (500 5.5.1), so neither do we, with a reason a newcomer can use.
func lmtpCommands(t map[string]command) {
	unknown := func(verb string) command {
		return command{run: func(s *session, _ string) error {
			s.reply(500, ec(5, 5, 1), "Unknown command: this is an LMTP server, "+verb+" is LHLO here (RFC 2033 §4.1)")
			return nil
		}}
	}
	t["HELO"], t["EHLO"] = unknown("HELO"), unknown("EHLO")
	t["LHLO"] = command{run: (*session).cmdLhlo, help: "LHLO hostname"}
}

// cmdLhlo is EHLO under LMTP's name (RFC 2033 §4.1), with the same
// keywords.
func (s *session) cmdLhlo(arg string) error {
	if strings.TrimSpace(arg) == "" {
		s.reply(501, ec(5, 5, 4), "Syntax: LHLO hostname")
		return nil
	}
	return s.extendedHello("LHLO", arg)
}

// deliverLMTP stores the message for the recipients whose mailbox has
// room and answers once per accepted recipient, in RCPT order (RFC 2033
// §4.2), the way Dovecot does: "250 2.0.0 <rcpt> id Saved", or 552 5.2.2
// for a mailbox over its quota.
func (s *session) deliverLMTP(body *bodyBuffer, bareLF int) {
	tx := s.tx
	rcpts := tx.to
	var kept []string
	var keptParams [][]proto.Param
	for i, r := range rcpts {
		if !s.overQuota(r) {
			kept = append(kept, r)
			keptParams = append(keptParams, tx.rcptParams[i])
		}
	}
	id, refusal := "", (*canned)(nil)
	if len(kept) > 0 {
		tx.to, tx.rcptParams = kept, keptParams
		id, refusal = s.queue(body, bareLF)
	}
	s.endTx()
	for _, r := range rcpts {
		switch {
		case s.overQuota(r):
			s.reply(552, ec(5, 2, 2), "<"+clip(r)+"> Quota exceeded (mailbox for user is full)")
		case refusal != nil:
			s.send(*refusal)
		default:
			s.reply(250, ec(2, 0, 0), "<"+clip(r)+"> "+id+" Saved")
		}
	}
}

// endReplies answers the end of a message that was not taken: once in
// SMTP, once per accepted recipient in LMTP (RFC 2033 §4.2).
func (s *session) endReplies(rcpts []string, c canned) {
	if !s.cfg.LMTP {
		s.send(c)
		return
	}
	for range rcpts {
		s.send(c)
	}
}

// overQuota reports whether rcpt's mailbox is one Config.OverQuota names.
func (s *session) overQuota(rcpt string) bool {
	local, domain, ok := splitAddress(rcpt)
	if !ok || !strings.EqualFold(domain, s.cfg.LocalDomain) {
		return false
	}
	for _, q := range s.cfg.OverQuota {
		if strings.EqualFold(local, q) {
			return true
		}
	}
	return false
}

// lmtpProtocol is the Received: header's "with" for LMTP (RFC 3848:
// LMTP, LMTPS, LMTPA, LMTPSA; RFC 6531: UTF8LMTP...).
func lmtpProtocol(smtp string) string {
	if p, ok := strings.CutPrefix(smtp, "ESMTP"); ok {
		return "LMTP" + p
	}
	if p, ok := strings.CutPrefix(smtp, "UTF8SMTP"); ok {
		return "UTF8LMTP" + p
	}
	return smtp
}
