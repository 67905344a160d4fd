package repl

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/visible"
)

// XClientError is --xclient failing, at the stage swaks numbers 33 (not
// offered, not with these attributes, or refused) or, AfterEHLO, 34 (the
// EHLO the new session needs was refused).
type XClientError struct {
	AfterEHLO bool
	Err       error
}

func (e *XClientError) Error() string { return e.Err.Error() }
func (e *XClientError) Unwrap() error { return e.Err }

// xclientAfterHello sends --xclient's attributes once, after the first
// HELO or EHLO the server accepts (with --starttls, the first inside
// TLS): that is when the server has said whether it offers XCLIENT, and
// to whom.
func (s *Session) xclientAfterHello(ctx context.Context, hello string, r *proto.Reply) error {
	if len(s.cfg.XClient) == 0 || s.xclientSent || r.Code != 250 || (s.cfg.StartTLS || s.tlsPlanned) && s.client.TLS() == nil {
		return nil
	}
	// A stop-point at the hello, or (no STARTTLS coming) at tls, comes first.
	if stopped, err := s.stopIfDue(ctx); stopped {
		return err
	}
	if stopped, err := s.stopBefore(ctx, "XCLIENT"); stopped {
		return err
	}
	s.xclientSent, s.stops.current = true, StageXClient
	if err := proto.CheckXClientOffer(s.cfg.XClient, s.model.Capabilities()); err != nil {
		return s.xclientFailed(ctx, &XClientError{Err: fmt.Errorf("--xclient: %s: %w", s.describeTarget(), err)})
	}
	reply, err := s.sendXClient(ctx, s.cfg.XClient, hello)
	if err != nil || s.stopped() {
		return err
	}
	if reply.Code != 220 {
		return s.xclientFailed(ctx, &XClientError{Err: fmt.Errorf("--xclient: %s answered XCLIENT %s", s.describeTarget(), replyText(reply))})
	}
	if s.lastReply != nil && s.lastReply.Code != 250 {
		return s.xclientFailed(ctx, &XClientError{AfterEHLO: true, Err: fmt.Errorf("--xclient: %s answered the EHLO after XCLIENT %s", s.describeTarget(), replyText(s.lastReply))})
	}
	return nil
}

// xclientFailed ends the session politely, as swaks does: the
// connection is fine, only the session asked for could not be had.
func (s *Session) xclientFailed(ctx context.Context, err *XClientError) error {
	if s.Connected() {
		s.command(ctx, "QUIT")
	}
	return err
}

// replyText is a reply's first line for an error sentence, escaped.
func replyText(r *proto.Reply) string {
	if len(r.Raw) == 0 {
		return fmt.Sprint(r.Code)
	}
	return visible.Clip(r.Raw[0], 200)
}

// runXClient is :xclient NAME=VALUE ...: the values are encoded for the
// user, each attribute explained, and checked against the server's offer
// when it made one.
func runXClient(ctx context.Context, s *Session, args string) error {
	if err := s.requireConn(); err != nil {
		return err
	}
	attrs, err := proto.ParseXClientAttrs(strings.Fields(args))
	if err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "proto: "))
	}
	caps := s.model.Capabilities()
	switch err := proto.CheckXClientOffer(attrs, caps); {
	case err == nil:
	case caps == nil:
		s.explainXClient("no EHLO yet, so what the server offers is unknown: sent as it is")
	case caps.Has("XCLIENT"):
		return fmt.Errorf("not sent: %w", err)
	default:
		s.explainXClient("sent anyway, to see the answer: " + err.Error())
	}
	_, err = s.sendXClient(ctx, attrs, s.hello)
	return err
}

// sendXClient explains and sends one XCLIENT command. After its 220 the
// server starts a new session for the client named, which must be
// greeted again: hello, the last HELO or EHLO, goes again ("" when there
// was none, and the person is told to).
func (s *Session) sendXClient(ctx context.Context, attrs []proto.XClientAttr, hello string) (*proto.Reply, error) {
	for _, a := range attrs {
		s.explainXClient(describeXClientAttr(a))
	}
	if err := s.command(ctx, proto.XClientLine(attrs)); err != nil {
		return nil, err
	}
	reply := s.lastReply
	switch {
	case reply.Code == 550:
		s.explainXClient("XCLIENT refused: the server does not trust this client with it (Postfix allows it only from smtpd_authorized_xclient_hosts); the session goes on as it was")
	case reply.Code != 220:
	case hello == "":
		s.explainXClient("XCLIENT accepted: the server greeted again (220) as if the client named had connected; greet it with EHLO")
	default:
		if stopped, err := s.stopIfDue(ctx); stopped { // --quit-after xclient
			return reply, err
		}
		hello = rehello(hello, attrs)
		s.explainXClient("XCLIENT accepted: the server greeted again (220) as if the client named had connected, and forgot the EHLO; smtprepl greets it again: " + visible.Clip(hello, 200))
		if err := s.command(ctx, hello); err != nil {
			return nil, err
		}
	}
	return reply, nil
}

// rehello is the greeting after XCLIENT: the one before, with the name
// XCLIENT's HELO gave, since a new HELO or EHLO would override it.
func rehello(hello string, attrs []proto.XClientAttr) string {
	verb, _ := proto.SplitVerb(hello)
	for _, a := range attrs {
		if a.Name == "HELO" && a.Value != proto.XClientUnavailable && a.Value != proto.XClientTempUnavail && proto.ValidateLine(a.Value) == nil && !strings.ContainsAny(a.Value, " \t") {
			hello = verb + " " + a.Value
		}
	}
	return hello
}

// describeXClientAttr says what an attribute overrides and, when the
// value had to be encoded, its xtext.
func describeXClientAttr(a proto.XClientAttr) string {
	text := fmt.Sprintf("XCLIENT %s: %s", a.Name, proto.XClientMeaning(a.Name))
	switch enc := proto.XtextEncode(a.Value); {
	case a.Value == proto.XClientUnavailable:
		text += `: unknown`
	case a.Value == proto.XClientTempUnavail:
		text += `: its lookup failed for now`
	case enc != a.Value:
		text += fmt.Sprintf(": %s, sent as xtext %s", visible.Clip(`"`+a.Value+`"`, 200), enc)
	default:
		text += ": " + visible.Clip(a.Value, 200)
	}
	return text
}

// explainXClient is a note in the shell, a "#" comment in a transcript.
func (s *Session) explainXClient(text string) {
	if s.ask != nil {
		s.view.note(text)
		return
	}
	s.view.output(text)
}

func completeXClient(_ *Session, arg string) []string {
	words := strings.Fields(arg)
	prefix := ""
	if len(words) > 0 && !strings.HasSuffix(arg, " ") {
		prefix = words[len(words)-1]
	}
	var out []string
	for _, n := range proto.XClientNames() {
		if strings.HasPrefix(n+"=", strings.ToUpper(prefix)) {
			out = append(out, strings.TrimSuffix(arg, prefix)+n+"=")
		}
	}
	return out
}
