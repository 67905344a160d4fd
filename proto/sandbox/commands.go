package sandbox

import (
	"crypto/tls"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/smtprepl/smtprepl/proto"
)

// command is one row of the command table, which drives dispatch, the
// HELO/EHLO and STARTTLS gates, and HELP.
type command struct {
	run  func(s *session, arg string) error
	helo bool   // refused with 503 before HELO/EHLO (RFC 5321 §4.1.4)
	tls  bool   // refused with 530 before STARTTLS when Config.RequireTLS
	help string // syntax, for "HELP VERB"
	// trusted: Postfix knows the command but takes it only from the hosts
	// it trusts, which the sandbox has none of; HELP does not list it.
	trusted bool
}

// commandTable is built per Server, so no table is shared mutable state.
// BDAT gates itself: it must read its chunk even when refusing it.
func commandTable(lmtp bool) (map[string]command, []string) {
	t := map[string]command{
		"HELO":     {run: (*session).cmdHelo, help: "HELO hostname"},
		"EHLO":     {run: (*session).cmdEhlo, help: "EHLO hostname"},
		"MAIL":     {run: (*session).cmdMail, helo: true, tls: true, help: "MAIL FROM:<address> [SIZE=n] [BODY=7BIT|8BITMIME] [SMTPUTF8] [RET=FULL|HDRS] [ENVID=id]"},
		"RCPT":     {run: (*session).cmdRcpt, tls: true, help: "RCPT TO:<address> [NOTIFY=NEVER|SUCCESS,FAILURE,DELAY] [ORCPT=rfc822;address]"},
		"DATA":     {run: (*session).cmdData, tls: true, help: "DATA, then the message, then a line with a single dot"},
		"BDAT":     {run: (*session).cmdBdat, help: "BDAT size [LAST], then exactly size bytes"},
		"RSET":     {run: (*session).cmdRset, help: "RSET (abandon the mail transaction)"},
		"NOOP":     {run: (*session).cmdNoop, help: "NOOP [anything]"},
		"QUIT":     {run: (*session).cmdQuit, help: "QUIT"},
		"VRFY":     {run: (*session).cmdVrfy, tls: true, help: "VRFY address [SMTPUTF8]"},
		"EXPN":     {run: (*session).cmdExpn, tls: true, help: "EXPN list (try EXPN staff)"},
		"HELP":     {run: (*session).cmdHelp, help: "HELP [command]"},
		"STARTTLS": {run: (*session).cmdStartTLS, help: "STARTTLS, then the TLS handshake, then EHLO again"},
		"AUTH":     {run: (*session).cmdAuth, helo: true, tls: true, help: "AUTH PLAIN|LOGIN|CRAM-MD5|SCRAM-SHA-256|XOAUTH2|OAUTHBEARER [initial-response]"},
		"XCLIENT":  {run: untrusted("XCLIENT"), trusted: true, help: "XCLIENT attribute=value... (trusted clients only: none here)"},
		"XFORWARD": {run: untrusted("XFORWARD"), trusted: true, help: "XFORWARD attribute=value... (trusted clients only: none here)"},
	}
	if lmtp {
		lmtpCommands(t)
	}
	verbs := make([]string, 0, len(t))
	for v, c := range t {
		// XCLIENT and XFORWARD are for trusted clients; LMTP's HELO and
		// EHLO are no commands of ours.
		if !c.trusted && c.help != "" {
			verbs = append(verbs, v)
		}
	}
	slices.Sort(verbs)
	return t, verbs
}

// untrusted answers a command Postfix takes only from the hosts in
// smtpd_authorized_xclient_hosts (XCLIENT) or ..._xforward_hosts
// (XFORWARD), as Postfix answers everyone else: the syntax first.
func untrusted(verb string) func(s *session, arg string) error {
	return func(s *session, arg string) error {
		if strings.TrimSpace(arg) == "" {
			s.reply(501, ec(5, 5, 4), "Syntax: "+verb+" attribute=value...")
			return nil
		}
		s.reply(550, ec(5, 7, 0), "Error: insufficient authorization")
		return nil
	}
}

func (s *session) cmdHelo(arg string) error {
	if strings.TrimSpace(arg) == "" {
		s.reply(501, proto.EnhancedCode{}, "Syntax: HELO hostname")
		return nil
	}
	s.helo, s.ehlo = strings.TrimSpace(arg), false
	s.emit(EventHelo, "HELO "+s.helo)
	s.endTx()
	s.reply(250, proto.EnhancedCode{}, s.cfg.Hostname)
	return nil
}

// cmdEhlo resets the transaction like RSET (RFC 5321 §4.1.4). Postfix sends
// no enhanced code on HELO/EHLO replies, so neither do we.
func (s *session) cmdEhlo(arg string) error {
	if strings.TrimSpace(arg) == "" {
		s.reply(501, proto.EnhancedCode{}, "Syntax: EHLO hostname")
		return nil
	}
	return s.extendedHello("EHLO", arg)
}

// extendedHello answers EHLO, or LMTP's LHLO, with the keywords.
func (s *session) extendedHello(verb, arg string) error {
	s.helo, s.ehlo = strings.TrimSpace(arg), true
	s.emit(EventHelo, verb+" "+s.helo)
	s.endTx()
	s.reply(250, proto.EnhancedCode{}, s.ehloLines()...)
	return nil
}

// ehloLines follows Postfix's order of keywords.
func (s *session) ehloLines() []string {
	lines := []string{s.cfg.Hostname, "PIPELINING", fmt.Sprintf("SIZE %d", s.cfg.MaxSize), "VRFY"}
	if !s.tls {
		lines = append(lines, "STARTTLS")
	}
	if s.authOffered() {
		names := make([]string, len(s.srv.mechs))
		for i, m := range s.srv.mechs {
			names[i] = m.name
		}
		lines = append(lines, "AUTH "+strings.Join(names, " "))
	}
	return append(lines, "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING")
}

func (s *session) authOffered() bool { return s.tls || !s.requireTLS }

func (s *session) cmdRset(arg string) error {
	if arg != "" {
		s.reply(501, ec(5, 5, 4), "Syntax: RSET")
		return nil
	}
	s.endTx()
	s.reply(250, ec(2, 0, 0), "Ok")
	return nil
}

func (s *session) cmdNoop(string) error {
	s.reply(250, ec(2, 0, 0), "Ok")
	return nil
}

func (s *session) cmdQuit(string) error {
	s.reply(221, ec(2, 0, 0), "Bye")
	return errQuit
}

// cmdHelp answers where Postfix does not (it says 500): a newcomer's first
// question deserves an answer, and RFC 5321 §4.5.1 lists HELP as minimum.
func (s *session) cmdHelp(arg string) error {
	topic := strings.ToUpper(strings.TrimSpace(arg))
	if topic == "" {
		s.reply(214, ec(2, 0, 0), "Commands: "+strings.Join(s.srv.verbs, " "),
			"Type HELP and a command for its syntax")
		return nil
	}
	c, ok := s.srv.cmds[topic]
	if !ok {
		s.reply(504, ec(5, 5, 4), "HELP topic unknown: "+clip(topic))
		return nil
	}
	s.reply(214, ec(2, 0, 0), "Syntax: "+c.help)
	return nil
}

func (s *session) cmdStartTLS(arg string) error {
	switch {
	case arg != "":
		s.reply(501, ec(5, 5, 4), "Syntax: STARTTLS")
	case s.tls:
		s.reply(554, ec(5, 5, 1), "Error: TLS already active")
	default:
		s.reply(220, ec(2, 0, 0), "Ready to start TLS")
		return s.startTLS()
	}
	return nil
}

// startTLS drops whatever the client sent after STARTTLS before the
// handshake: those bytes came in plaintext and must not be taken as
// protected (CVE-2011-0411, the STARTTLS command injection). Afterwards the
// session forgets HELO, AUTH and any transaction (RFC 3207 §4.2).
func (s *session) startTLS() error {
	if err := s.bw.Flush(); err != nil {
		return err
	}
	s.br.Reset(wire{s})
	s.lineStart = time.Time{}
	tc := tls.Server(s.conn, s.srv.tlsConf)
	tc.SetDeadline(time.Now().Add(s.cfg.IdleTimeout))
	if err := tc.Handshake(); err != nil {
		return fmt.Errorf("sandbox: TLS handshake: %w", err)
	}
	tc.SetDeadline(time.Time{})
	s.conn, s.tls = tc, true
	s.emit(EventTLS, tlsVersion(tc))
	s.helo, s.auth = "", ""
	s.endTx()
	return nil
}

// clip keeps echoed client text short enough to read.
func clip(s string) string {
	for i := range s { // i steps by rune, so the cut keeps UTF-8 valid
		if i >= 64 {
			return s[:i] + "..."
		}
	}
	return s
}
