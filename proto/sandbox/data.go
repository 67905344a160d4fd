package sandbox

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/smtprepl/smtprepl/proto"
)

func (s *session) cmdData(arg string) error {
	if c := s.dataRefusal(arg); c != nil {
		s.send(*c)
		return nil
	}
	s.reply(354, proto.EnhancedCode{}, "End data with <CR><LF>.<CR><LF>")
	body := s.srv.newBody()
	defer body.release()
	st, err := proto.ReadDotBody(s.br, body, s.cfg.MaxSize)
	if err != nil {
		return err
	}
	if s.cfg.Transcript && s.cfg.Events != nil {
		s.emit(EventClient, fmt.Sprintf("(the message text: %d bytes, then \".\")", st.Bytes))
	}
	rcpts := s.tx.to
	switch {
	case st.TooBig:
		s.endTx()
		s.endReplies(rcpts, canned{552, ec(5, 3, 4), "Error: message file too big"})
	case body.over:
		// Read to its end and dropped: the session stays in step, and
		// 452 4.3.1 after the dot, as Postfix answers when its queue file
		// system is short, says "try again later".
		s.endTx()
		s.endReplies(rcpts, noStorage())
	case s.cfg.LMTP:
		s.deliverLMTP(body, st.BareLF)
	default:
		id, refusal := s.queue(body, st.BareLF)
		s.queuedReply(refusal, "Ok: queued as "+id)
	}
	return nil
}

func (s *session) dataRefusal(arg string) *canned {
	switch {
	case arg != "":
		return &canned{501, ec(5, 5, 4), "Syntax: DATA"}
	case s.tx == nil:
		return &canned{503, ec(5, 5, 1), "Error: need RCPT command"}
	case s.tx.chunks != nil:
		return &canned{503, ec(5, 5, 1), "Error: DATA after BDAT"}
	case len(s.tx.to) == 0:
		return &canned{554, ec(5, 5, 1), "Error: no valid recipients"}
	}
	return nil
}

// queue delivers the transaction to the mailbox and ends it, or refuses
// it with 452 4.3.1 when the mailbox can never hold a message this big.
func (s *session) queue(body *bodyBuffer, bareLF int) (string, *canned) {
	tx := s.tx
	msg := Message{
		ID:   s.cfg.QueueID(int(s.srv.queued.Add(1))),
		From: tx.from, To: tx.to,
		Received: s.cfg.Clock(), Helo: s.helo, TLS: s.tls, AuthUser: s.auth,
		BareLF: bareLF, Params: tx.params, RcptParams: tx.rcptParams,
		Client: clientIP(s.remoteAddr()), Protocol: protocolName(s.ehlo, tx.utf8, s.tls, s.auth != ""),
	}
	if s.cfg.LMTP {
		msg.Protocol = lmtpProtocol(msg.Protocol)
	}
	msg, err := s.srv.mailbox.store(msg, body)
	s.endTx()
	if err != nil {
		c := noStorage()
		return "", &c
	}
	s.messages++
	if s.cfg.Events != nil {
		s.cfg.Events(Event{Session: s.id, Remote: s.remoteAddr().String(), Kind: EventMessage, Message: &msg})
	}
	if s.srv.maildir != nil {
		if err := s.srv.maildir.write(s.srv.dir, s.cfg.Hostname, msg); err != nil {
			s.cfg.Logf("%v", err)
		}
	}
	return msg.ID, nil
}

// queuedReply answers the end of a message: its refusal, or 250 with ok.
func (s *session) queuedReply(refusal *canned, ok string) {
	if refusal == nil && s.cfg.Drop421At == "dot" {
		refusal = &canned{421, ec(4, 3, 2), s.cfg.Hostname + " Service not available, closing transmission channel (scenario)"}
		s.hangup = true
	}
	if refusal != nil {
		s.send(*refusal)
		return
	}
	s.reply(250, ec(2, 0, 0), ok)
}

// noStorage is Postfix's answer when its queue cannot take the message.
func noStorage() canned { return canned{452, ec(4, 3, 1), "Insufficient system storage"} }

// cmdBdat (RFC 3030) reads its chunk even when refusing the command: the
// bytes are on their way, and taking them for commands would let a message
// body smuggle commands. A malformed size leaves no way to find the end of
// the chunk, so the session ends there, as Postfix ends it.
func (s *session) cmdBdat(arg string) error {
	size, last, ok := parseBdat(arg)
	if !ok {
		s.reply(521, ec(5, 5, 4), "Syntax: BDAT count [LAST]")
		return errHangup
	}
	if c := s.bdatRefusal(size, last); c != nil {
		if err := s.readChunk(io.Discard, size); err != nil {
			return err
		}
		s.send(*c)
		return nil
	}
	return s.bdatChunk(size, last)
}

// readChunk copies a BDAT chunk to dst. A chunk, unlike a line, may hold
// no LF at all, so it has a deadline of its own: IdleTimeout, plus a second
// per MinDataRate bytes (at most a day, whatever size was announced).
func (s *session) readChunk(dst io.Writer, size int64) error {
	credit := time.Duration(min(size/s.cfg.MinDataRate, 24*60*60)) * time.Second
	s.chunkDue = time.Now().Add(s.cfg.IdleTimeout + credit)
	_, err := io.CopyN(dst, s.br, size)
	s.chunkDue = time.Time{}
	// What follows the chunk is the next command: a line if unfinished.
	s.lineStart = time.Time{}
	if rest, _ := s.br.Peek(s.br.Buffered()); len(rest) > 0 && rest[len(rest)-1] != '\n' {
		s.lineStart = time.Now()
	}
	return err
}

// parseBdat reads "size [LAST]"; size is digits only.
func parseBdat(arg string) (size int64, last, ok bool) {
	f := strings.Fields(arg)
	if len(f) == 0 || len(f) > 2 || len(f) == 2 && !strings.EqualFold(f[1], "LAST") {
		return 0, false, false
	}
	size, ok = parseSize(f[0])
	return size, len(f) == 2, ok
}

func (s *session) bdatRefusal(size int64, last bool) *canned {
	switch {
	case s.requireTLS && !s.tls:
		return &canned{530, ec(5, 7, 0), "Must issue a STARTTLS command first"}
	case s.tx == nil:
		return &canned{503, ec(5, 5, 1), "Error: need RCPT command"}
	case len(s.tx.to) == 0:
		return &canned{554, ec(5, 5, 1), "Error: no valid recipients"}
	case size == 0 && !last:
		return &canned{551, ec(5, 7, 1), "Null BDAT request"}
	}
	return nil
}

// bdatChunk adds one chunk. After a refused chunk the rest are discarded up
// to LAST, which ends the transaction (Postfix's replies throughout).
func (s *session) bdatChunk(size int64, last bool) error {
	tx := s.tx
	if tx.chunks == nil {
		tx.chunks = s.srv.newBody()
	}
	failed := tx.chunkErr
	tooBig := !failed && tx.chunks.Len()+size > s.cfg.MaxSize
	dst := io.Writer(tx.chunks)
	if failed || tooBig {
		dst = io.Discard
	}
	if err := s.readChunk(dst, size); err != nil {
		return err
	}
	short := !failed && !tooBig && tx.chunks.over
	if tx.chunkErr = failed || tooBig || short; tx.chunkErr {
		tx.chunks.release() // the message is lost: free its bytes now
	}
	end := func(c canned) { s.send(c) }
	if last {
		end = func(c canned) { s.endReplies(tx.to, c) }
	}
	switch {
	case failed:
		end(canned{551, ec(5, 0, 0), fmt.Sprintf("Discarded %d bytes after earlier error", size)})
	case tooBig:
		end(canned{552, ec(5, 3, 4), "Chunk exceeds message size limit"})
	case short:
		end(noStorage())
	case !last:
		s.reply(250, ec(2, 0, 0), fmt.Sprintf("Ok: %d bytes", size))
	case s.cfg.LMTP:
		s.deliverLMTP(tx.chunks, tx.chunks.bareLF())
	default:
		n := tx.chunks.Len()
		id, refusal := s.queue(tx.chunks, tx.chunks.bareLF())
		s.queuedReply(refusal, fmt.Sprintf("Ok: %d bytes queued as %s", n, id))
	}
	if last {
		s.endTx()
	}
	return nil
}
