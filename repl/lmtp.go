package repl

import (
	"context"
	"fmt"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
)

// delivery is the recipient an LMTP reply to the end of a message belongs
// to: RFC 2033 §4.2 gives one reply per accepted recipient, in the order
// of their RCPT commands. The zero value is SMTP's single reply.
type delivery struct {
	rcpt  string // from a line anyone may have typed: escape it to show it
	n, of int
}

// nextDelivery is the recipient the next reply to the end of a message
// is for; zero outside an LMTP delivery.
func (s *Session) nextDelivery() delivery {
	if !s.model.LMTP() || s.model.Phase() != proto.PhaseDelivery {
		return delivery{}
	}
	rcpts, due := s.model.Recipients(), s.model.State().RepliesDue
	i := len(rcpts) - due
	if due <= 0 || i < 0 || i >= len(rcpts) {
		return delivery{}
	}
	return delivery{rcpt: rcpts[i], n: i + 1, of: len(rcpts)}
}

// waitingFor names the recipient in an error while its reply is awaited.
func (d delivery) waitingFor() string {
	if d.of == 0 {
		return ""
	}
	return fmt.Sprintf(" for <%s> (LMTP reply %d of %d)", d.rcpt, d.n, d.of)
}

// noteDelivery says which recipient an LMTP reply is for and whether the
// message reached it: in the shell under the reply, in a transcript as a
// comment (and in a recording), so a reader never has to count replies.
func (s *Session) noteDelivery(d delivery, r *proto.Reply) {
	if d.of == 0 {
		return
	}
	outcome := "delivered"
	if r.Failed() {
		codes := fmt.Sprint(r.Code)
		if !r.Enhanced.IsZero() {
			codes += " " + r.Enhanced.String()
		}
		outcome = "NOT delivered (" + codes + ")"
		s.undelivered.add(fmt.Sprintf("<%s> (%s)", d.rcpt, codes))
	}
	text := fmt.Sprintf("LMTP reply %d of %d, for <%s>: %s", d.n, d.of, d.rcpt, outcome)
	s.remark(text)
}

// remark is a sentence of the session's own about the dialogue: a dim
// note in the shell, a comment in a transcript and in any recording.
func (s *Session) remark(text string) {
	if s.view.person != nil {
		s.view.note(text)
	} else {
		s.view.output(text)
	}
	if s.recording != nil {
		s.recording.rec.Comment(text)
	}
}

// undelivered names the LMTP recipients whose delivery reply was 4xx or
// 5xx, with the reply's codes ("<bob@example.test> (552 5.2.2)"), in the
// order of the replies: the first undeliveredNamed, and a count of the
// rest, so a long script's failures cannot grow without bound.
type undelivered struct {
	named []string
	more  int
}

const undeliveredNamed = 10

func (u *undelivered) add(name string) {
	if len(u.named) < undeliveredNamed {
		u.named = append(u.named, name)
		return
	}
	u.more++
}

// UndeliveredSentence is the one sentence naming the recipients an LMTP
// message did not reach, "" when it reached them all.
func (s *Session) UndeliveredSentence() string {
	u := s.undelivered
	if len(u.named) == 0 {
		return ""
	}
	text := "LMTP: the message was not delivered to " + strings.Join(u.named, ", ")
	if u.more > 0 {
		text += fmt.Sprintf(" and %d more", u.more)
	}
	return text
}

// afterLHLO shows the capabilities as after EHLO and, when --lmtp was
// not given, says that the server's answer made the session LMTP: the
// model now waits for a reply per recipient after the message.
func afterLHLO(ctx context.Context, s *Session, cmd proto.Command, r *proto.Reply) error {
	if r.Code == 250 && !s.cfg.LMTP && s.model.LMTP() {
		s.remark("the server answered LHLO, so it speaks LMTP (RFC 2033): after the message, one reply per accepted recipient is read (--lmtp says so from the start)")
	}
	return afterEHLO(ctx, s, cmd, r)
}

// helloVerb is the hello the session's dialect uses: LHLO in LMTP
// (RFC 2033 §4.1), else EHLO.
func (s *Session) helloVerb() string {
	if s.model.LMTP() {
		return "LHLO"
	}
	return "EHLO"
}

// bdatLastDeliveries reads what an LMTP "BDAT n LAST" is still owed after
// its first reply: one reply per accepted recipient in all (RFC 2033
// §4.2 with RFC 3030 §2). rcpts are the recipients as they stood before
// the command, for naming the first reply.
func (s *Session) bdatLastDeliveries(ctx context.Context, rcpts []string, r *proto.Reply) error {
	if len(rcpts) > 0 {
		s.noteDelivery(delivery{rcpt: rcpts[0], n: 1, of: len(rcpts)}, r)
	}
	if s.model.Phase() != proto.PhaseDelivery {
		return nil
	}
	return s.readDataReply(ctx)
}

// lmtpBDATLast reports whether cmd ends an LMTP message by BDAT LAST, and
// the recipients it is delivered to, copied: the model forgets them when
// the last reply comes.
func (s *Session) lmtpBDATLast(cmd proto.Command) ([]string, bool) {
	if !s.model.LMTP() || cmd.Verb != "BDAT" || !s.model.State().InTransaction {
		return nil, false
	}
	_, last := proto.SplitVerb(cmd.Arg)
	if !strings.EqualFold(strings.TrimSpace(last), "LAST") {
		return nil, false
	}
	return append([]string(nil), s.model.Recipients()...), true
}
