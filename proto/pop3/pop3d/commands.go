package pop3d

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/smtprepl/smtprepl/proto/pop3"
)

type handler func(s *session, cmd pop3.Command) error

// commandTables are the commands of each state (RFC 1939 §4 and §5);
// anything else is a bad command there. CAPA and QUIT are in both. A
// function, not package variables, so no session can change another's.
func commandTables() (authorization, transaction map[string]handler) {
	authorization = map[string]handler{
		"USER": (*session).cmdUser, "PASS": (*session).cmdPass, "AUTH": (*session).cmdAuth,
		"APOP": (*session).cmdAPOP, "STLS": (*session).cmdSTLS, "CAPA": (*session).cmdCAPA,
		"QUIT": (*session).cmdQuit,
	}
	transaction = map[string]handler{
		"STAT": (*session).cmdStat, "LIST": (*session).cmdList, "UIDL": (*session).cmdUIDL,
		"RETR": (*session).cmdRetr, "TOP": (*session).cmdTop, "DELE": (*session).cmdDele,
		"RSET": (*session).cmdRset, "NOOP": (*session).cmdNoop, "CAPA": (*session).cmdCAPA,
		"QUIT": (*session).cmdQuit,
	}
	return authorization, transaction
}

func (s *session) cmdUser(cmd pop3.Command) error {
	// Dovecot answers +OK even to a bare USER; PASS then fails.
	s.user, s.hasUser = cmd.Arg(0), true
	s.ok("")
	return nil
}

func (s *session) cmdPass(cmd pop3.Command) error {
	if !s.hasUser {
		s.errf("No username given.")
		return nil
	}
	s.hasUser = false
	// The password is the rest of the line (RFC 1939 §7 lets it hold spaces).
	s.login(s.user, strings.Join(cmd.Args, " "))
	return nil
}

// login opens the maildrop, or refuses as Dovecot does.
func (s *session) login(user, pass string) {
	drop, ok := s.cfg.Backend.Login(user, pass)
	if !ok {
		s.errf("[AUTH] Authentication failed.")
		return
	}
	s.drop, s.msgs = drop, drop.Messages()
	s.sizes, s.deleted = make([]int, len(s.msgs)), make([]bool, len(s.msgs))
	for i, m := range s.msgs {
		s.sizes[i] = wireSize(m.Trace) + wireSize(m.Data)
	}
	s.bad = 0
	s.emit(EventLogin, user)
	s.ok("Logged in.")
}

func (s *session) cmdAPOP(pop3.Command) error {
	s.errf("APOP not enabled.")
	return nil
}

// cmdAuth does RFC 5034 AUTH with PLAIN or LOGIN, with or without an
// initial response; bare AUTH lists the mechanisms, as Dovecot does.
func (s *session) cmdAuth(cmd pop3.Command) error {
	mechs := map[string]func(*session, pop3.Command) error{"PLAIN": (*session).authPlain, "LOGIN": (*session).authLogin}
	if len(cmd.Args) == 0 {
		s.ok("")
		s.lines([]string{"PLAIN", "LOGIN"})
		return nil
	}
	run, ok := mechs[strings.ToUpper(cmd.Args[0])]
	if !ok {
		s.errf("[AUTH] Unsupported authentication mechanism.")
		return nil
	}
	return run(s, cmd)
}

func (s *session) authPlain(cmd pop3.Command) error {
	raw, ok, err := s.response(cmd, 1, "")
	if !ok || err != nil {
		return err
	}
	user, pass, ok := splitPlain(raw)
	if !ok {
		s.errf("[AUTH] Authentication failed.")
		return nil
	}
	s.login(user, pass)
	return nil
}

// authLogin asks for the user name and the password, base64-encoded
// "Username:" and "Password:" as Dovecot's challenges are.
func (s *session) authLogin(cmd pop3.Command) error {
	user, ok, err := s.response(cmd, 1, "VXNlcm5hbWU6")
	if !ok || err != nil {
		return err
	}
	pass, ok, err := s.response(cmd, 2, "UGFzc3dvcmQ6")
	if !ok || err != nil {
		return err
	}
	s.login(string(user), string(pass))
	return nil
}

// response is the decoded answer of step n: the initial response on the
// AUTH line for step 1, else the line answering a "+ " challenge. ok is
// false when the exchange is over: cancelled with "*" or bad base64,
// answered already.
func (s *session) response(cmd pop3.Command, n int, challenge string) ([]byte, bool, error) {
	resp, where := cmd.Arg(1), "initial"
	if n > 1 || len(cmd.Args) < 2 {
		s.status("+", challenge)
		line, err := s.readLine()
		if err != nil {
			return nil, false, err
		}
		if s.cfg.Transcript {
			s.emit(EventClient, "<secret withheld>")
		}
		resp, where = line, "continued"
	}
	if resp == "*" {
		s.errf("Authentication aborted by client.")
		return nil, false, nil
	}
	raw, err := base64.StdEncoding.DecodeString(resp)
	if err != nil {
		s.errf("[AUTH] Invalid base64 data in %s response", where)
		return nil, false, nil
	}
	return raw, true, nil
}

// splitPlain reads RFC 4616's authzid NUL authcid NUL passwd; an authzid
// other than the user is refused (nobody may act for another here).
func splitPlain(b []byte) (user, pass string, ok bool) {
	parts := bytes.Split(b, []byte{0})
	if len(parts) != 3 || (len(parts[0]) > 0 && !bytes.Equal(parts[0], parts[1])) {
		return "", "", false
	}
	return string(parts[1]), string(parts[2]), true
}

// cmdSTLS does RFC 2595 §4: +OK, then the handshake; what was said before
// it (USER) is forgotten.
func (s *session) cmdSTLS(pop3.Command) error {
	switch {
	case s.tls:
		s.errf("TLS is already active.")
		return nil
	case s.cfg.TLS == nil:
		return s.badCommand("Unknown command.")
	}
	s.ok("Begin TLS negotiation now.")
	if err := s.flush(); err != nil {
		return err
	}
	if s.br.Buffered() > 0 {
		// Sent before the handshake, so not protected by it: the STARTTLS
		// injection (CVE-2011-0411) that must not be obeyed after it.
		return fmt.Errorf("pop3d: %d byte(s) pipelined after STLS, before the handshake", s.br.Buffered())
	}
	tc := tls.Server(s.conn, s.cfg.TLS)
	tc.SetDeadline(nowPlus(s.cfg.IdleTimeout))
	if err := tc.Handshake(); err != nil {
		return fmt.Errorf("pop3d: TLS handshake: %w", err)
	}
	s.tls, s.user, s.hasUser = true, "", false
	s.wire(tc)
	s.emit(EventTLS, tls.VersionName(tc.ConnectionState().Version))
	return nil
}

func (s *session) cmdCAPA(pop3.Command) error {
	caps := []string{"CAPA", "TOP", "UIDL", "RESP-CODES", "PIPELINING", "AUTH-RESP-CODE"}
	if s.drop == nil {
		if s.cfg.TLS != nil && !s.tls {
			caps = append(caps, "STLS")
		}
		caps = append(caps, "USER", "SASL PLAIN LOGIN")
	}
	s.ok("")
	s.lines(caps)
	return nil
}

func (s *session) cmdQuit(pop3.Command) error {
	if s.drop == nil {
		s.ok("Logging out")
		return errQuit
	}
	var gone []string
	for i, d := range s.deleted {
		if d {
			gone = append(gone, s.msgs[i].UID)
		}
	}
	if len(gone) == 0 {
		s.ok("Logging out.")
		return errQuit
	}
	s.drop.Delete(gone)
	s.emit(EventDelete, fmt.Sprintf("%d message(s) deleted", len(gone)))
	s.ok("Logging out, messages deleted.")
	return errQuit
}

func (s *session) cmdStat(pop3.Command) error {
	n, size := 0, 0
	for i := range s.msgs {
		if !s.deleted[i] {
			n, size = n+1, size+s.sizes[i]
		}
	}
	s.ok(fmt.Sprintf("%d %d", n, size))
	return nil
}

// listing answers LIST and UIDL: one message, or all not deleted.
func (s *session) listing(cmd pop3.Command, header func(n int) string, item func(i int) string) error {
	if len(cmd.Args) > 0 {
		if i, ok := s.message(cmd, 1); ok {
			s.ok(item(i))
		}
		return nil
	}
	var ls []string
	for i := range s.msgs {
		if !s.deleted[i] {
			ls = append(ls, item(i))
		}
	}
	s.ok(header(len(ls)))
	s.lines(ls)
	return nil
}

func (s *session) cmdList(cmd pop3.Command) error {
	return s.listing(cmd, func(n int) string { return fmt.Sprintf("%d messages:", n) }, func(i int) string { return fmt.Sprintf("%d %d", i+1, s.sizes[i]) })
}

func (s *session) cmdUIDL(cmd pop3.Command) error {
	return s.listing(cmd, func(int) string { return "" }, func(i int) string { return fmt.Sprintf("%d %s", i+1, s.msgs[i].UID) })
}

func (s *session) cmdRetr(cmd pop3.Command) error {
	i, ok := s.message(cmd, 1)
	if !ok {
		return nil
	}
	s.ok(fmt.Sprintf("%d octets", s.sizes[i]))
	writeMessage(s.bw, s.msgs[i], -1)
	s.emit(EventRetrieve, fmt.Sprintf("RETR %d (%s)", i+1, s.msgs[i].UID))
	return nil
}

func (s *session) cmdTop(cmd pop3.Command) error {
	i, ok := s.message(cmd, 2)
	if !ok {
		return nil
	}
	n, err := strconv.ParseUint(cmd.Args[1], 10, 31)
	if err != nil {
		s.errf("Invalid size: %s", cmd.Args[1])
		return nil
	}
	s.ok("")
	writeMessage(s.bw, s.msgs[i], int(n))
	s.emit(EventRetrieve, fmt.Sprintf("TOP %d %d (%s)", i+1, n, s.msgs[i].UID))
	return nil
}

func (s *session) cmdDele(cmd pop3.Command) error {
	if i, ok := s.message(cmd, 1); ok {
		s.deleted[i] = true
		s.ok("Marked to be deleted.")
	}
	return nil
}

func (s *session) cmdRset(pop3.Command) error {
	clear(s.deleted)
	s.ok("")
	return nil
}

func (s *session) cmdNoop(pop3.Command) error {
	s.ok("")
	return nil
}

// message finds the message cmd's first argument names, which must be
// followed by exactly want-1 more, or answers -ERR in Dovecot's words.
func (s *session) message(cmd pop3.Command, want int) (int, bool) {
	arg := cmd.Arg(0)
	n, err := strconv.ParseUint(arg, 10, 32)
	switch {
	case err != nil:
		s.errf("Invalid message number: %s", arg)
	case len(cmd.Args) != want:
		noise := ""
		if len(cmd.Args) > 1 {
			noise = " " + strings.Join(cmd.Args[1:], " ")
		}
		s.errf("Noise after message number: %s", noise)
	case n == 0 || n > uint64(len(s.msgs)):
		s.errf("There's no message %d.", n)
	case s.deleted[n-1]:
		s.errf("Message is deleted.")
	default:
		return int(n - 1), true
	}
	return 0, false
}
