package repl

import (
	"context"
	"fmt"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
)

// afterFunc updates the session after a reply to one verb; the table keeps
// verb knowledge in one place instead of a switch per concern.
type afterFunc func(ctx context.Context, s *Session, cmd proto.Command, r *proto.Reply) error

var afterTable = map[string]afterFunc{
	"EHLO":     afterEHLO,
	"HELO":     afterHELO,
	"STARTTLS": afterSTARTTLS,
	"MAIL":     afterMAIL,
	"RCPT":     afterRCPT,
	"DATA":     afterDATA,
	"RSET":     afterRSET,
	"AUTH":     afterAUTH,
	"QUIT":     afterQUIT,
}

func (s *Session) afterReply(ctx context.Context, cmd proto.Command, r *proto.Reply) error {
	if f, ok := afterTable[cmd.Verb]; ok {
		return f(ctx, s, cmd, r)
	}
	return nil
}

func afterEHLO(_ context.Context, s *Session, _ proto.Command, r *proto.Reply) error {
	if r.Code != 250 {
		return nil
	}
	s.st = state{greeted: true, authUser: s.st.authUser}
	before := s.caps
	s.caps = proto.ParseEHLO(r)
	if s.capsPre != nil && s.client.TLS() != nil {
		before = s.capsPre
	}
	s.view.capabilities(s.caps, before, s.client.TLS() != nil)
	return nil
}

func afterHELO(_ context.Context, s *Session, _ proto.Command, r *proto.Reply) error {
	if r.Code == 250 {
		s.st = state{greeted: true, authUser: s.st.authUser}
		s.caps = &proto.Capabilities{}
	}
	return nil
}

// afterSTARTTLS performs the handshake itself: after 220 the server waits
// for a ClientHello, and nothing else may be sent (RFC 3207 §4).
func afterSTARTTLS(ctx context.Context, s *Session, _ proto.Command, r *proto.Reply) error {
	if r.Code != 220 {
		s.guard.refusedBy = s.client.Addr() // credentials now wait for --allow-plaintext-auth
		return nil
	}
	info, err := s.client.StartTLS(ctx)
	if err != nil {
		s.client.Close()
		return err
	}
	s.showTLS(info)
	// RFC 3207 §4.2: the client must discard what it knew and EHLO again.
	s.capsPre, s.caps, s.st = s.caps, nil, state{}
	s.view.note("TLS is on; the server has forgotten the session: send EHLO again")
	return nil
}

func afterMAIL(_ context.Context, s *Session, cmd proto.Command, r *proto.Reply) error {
	if r.Class() == 2 {
		s.st.mail, s.st.rcpts = true, 0
		s.st.body8bit = declares8bit(cmd)
	}
	return nil
}

// declares8bit reports whether MAIL FROM carried BODY=8BITMIME (RFC 6152)
// or BINARYMIME (RFC 3030), for the warning about 8-bit message text.
func declares8bit(cmd proto.Command) bool {
	path, err := proto.ParsePath(cmd.Arg, "FROM")
	if err != nil {
		return false
	}
	body, ok := path.Lookup("BODY")
	return ok && (strings.EqualFold(body.Value, "8BITMIME") || strings.EqualFold(body.Value, "BINARYMIME"))
}

func afterRCPT(_ context.Context, s *Session, _ proto.Command, r *proto.Reply) error {
	if r.Class() == 2 {
		s.st.rcpts++
	}
	return nil
}

func afterDATA(_ context.Context, s *Session, _ proto.Command, r *proto.Reply) error {
	if r.Code != 354 {
		if s.ask != nil {
			s.refuseText(r.Code) // a script skips the text itself
		}
		return nil
	}
	body, err := s.client.Body()
	if err != nil {
		return err
	}
	s.body, s.st.inData = body, true
	s.msg = msgState{inHeader: true}
	s.view.dataMode(true)
	s.view.note("lines are message text now (leading dots are doubled for you); :send FILE sends a file instead")
	return nil
}

func afterRSET(_ context.Context, s *Session, _ proto.Command, r *proto.Reply) error {
	if r.Class() == 2 {
		s.st.mail, s.st.rcpts = false, 0
	}
	return nil
}

// afterAUTH: in the shell the session answers the 334s itself; a script
// answers them from its lines (scriptAuthAnswers). Either way the end of
// the exchange is noted once, with its last reply.
func afterAUTH(ctx context.Context, s *Session, cmd proto.Command, r *proto.Reply) error {
	if r.Code == 334 && s.ask != nil {
		final, err := s.assistAuth(ctx, cmd, r)
		if err != nil {
			return err
		}
		r = final
	}
	if r.Code == 334 {
		return nil
	}
	if r.Code == 235 && s.st.authUser == "" {
		s.st.authUser = authUserHint(cmd)
	}
	s.authOver(r)
	return nil
}

// authUserHint names the user for the prompt when the command itself
// carried it (PLAIN with an initial response); otherwise "yes".
func authUserHint(cmd proto.Command) string {
	mech, ir := proto.SplitVerb(cmd.Arg)
	if strings.EqualFold(mech, "PLAIN") && ir != "" {
		if _, user, _, err := proto.DecodePlain(ir); err == nil {
			return user
		}
	}
	return "(authenticated)"
}

func afterQUIT(_ context.Context, s *Session, _ proto.Command, r *proto.Reply) error {
	if r.Code == 221 {
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
		return s.endData(ctx)
	}
	if s.ask != nil && s.isColonCommand(line) {
		return s.colon(ctx, line[1:])
	}
	_, err := s.sendText(line, true)
	return err
}

func (s *Session) endData(ctx context.Context) error {
	if err := s.closeBody(true); err != nil {
		return err
	}
	return s.readDataReply(ctx)
}

// closeBody ends the message with CRLF.CRLF; the reply is read by
// readDataReply, at once or, when pipelining, after the next batch. send
// false leaves the end buffered to go out with that batch.
func (s *Session) closeBody(send bool) error {
	s.st.inData = false
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

func (s *Session) readDataReply(ctx context.Context) error {
	reply, err := s.readReply(ctx)
	if err != nil {
		return fmt.Errorf("waiting for the reply to the message: %w", err)
	}
	s.noteReply(".", reply)
	s.st.mail, s.st.rcpts = false, 0
	return nil
}
