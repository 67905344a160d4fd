package sandbox

import (
	"bytes"
	"fmt"
	"io"
	"math"
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
	body := &bodyBuffer{max: s.cfg.MaxSize}
	st, err := proto.ReadDotBody(s.br, body, s.cfg.MaxSize)
	if err != nil {
		return err
	}
	if st.TooBig {
		s.tx = nil
		s.reply(552, ec(5, 3, 4), "Error: message file too big")
		return nil
	}
	id, refusal := s.queue(body.b, st.BareLF)
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

// bodyBuffer collects a message body. It grows like bytes.Buffer but never
// past max (what is beyond is dropped anyway), where doubling could make a
// body just over half of MaxSize cost all of it and more.
type bodyBuffer struct {
	b   []byte
	max int64
}

func (w *bodyBuffer) Write(p []byte) (int, error) {
	if need := len(w.b) + len(p); need > cap(w.b) {
		limit := max(int(min(w.max, math.MaxInt)), need)
		grown := make([]byte, len(w.b), min(max(2*cap(w.b), need, 512), limit))
		copy(grown, w.b)
		w.b = grown
	}
	w.b = append(w.b, p...)
	return len(p), nil
}

// queue delivers the transaction to the mailbox and ends it. The mailbox
// counts len(Data), so a body with much room to spare is copied to size:
// what it holds is then what its bytes limit says.
func (s *session) queue(data []byte, bareLF int) (string, *canned) {
	tx := s.tx
	s.tx = nil
	if cap(data)-len(data) > len(data)/4 {
		data = bytes.Clone(data)
	}
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
		tx.chunks = &bodyBuffer{max: s.cfg.MaxSize}
	}
	failed := tx.chunkErr
	tooBig := !failed && int64(len(tx.chunks.b))+size > s.cfg.MaxSize
	dst := io.Writer(tx.chunks)
	if failed || tooBig {
		dst = io.Discard
	}
	if err := s.readChunk(dst, size); err != nil {
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
	data := s.tx.chunks.b
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
