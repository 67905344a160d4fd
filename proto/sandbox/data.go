package sandbox

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
)

func (s *session) cmdData(arg string) error {
	if c := s.dataRefusal(arg); c != nil {
		s.send(*c)
		return nil
	}
	s.reply(354, proto.EnhancedCode{}, "End data with <CR><LF>.<CR><LF>")
	var body bytes.Buffer
	st, err := proto.ReadDotBody(s.br, &body, s.cfg.MaxSize)
	if err != nil {
		return err
	}
	if st.TooBig {
		s.tx = nil
		s.reply(552, ec(5, 3, 4), "Error: message file too big")
		return nil
	}
	id, refusal := s.queue(body.Bytes(), st.BareLF)
	if refusal != nil {
		s.send(*refusal)
		return nil
	}
	s.reply(250, ec(2, 0, 0), "Ok: queued as "+id)
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

// queue delivers the transaction to the mailbox and ends it.
func (s *session) queue(data []byte, bareLF int) (string, *canned) {
	tx := s.tx
	s.tx = nil
	msg := Message{
		ID:   s.cfg.QueueID(int(s.srv.queued.Add(1))),
		From: tx.from, To: tx.to, Data: data,
		Received: s.cfg.Clock(), Helo: s.helo, TLS: s.tls, AuthUser: s.auth,
		BareLF: bareLF, Params: tx.params, RcptParams: tx.rcptParams,
	}
	if err := s.srv.mailbox.deliver(msg); err != nil {
		return "", &canned{452, ec(4, 3, 1), "Insufficient system storage"}
	}
	return msg.ID, nil
}

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
		if _, err := io.CopyN(io.Discard, s.br, size); err != nil {
			return err
		}
		s.send(*c)
		return nil
	}
	return s.bdatChunk(size, last)
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
	case s.cfg.RequireTLS && !s.tls:
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
		tx.chunks = new(bytes.Buffer)
	}
	failed := tx.chunkErr
	tooBig := !failed && int64(tx.chunks.Len())+size > s.cfg.MaxSize
	dst := io.Writer(tx.chunks)
	if failed || tooBig {
		dst = io.Discard
	}
	if _, err := io.CopyN(dst, s.br, size); err != nil {
		return err
	}
	tx.chunkErr = failed || tooBig
	switch {
	case failed:
		s.reply(551, ec(5, 0, 0), fmt.Sprintf("Discarded %d bytes after earlier error", size))
	case tooBig:
		s.reply(552, ec(5, 3, 4), "Chunk exceeds message size limit")
	case !last:
		s.reply(250, ec(2, 0, 0), fmt.Sprintf("Ok: %d bytes", size))
	default:
		return s.bdatQueue()
	}
	if last {
		s.tx = nil
	}
	return nil
}

func (s *session) bdatQueue() error {
	data := s.tx.chunks.Bytes()
	id, refusal := s.queue(data, countBareLF(data))
	if refusal != nil {
		s.send(*refusal)
		return nil
	}
	s.reply(250, ec(2, 0, 0), fmt.Sprintf("Ok: %d bytes queued as %s", len(data), id))
	return nil
}

// countBareLF counts LFs not preceded by CR, as proto.ReadDotBody does
// for DATA, so both ways of sending report the same.
func countBareLF(data []byte) int {
	n := 0
	for i, b := range data {
		if b == '\n' && (i == 0 || data[i-1] != '\r') {
			n++
		}
	}
	return n
}
