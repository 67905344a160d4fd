package repl

import (
	"context"
	"fmt"

	"github.com/smtprepl/smtprepl/proto"
)

// afterFunc acts on a reply to one verb, once the model has taken it:
// what the session does (show, hand over to TLS, open the message, hang
// up), never where it stands, which is the model's.
type afterFunc func(ctx context.Context, s *Session, cmd proto.Command, r *proto.Reply) error

var afterTable = map[string]afterFunc{
	"EHLO":     afterEHLO,
	"LHLO":     afterLHLO,
	"STARTTLS": afterSTARTTLS,
	"DATA":     afterDATA,
	"AUTH":     afterAUTH,
	"QUIT":     afterQUIT,
}

// afterReply feeds the model the command and its reply, then acts on it.
func (s *Session) afterReply(ctx context.Context, cmd proto.Command, r *proto.Reply) error {
	s.model.Feed(commandLine(cmd), r)
	if f, ok := afterTable[cmd.Verb]; ok {
		if err := f(ctx, s, cmd, r); err != nil {
			return err
		}
	}
	return s.afterHello(ctx, cmd, r)
}

// commandLine is the line cmd was parsed from, as the model reads it.
func commandLine(cmd proto.Command) string {
	if cmd.Arg == "" {
		return cmd.Verb
	}
	return cmd.Verb + " " + cmd.Arg
}

func afterEHLO(_ context.Context, s *Session, _ proto.Command, r *proto.Reply) error {
	if r.Code == 250 {
		tls := s.client.TLS() != nil
		s.view.capabilities(s.model.Capabilities(), s.model.CapabilitiesBeforeTLS(), tls)
	}
	return nil
}

// afterHello keeps the HELO or EHLO the server took, which XCLIENT's new
// session needs again, and sends --xclient's attributes after the first.
// It is outside afterTable because XCLIENT's own steps go through
// afterReply again.
func (s *Session) afterHello(ctx context.Context, cmd proto.Command, r *proto.Reply) error {
	if cmd.Verb != "EHLO" && cmd.Verb != "HELO" {
		return nil
	}
	if r.Code == 250 {
		s.hello = commandLine(cmd)
	}
	return s.xclientAfterHello(ctx, commandLine(cmd), r)
}

// afterSTARTTLS performs the handshake itself: after 220 the server waits
// for a ClientHello, and nothing else may be sent (RFC 3207 §4).
func afterSTARTTLS(ctx context.Context, s *Session, _ proto.Command, _ *proto.Reply) error {
	if s.model.Phase() != proto.PhaseHandshake {
		s.guard.refusedBy = s.client.Addr() // credentials now wait for --allow-plaintext-auth
		return nil
	}
	info, err := s.client.StartTLS(ctx)
	if err != nil {
		s.showRefusedChain(err)
		s.model.ConnectionClosed()
		s.client.Close()
		return err
	}
	s.model.TLSEstablished() // RFC 3207 §4.2: the client forgets what it knew
	s.showTLS(info)
	s.view.note("TLS is on; the server has forgotten the session: send EHLO again")
	return nil
}

func afterDATA(_ context.Context, s *Session, _ proto.Command, r *proto.Reply) error {
	if !s.inData() {
		if s.ask != nil {
			s.refuseText(r.Code) // a script skips the text itself
		}
		return nil
	}
	body, err := s.client.Body()
	if err != nil {
		s.model.MarkOutOfStep("a message that could not be opened")
		return err
	}
	s.body = body
	s.msg = msgState{inHeader: true}
	s.view.dataMode(true)
	s.view.note("lines are message text now (leading dots are doubled for you); :send FILE sends a file instead")
	return nil
}

// afterAUTH: in the shell, and for :auth everywhere, the session answers
// the 334s itself; a script's typed AUTH answers them from its lines
// (scriptAuthAnswers). Either way the end of the exchange is noted once,
// with its last reply.
func afterAUTH(ctx context.Context, s *Session, cmd proto.Command, r *proto.Reply) error {
	if r.Code == 334 && (s.ask != nil || s.auth != nil) {
		final, err := s.assistAuth(ctx, cmd, r)
		if err != nil {
			return err
		}
		r = final
	}
	if r.Code == 334 {
		return nil
	}
	s.authOver(r)
	return nil
}

func afterQUIT(_ context.Context, s *Session, _ proto.Command, _ *proto.Reply) error {
	if s.model.State().Closed() {
		s.client.Close()
		s.quit = true
		if s.ask != nil {
			s.view.note(":open reconnects; :mailbox shows what the practice server received; :quit leaves")
		}
	}
	return nil
}

// dataLine writes one line of message text; a lone "." ends the message.
// In the shell a known colon-command still works here (:send, :status).
func (s *Session) dataLine(ctx context.Context, line string) error {
	if line == "." {
		s.dotEnded = true
		return s.endData(ctx)
	}
	if s.ask != nil && s.commands().isColonCommand(line) {
		return s.colon(ctx, line[1:])
	}
	_, err := s.sendText(line, true)
	return err
}

func (s *Session) endData(ctx context.Context) error {
	if miss := s.msg.missingFields(); s.ask != nil && miss != "" {
		// :compose fills these in; a typed message is stored as it is.
		s.view.warn("this message has " + miss + ": RFC 5322 §3.6 requires From and Date in every message; the practice server stores it as it is, a real one may add them or refuse it (:compose fills them in)")
	}
	if err := s.closeBody(true); err != nil {
		return err
	}
	return s.readDataReply(ctx)
}

// closeBody ends the message with CRLF.CRLF; the reply is read by
// readDataReply, at once or, when pipelining, after the next batch. send
// false leaves the end buffered to go out with that batch.
func (s *Session) closeBody(send bool) error {
	s.model.EndData()
	body := s.body
	s.body = nil
	s.view.body(".")
	end := body.Close
	if !send {
		end = body.End
	}
	err := end()
	s.view.dataMode(false)
	if err != nil {
		return fmt.Errorf("ending the message: %w", err)
	}
	s.pendingVerb = "the message"
	return nil
}

// readDataReply reads the replies to the end of a message: one, or in
// LMTP one per accepted recipient (RFC 2033 §4.2), each named with its
// recipient, so the next command gets its own reply.
func (s *Session) readDataReply(ctx context.Context) error {
	s.stops.awaiting(s.model.State(), ".")
	var reply *proto.Reply
	for first := true; first || s.model.Phase() == proto.PhaseDelivery; first = false {
		d := s.nextDelivery()
		var err error
		if reply, err = s.readReply(ctx); err != nil {
			return fmt.Errorf("waiting for the reply to the message%s: %w", d.waitingFor(), err)
		}
		s.noteReply(".", reply)
		s.model.Feed(".", reply)
		s.noteDelivery(d, reply)
	}
	// The dot stage is passed once every recipient's reply is in.
	s.stops.answered(".", reply)
	return nil
}
