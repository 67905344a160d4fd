package repl

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/pop3"
	"github.com/smtprepl/smtprepl/proto/visible"
)

// The session speaks POP3 when Config.POP3 is set (--pop3, :open
// pop3://): lines typed are POP3 commands, sent as typed, and each answer
// is read whole (to the lone "." of a multi-line one) and explained. The
// wire, the terminal, script mode and the secrets rules are the SMTP
// session's; only the framing and the explanations are POP3's.

// pop3State is where a POP3 session stands, for the prompt and for what
// the next line means.
type pop3State struct {
	inAuth bool   // a "+ " challenge waits for the client's answer
	user   string // USER's argument, shown once PASS succeeds
	// named: USER was taken and no PASS has been answered since; a
	// refused PASS makes the server forget the name (RFC 1939 §7).
	named bool
	// refusedAUTH: an AUTH without initial response was refused, so a
	// script's next line, meant as its answer, must not go out as a command.
	refusedAUTH bool
	login       string // who is logged in; "" before
}

// Bounds on one multi-line answer: a hostile server must not hold the
// session, or fill the screen or a script's output, without end.
const (
	pop3MaxLines = 1 << 20
	pop3MaxBytes = 64 << 20
)

// POP3 reports whether the session speaks POP3.
func (s *Session) POP3() bool { return s.cfg.POP3 }

// pop3Greeting reads and explains the greeting of a fresh connection.
func (s *Session) pop3Greeting(ctx context.Context) error {
	s.p3 = pop3State{}
	s.pendingVerb = ""
	st, _, err := s.pop3Response(ctx, pop3.Command{})
	if err != nil {
		return fmt.Errorf("reading the greeting: %w (is this not a POP3 server? :open HOST speaks SMTP)", err)
	}
	if st.Indicator != pop3.OK {
		s.failed = true
		s.view.note("the server refused the connection (-ERR in place of the greeting)")
		return nil
	}
	s.view.note("a POP3 server: USER name, then PASS password, logs in (STLS first to encrypt them); CAPA lists what it offers")
	return nil
}

// pop3Line sends one typed line and deals with its answer.
func (s *Session) pop3Line(ctx context.Context, line string) error {
	if err := s.requireConn(); err != nil {
		return err
	}
	if s.p3.inAuth {
		return s.pop3Answer(ctx, line)
	}
	if s.p3.refusedAUTH {
		s.p3.refusedAUTH = false
		if !s.pop3Command(line) {
			s.view.output("<redacted: AUTH answer> not sent: the server refused the AUTH, so the line meant as its answer would have gone out as a command")
			return nil
		}
	}
	cmd, err := pop3.ParseCommand(line)
	if err != nil {
		return err
	}
	s.pop3Hide(cmd, line)
	if err := s.client.Send(line); err != nil {
		return err
	}
	s.pendingVerb = cmd.Keyword
	st, n, err := s.pop3Response(ctx, cmd)
	if err != nil {
		return fmt.Errorf("waiting for the answer to %s: %w", cmd.Keyword, err)
	}
	return s.pop3After(ctx, cmd, st, n)
}

// pop3Hide keeps PASS's password and AUTH's initial response off the
// screen, and teaches them to the secrets set, so that an echo, a script's
// transcript or a recording never shows them.
func (s *Session) pop3Hide(cmd pop3.Command, line string) {
	switch {
	case cmd.Keyword == "PASS" && len(cmd.Args) > 0:
		// The password is the rest of the line, inner spaces and all.
		rest := strings.TrimLeft(line, " \t")
		pass := strings.TrimLeft(rest[strings.IndexAny(rest, " \t"):], " \t")
		s.sec.set.Add("POP3 password", pass)
		s.pop3WarnClear()
		s.view.hideNext("PASS •••••••• (hidden: your password)")
	case cmd.Keyword == "AUTH" && len(cmd.Args) > 1:
		s.sec.set.Learn("AUTH PLAIN credentials", cmd.Args[1])
		s.p3.user = plainUser(cmd.Args[1])
		s.pop3WarnClear()
		s.view.hideNext("AUTH " + visible.Clip(cmd.Args[0], 20) + " •••••••• (hidden: your credentials)")
	}
}

// pop3WarnClear says so when a password is about to cross the network
// unencrypted (on this machine it stays on it).
func (s *Session) pop3WarnClear() {
	if s.client.TLS() == nil && !isLoopback(s.client) {
		s.view.warn("the password goes over the network in clear: STLS first encrypts it (RFC 2595)")
	}
}

// pop3Answer sends the answer to an AUTH challenge, as typed (base64),
// hidden and remembered as a secret.
func (s *Session) pop3Answer(ctx context.Context, line string) error {
	s.p3.inAuth = false
	if line != "*" {
		s.sec.set.Learn("AUTH answer", line)
		s.p3.user = plainUser(line)
		s.view.hideNext("•••••••• (hidden: your AUTH answer)")
	}
	if err := s.client.Send(line); err != nil {
		return err
	}
	st, _, err := s.pop3Response(ctx, pop3.Command{})
	if err != nil {
		return fmt.Errorf("waiting for the answer to AUTH: %w", err)
	}
	return s.pop3After(ctx, pop3.Command{Keyword: "AUTH", Args: []string{"PLAIN", "*"}}, st, pop3Body{})
}

// pop3Response reads one answer: its first line, and when that is +OK to
// a multi-line command, every line to the lone ".". The lines reach the
// view through the tap as they arrive; what is kept is counted
// (pop3Body), so a long answer costs no memory.
func (s *Session) pop3Response(ctx context.Context, cmd pop3.Command) (pop3.Status, pop3Body, error) {
	var body pop3Body
	first, err := s.client.ReadLine(ctx)
	if err != nil {
		return pop3.Status{}, body, err
	}
	s.instruments.reply(s)
	shown := s.sec.set.Scrub(string(first))
	st, err := pop3.ParseStatus(shown)
	if err != nil {
		return st, body, err
	}
	// The last answer, as a lesson's checkpoint and :explain read one: no
	// code, the first line as it came (pop3Alt in lessons matches it).
	s.lastReply, s.lastVerb = &proto.Reply{Lines: []string{st.Text}, Raw: []string{shown}}, cmd.Keyword
	if st.Indicator != pop3.OK || !cmd.MultiLine() {
		return st, body, nil
	}
	for {
		line, err := s.client.ReadLine(ctx)
		if err != nil {
			// What is left of the answer would be read as the answers to
			// the next commands: the connection cannot go on.
			s.client.Close()
			return st, body, fmt.Errorf("in the middle of a multi-line answer, after %d line(s), the connection was closed: %w", body.lines, err)
		}
		text, end := pop3.Unstuff(line)
		if end {
			return st, body, nil
		}
		body.add(text, len(text) != len(line), s.sec.set.Scrub)
		if body.lines > pop3MaxLines || body.octets > pop3MaxBytes {
			s.client.Close()
			return st, body, fmt.Errorf("the answer to %s is longer than %d lines or %d MiB with no lone \".\" to end it; connection closed", cmd.Keyword, pop3MaxLines, pop3MaxBytes>>20)
		}
	}
}

// pop3Body counts a multi-line answer as it arrives.
type pop3Body struct {
	lines   int
	octets  int // unstuffed, each line with its CRLF: what RETR's count counts
	stuffed int // lines that began with ".." on the wire
	// unstuffed is the start of the first few of them as the message has
	// them, for display (scrubbed; the view escapes them).
	unstuffed []string
}

func (b *pop3Body) add(text []byte, stuffed bool, scrub func(string) string) {
	b.lines, b.octets = b.lines+1, b.octets+len(text)+2
	if !stuffed {
		return
	}
	b.stuffed++
	if len(b.unstuffed) < 3 {
		b.unstuffed = append(b.unstuffed, scrub(string(text[:min(len(text), 60)])))
	}
}

// pop3After explains an answer and acts on it: STLS's handshake, QUIT's
// hang-up, the login shown in the prompt.
func (s *Session) pop3After(ctx context.Context, cmd pop3.Command, st pop3.Status, body pop3Body) error {
	if st.Indicator == pop3.Err {
		s.failed = true
	}
	if st.Indicator == pop3.Continue {
		s.p3.inAuth = true
		s.view.note(challengeNote(st.Text))
		if s.ask == nil {
			return nil // a script's next line is the answer
		}
		answer, err := s.ask.AskSecret("AUTH answer (base64, not echoed): ")
		if errors.Is(err, ErrAskCancelled) {
			answer, err = "*", nil
		}
		if err != nil {
			return err
		}
		return s.pop3Answer(ctx, answer)
	}
	if text := pop3.Explain(cmd.Keyword, st.Indicator); text != "" {
		s.view.note(text)
	}
	if cmd.MultiLine() && st.Indicator == pop3.OK {
		s.view.note(pop3BodyNote(cmd, st, body))
	}
	return s.pop3Follow(ctx, cmd, st)
}

// challengeNote explains a "+ " challenge: what LOGIN's decodes to, or
// what PLAIN's empty one wants.
func challengeNote(text string) string {
	const base = "the server waits for the SASL answer (RFC 5034), in base64, or * to cancel"
	decoded, err := base64.StdEncoding.DecodeString(text)
	if text == "" || err != nil {
		return base + `: for PLAIN, base64 of "\0user\0password" (:plain USER PASS builds it)`
	}
	return base + ": the challenge decodes to " + visible.Clip(strconv.Quote(string(decoded)), 100) + " (:b64 TEXT encodes your answer)"
}

// pop3BodyNote says how a multi-line answer ended, what its stuffing
// was, and for RETR whether the octet count announced was right.
func pop3BodyNote(cmd pop3.Command, st pop3.Status, body pop3Body) string {
	note := fmt.Sprintf(`the lone "." ended the answer (%d line(s))`, body.lines)
	if body.stuffed > 0 {
		note += fmt.Sprintf(`; %d line(s) began with ".." on the wire: the server doubled their leading "." (byte-stuffing, RFC 1939 §3), so in the message they begin with one "."`, body.stuffed)
		for _, l := range body.unstuffed {
			note += fmt.Sprintf(`; %s on the wire is %s in the message`, visible.Clip(strconv.Quote("."+l), 80), visible.Clip(strconv.Quote(l), 80))
		}
	}
	var announced int
	if _, err := fmt.Sscanf(st.Text, "%d octets", &announced); err == nil && cmd.Keyword == "RETR" {
		if announced == body.octets {
			note += fmt.Sprintf("; %d octets announced, %d received: exact", announced, body.octets)
		} else {
			note += fmt.Sprintf("; %d octets announced but %d received (unstuffed, CRLF line ends): the server's count is wrong, and a client that trusts it cuts the message or waits", announced, body.octets)
		}
	}
	return note
}

// pop3Follow follows logins, STLS and QUIT.
func (s *Session) pop3Follow(ctx context.Context, cmd pop3.Command, st pop3.Status) error {
	ok := st.Indicator == pop3.OK
	switch {
	case cmd.Keyword == "USER":
		s.p3.user, s.p3.named = cmd.Arg(0), ok
	case cmd.Keyword == "PASS":
		if ok {
			s.p3.login = s.p3.user
		} else if s.p3.named {
			s.view.note("after a refused PASS the server forgets the USER: send USER again, then PASS")
		}
		s.p3.named = false
	case cmd.Keyword == "AUTH" && !ok && len(cmd.Args) == 1:
		s.p3.refusedAUTH = st.Indicator == pop3.Err && s.ask == nil
	case cmd.Keyword == "AUTH" && ok && len(cmd.Args) > 0:
		s.p3.login = cmp.Or(s.p3.user, "(authenticated)")
	case cmd.Keyword == "STLS" && ok:
		info, err := s.client.StartTLS(ctx)
		if err != nil {
			s.client.Close()
			return err
		}
		s.p3 = pop3State{}
		s.showTLS(info)
		s.view.note("TLS is on; what was said before it no longer counts: log in now (CAPA shows what is offered inside TLS)")
	case cmd.Keyword == "QUIT" && ok:
		s.client.Close()
		s.quit = true
		s.view.note(":open reconnects; :quit leaves")
	}
	return nil
}

// pop3Command reports whether line starts with a POP3 command keyword.
func (s *Session) pop3Command(line string) bool {
	f := strings.Fields(line)
	return len(f) > 0 && pop3.Explain(strings.ToUpper(f[0]), pop3.OK) != ""
}

// pop3Word reports whether line is a POP3 command of one word (STAT,
// LIST...) in a POP3 session outside AUTH: kept in history, where a lone
// word that is no command is taken for an AUTH answer and dropped.
func (s *Session) pop3Word(line string) bool {
	f := strings.Fields(line)
	if !s.cfg.POP3 || s.p3.inAuth || len(f) != 1 {
		return false
	}
	return pop3.Explain(strings.ToUpper(f[0]), pop3.OK) != ""
}

// Prerequisite is the USER line a PASS needs again after a refused one,
// for a lesson that would otherwise ask for PASS forever.
func (s *Session) Prerequisite(line string) string {
	cmd, err := pop3.ParseCommand(line)
	if !s.cfg.POP3 || err != nil || cmd.Keyword != "PASS" || s.p3.named || s.p3.login != "" || s.p3.user == "" {
		return ""
	}
	return "USER " + s.p3.user
}

// plainUser is the user an AUTH PLAIN response logs in as (RFC 4616:
// authzid NUL authcid NUL password), for the prompt; "" when it does not
// decode. The caller shows it escaped.
func plainUser(resp string) string {
	raw, err := base64.StdEncoding.DecodeString(resp)
	if err != nil {
		return ""
	}
	parts := strings.Split(string(raw), "\x00")
	if len(parts) != 3 {
		return ""
	}
	return parts[1]
}

// pop3Status is :status's rows for a POP3 session.
func (s *Session) pop3Status() [][2]string {
	who, state := "not logged in", "POP3, AUTHORIZATION state: USER and PASS (or AUTH) log in"
	switch {
	case s.p3.inAuth:
		state = "POP3, AUTH: the server waits for the SASL answer"
	case s.p3.login != "":
		who = "logged in as " + visible.Clip(s.p3.login, 100)
		state = "POP3, TRANSACTION state: STAT LIST UIDL RETR TOP DELE RSET NOOP; QUIT deletes what DELE marked"
	}
	return [][2]string{{"login", who}, {"protocol", state}}
}

// explainPOP3 is :explain of the last POP3 answer.
func (s *Session) explainPOP3(r *proto.Reply) error {
	st, err := pop3.ParseStatus(r.Raw[0])
	if err != nil {
		return err
	}
	text := pop3.Explain(s.lastVerb, st.Indicator)
	if text == "" {
		text = "the server's greeting: +OK means it is ready for USER, CAPA or STLS (RFC 1939 §4)"
	}
	s.view.output(text)
	return nil
}

// pop3Prompt is what the prompt shows of a POP3 session.
func (s *Session) pop3Prompt() string {
	switch {
	case s.p3.inAuth:
		return "AUTH answer?"
	case s.p3.login != "":
		return s.p3.login
	}
	return "not logged in"
}

// errPOP3Only refuses a colon-command that speaks SMTP in a POP3 session.
var errPOP3Only = errors.New("this session speaks POP3: :auth, :send and :compose are SMTP's (type USER and PASS, or AUTH PLAIN; :open HOST goes back to SMTP)")

// pop3Refuses reports whether a colon-command must not run in POP3.
func (s *Session) pop3Refuses(name string) bool {
	if !s.cfg.POP3 {
		return false
	}
	switch strings.ToLower(name) {
	case "auth", "send", "compose":
		return true
	}
	return false
}
