package repl

import (
	"bytes"
	"context"
	"errors"
	"net/mail"

	"github.com/smtprepl/smtprepl/proto/message"
)

// runSend sends the message through the session's own commands, so every
// line is shown, recorded and explained as if typed: MAIL FROM from
// Sender (else the first From), RCPT TO for To, Cc and Bcc, then DATA.
// What is already open is used: a transaction typed by hand, or DATA.
func (c *composer) runSend(ctx context.Context, s *Session, _ string) error {
	if err := s.requireConn(); err != nil {
		return err
	}
	data, err := c.render(s)
	if err != nil {
		return err
	}
	ok, err := c.openTransaction(ctx, s, bodyParam(data))
	if err != nil || !ok {
		return err
	}
	return s.streamMessage(ctx, bytes.NewReader(data), "the composed message")
}

// openTransaction does what is missing of MAIL, RCPT and DATA and reports
// whether the server now waits for the message text. A refusal is not an
// error: the reply on screen says why.
func (c *composer) openTransaction(ctx context.Context, s *Session, params string) (bool, error) {
	switch {
	case s.inData():
		return true, nil
	case s.model.State().Hello == "":
		return false, errors.New("say EHLO first: :compose send does MAIL, RCPT and DATA, not the greeting")
	case s.model.State().Recipients == 0 && len(c.msg.Recipients()) == 0:
		return false, errors.New("no recipients: set To, Cc or Bcc with :compose header, or type RCPT TO yourself")
	}
	if !s.model.State().InTransaction {
		from, err := envelopeFrom(c.msg)
		if err != nil {
			return false, err
		}
		if err := s.command(ctx, "MAIL FROM:<"+from+">"+params); err != nil || !s.model.State().InTransaction {
			return false, err
		}
	}
	if s.model.State().Recipients == 0 {
		if err := c.sendRcpts(ctx, s); err != nil || s.model.State().Recipients == 0 {
			return false, err
		}
	}
	if err := s.command(ctx, "DATA"); err != nil {
		return false, err
	}
	if err := s.stopInside(ctx); err != nil {
		return false, err // --drop-after data: the message is not sent
	}
	return s.inData(), nil
}

// bodyParam announces a body with 8-bit bytes (RFC 6152 §2): :compose
// sends one only when the server offered 8BITMIME.
func bodyParam(data []byte) string {
	for _, b := range data {
		if b >= 0x80 {
			return " BODY=8BITMIME"
		}
	}
	return ""
}

func (c *composer) sendRcpts(ctx context.Context, s *Session) error {
	for _, rcpt := range c.msg.Recipients() {
		if err := s.command(ctx, "RCPT TO:<"+rcpt+">"); err != nil {
			return err
		}
	}
	if s.model.State().Recipients == 0 {
		s.view.note("no recipient was accepted, so there is nothing to send; the transaction stays open (RSET drops it)")
	}
	return nil
}

// envelopeFrom is the reverse-path: the Sender when there is one (the
// mailbox that actually sends, RFC 5322 §3.6.2), else the first author.
func envelopeFrom(m *message.Message) (string, error) {
	h := m.Header()
	v := h.Get("Sender")
	if v == "" {
		v = h.Get("From")
	}
	addrs, err := mail.ParseAddressList(v)
	if err != nil || len(addrs) == 0 {
		return "", errors.New("no From to send from: :compose header From: you@example.test")
	}
	return addrs[0].Address, nil
}
