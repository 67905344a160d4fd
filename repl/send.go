package repl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/visible"
)

// Mail is one message for `smtprepl send`: the envelope, and the message
// text with any line endings (it is sent with CRLF, dot-stuffed).
type Mail struct {
	From     string   // the reverse-path; "" is the null sender <>
	To       []string // forward-paths, at least one
	StartTLS bool     // STARTTLS after the first EHLO (RFC 3207)
	Text     io.Reader
	Name     string // what Text is, for messages: "the message", a file name
	// Summary describes the message in one line, for the comment that
	// counts what --show leaves out; "" for none.
	Summary string
	// Auth logs in after the hello, nil for no AUTH; it runs through the
	// session's own AUTH, so it is shown, explained and redacted.
	Auth func(ctx context.Context, s *Session) error
}

// StageError is a send that failed at a stage; its exit status is
// swaks's for that stage, or 6 when the server hung up unexpectedly.
type StageError struct {
	Stage  Stage
	Closed bool // the connection ended while a reply was awaited
	Err    error
}

func (e *StageError) Error() string { return fmt.Sprintf("%s stage: %v", e.Stage, e.Err) }
func (e *StageError) Unwrap() error { return e.Err }

// ExitCode is swaks's exit status for the failure.
func (e *StageError) ExitCode() int {
	if e.Closed {
		return 6
	}
	return e.Stage.ExitCode()
}

// Send runs one message through the session, the way swaks does: the
// greeting, EHLO, STARTTLS and EHLO again when asked, AUTH when asked,
// MAIL, RCPT for each recipient, DATA, the text, QUIT; pipelined (RFC 2920)
// from MAIL to DATA when the config asks and the server offers it. Every
// step is the session's own command, shown as script mode shows it. The
// first stage that fails ends it (QUIT first, when the connection is
// still there) with a *StageError; the stop-point ends it without error.
func (s *Session) Send(ctx context.Context, m Mail) error {
	if len(m.To) == 0 {
		return errors.New("send: no recipient")
	}
	s.sending = true
	s.tlsPlanned = m.StartTLS
	r := &sendRun{s}
	steps := []func(*sendRun, context.Context, Mail) error{
		(*sendRun).sendConnect, (*sendRun).sendHello, (*sendRun).sendTLS, (*sendRun).sendAuth,
		(*sendRun).sendEnvelope, (*sendRun).sendMessage,
	}
	for _, step := range steps {
		if err := step(r, ctx, m); err != nil {
			return err
		}
		if s.stopped() {
			return nil
		}
	}
	return r.sendQuit(ctx)
}

// sendRun is a session driven by Send: what only send does (its steps,
// and ending at the first stage that fails) lives here, not on Session.
type sendRun struct{ *Session }

func (s *sendRun) sendConnect(ctx context.Context, _ Mail) error {
	if s.cfg.Record != "" {
		if _, err := s.StartRecording(s.cfg.Record); err != nil {
			return err
		}
	}
	if err := s.connect(ctx); err != nil {
		return s.failedAt(ctx, err)
	}
	if s.model.State().Greeting/100 != 2 {
		return s.refused(ctx, "the greeting refused the session")
	}
	_, err := s.stopIfDue(ctx)
	return err
}

func (s *sendRun) sendHello(ctx context.Context, _ Mail) error {
	verb := "EHLO"
	if s.model.LMTP() {
		verb = "LHLO"
	}
	return s.sendCommand(ctx, verb+" "+s.cfg.EHLOName, func() bool { return s.model.State().Hello != "" })
}

// sendTLS is STARTTLS and the EHLO after it (RFC 3207 §4.2), when asked.
func (s *sendRun) sendTLS(ctx context.Context, m Mail) error {
	if !m.StartTLS {
		return nil
	}
	if stop, err := s.stopBefore(ctx, "STARTTLS"); stop {
		return err
	}
	if !s.model.Capabilities().StartTLS() {
		s.stops.current = StageTLS
		return s.refused(ctx, fmt.Sprintf("%s does not offer STARTTLS in its EHLO reply", visible.Clip(s.cfg.Addr, 200)))
	}
	err := s.sendCommand(ctx, "STARTTLS", func() bool { return s.client.TLS() != nil })
	if err != nil || s.stopped() {
		return err
	}
	return s.sendHello(ctx, m)
}

func (s *sendRun) sendAuth(ctx context.Context, m Mail) error {
	if m.Auth == nil {
		return nil
	}
	if stop, err := s.stopBefore(ctx, "AUTH"); stop {
		return err
	}
	s.stops.current = StageAuth
	if err := m.Auth(ctx, s.Session); err != nil {
		s.stops.current = StageAuth // the error is the auth stage's, whatever was sent
		return s.failedAt(ctx, err)
	}
	if !s.model.State().Authenticated {
		return s.refused(ctx, "the login was not accepted")
	}
	_, err := s.stopIfDue(ctx)
	return err
}

// sendEnvelope is MAIL, RCPT for each recipient and DATA: one batch when
// pipelining, else one command at a time. Any RCPT accepted will do, as
// with swaks; none is the rcpt stage's failure.
func (s *sendRun) sendEnvelope(ctx context.Context, m Mail) error {
	lines := []string{"MAIL FROM:<" + m.From + ">"}
	for _, to := range m.To {
		lines = append(lines, "RCPT TO:<"+to+">")
	}
	lines = append(lines, "DATA")
	if s.cfg.Pipeline && s.model.Capabilities().Pipelining() {
		return s.sendEnvelopeBatch(ctx, lines)
	}
	if err := s.sendCommand(ctx, lines[0], func() bool { return s.model.State().InTransaction }); err != nil || s.stopped() {
		return err
	}
	for _, line := range lines[1 : len(lines)-1] {
		if stop, err := s.stopBefore(ctx, line); stop || err != nil {
			return err
		}
		if err := s.command(ctx, line); err != nil {
			return s.failedAt(ctx, err)
		}
		if s.model.State().Closed() { // 421: the server is closing (RFC 5321 §3.8)
			return s.refused(ctx, "the server closed the session")
		}
	}
	if s.model.State().Recipients == 0 {
		return s.refused(ctx, "no recipient was accepted")
	}
	return s.sendCommand(ctx, "DATA", s.inData)
}

func (s *sendRun) sendEnvelopeBatch(ctx context.Context, lines []string) error {
	verbs := make([]string, len(lines))
	for i, line := range lines {
		verbs[i], _ = proto.SplitVerb(line)
	}
	n := s.stops.cut(verbs)
	if n == 0 {
		_, err := s.stopBefore(ctx, lines[0])
		return err
	}
	replies, err := s.sendBatch(ctx, lines[:n], nil)
	if err != nil {
		return s.failedAt(ctx, err)
	}
	// The replies came in order; the first refusal names the stage.
	st := s.model.State()
	switch {
	case s.inData() && st.Recipients == 0:
		// DATA was accepted though no recipient was: the text must not
		// go out.
		s.stops.current = StageRcpt
		_ = runClose(ctx, s.Session, "")
		return &StageError{Stage: StageRcpt, Err: errors.New("no recipient was accepted, yet DATA was answered 354: the connection was closed so no text went out")}
	case replies[0].Failed():
		s.stops.current = StageMail
		return s.refusedBy(ctx, "MAIL FROM was refused", replies[0])
	case n > 1 && st.Recipients == 0:
		s.stops.current = StageRcpt
		return s.refusedBy(ctx, "no recipient was accepted", replies[min(n, len(lines)-1)-1])
	case n == len(lines) && !s.inData():
		s.stops.current = StageData
		return s.refused(ctx, "DATA was refused")
	}
	if n < len(lines) {
		_, err = s.stopBefore(ctx, lines[n])
		return err
	}
	_, err = s.stopIfDue(ctx)
	return err
}

func (s *sendRun) sendMessage(ctx context.Context, m Mail) error {
	name := m.Name
	if name == "" {
		name = "the message"
	}
	if d, ok := s.view.View.(interface{ describeMessage(string) }); ok {
		d.describeMessage(m.Summary)
	}
	if err := s.streamMessage(ctx, m.Text, name); err != nil {
		return s.failedAt(ctx, err)
	}
	if u := s.UndeliveredSentence(); u != "" {
		// LMTP: one reply per recipient, and any of them may fail (RFC
		// 2033 §4.2); swaks looks only at the last and exits 0.
		return s.refusedBy(ctx, u, nil)
	}
	if r := s.lastReply; r == nil || r.Class() != 2 {
		return s.refused(ctx, "the message was refused")
	}
	_, err := s.stopIfDue(ctx)
	return err
}

func (s *sendRun) sendQuit(ctx context.Context) error {
	if !s.Connected() {
		return nil
	}
	if err := s.command(ctx, "QUIT"); err != nil && !errors.Is(err, proto.ErrClosed) {
		return err
	}
	return nil
}

// sendCommand sends one command of send's: the stop-point may come
// first; ok says whether the reply let the session go on.
func (s *sendRun) sendCommand(ctx context.Context, line string, ok func() bool) error {
	if stop, err := s.stopBefore(ctx, line); stop {
		return err
	}
	if err := s.command(ctx, line); err != nil {
		return s.failedAt(ctx, err)
	}
	if s.stopped() { // at a stop-point among the command's own steps (--xclient's)
		return nil
	}
	if !ok() {
		verb, _ := proto.SplitVerb(line)
		if verb == "MAIL" {
			verb = "MAIL FROM"
		}
		return s.refused(ctx, verb+" was refused")
	}
	_, err := s.stopIfDue(ctx)
	return err
}

// refused ends a send at a refusal: QUIT, as swaks says it, then the
// stage's error quoting the reply.
func (s *sendRun) refused(ctx context.Context, what string) error {
	return s.refusedBy(ctx, what, s.lastReply)
}

// refusedBy is refused quoting reply r.
func (s *sendRun) refusedBy(ctx context.Context, what string, r *proto.Reply) error {
	stage := s.stops.current
	if r != nil && r.Failed() {
		what += ": " + visible.Clip(firstReplyLine(r), 300)
	}
	s.abandon(ctx)
	return &StageError{Stage: stage, Err: errors.New(what)}
}

// failedAt ends a send at an error (a timeout, a dropped connection, a
// failed handshake).
func (s *sendRun) failedAt(ctx context.Context, err error) error {
	stage := s.stops.current
	closed := errors.Is(err, proto.ErrClosed) && stage != StageConnect
	s.abandon(ctx)
	return &StageError{Stage: stage, Closed: closed, Err: err}
}

// abandon says QUIT when the session can still hear it, else hangs up.
func (s *sendRun) abandon(ctx context.Context) {
	if !s.Connected() {
		return
	}
	st := s.model.State()
	if st.Closed() || st.InData() || st.OutOfStep != "" || st.InAuth() {
		_ = runClose(ctx, s.Session, "")
		return
	}
	_ = s.command(ctx, "QUIT")
}

// firstReplyLine is a reply's code and first line's text, for a sentence.
func firstReplyLine(r *proto.Reply) string {
	if len(r.Raw) > 0 {
		return r.Raw[0]
	}
	return fmt.Sprint(r.Code)
}

// authPreference is send --auth's choice when no mechanism is named: the
// strongest the server offers that never sends the password itself first.
var authPreference = []string{"SCRAM-SHA-256", "CRAM-MD5", "PLAIN", "LOGIN"}

// AuthWith logs in as user through :auth, the session's own assisted
// AUTH, so each step is shown, explained and redacted. mech "" picks the
// best the server offers (authPreference). A server that offers no AUTH,
// or none of the mechanisms, fails the auth stage.
func AuthWith(mech, user string) func(ctx context.Context, s *Session) error {
	return func(ctx context.Context, s *Session) error {
		offered := s.model.Capabilities().AuthMechanisms()
		if len(offered) == 0 {
			return errors.New("the server offers no AUTH in its EHLO reply")
		}
		choice := strings.ToUpper(mech)
		if choice == "" {
			for _, m := range authPreference {
				if slices.Contains(offered, m) {
					choice = m
					break
				}
			}
			if choice == "" {
				return fmt.Errorf("none of %s is offered (the server offers %s)", strings.Join(authPreference, ", "), visible.Clip(strings.Join(offered, " "), 200))
			}
		} else if !slices.Contains(offered, choice) {
			return fmt.Errorf("%s is not offered (the server offers %s)", choice, visible.Clip(strings.Join(offered, " "), 200))
		}
		return s.Exec(ctx, ":auth "+strings.ToLower(choice)+" "+user)
	}
}
