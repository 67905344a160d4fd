package proto

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Limits bound what a reply may cost us: a hostile server must not make the
// client buffer without end.
type Limits struct {
	MaxLineBytes  int // one line, without its ending; default 64 KiB
	MaxReplyBytes int // all lines of one reply; default 1 MiB
	MaxReplyLines int // default 10 000
}

// DefaultLimits are generous: RFC 5321 §4.5.3.1.5 says 512 octets per reply
// line, but real servers send longer ones and a debugger must show them.
func DefaultLimits() Limits {
	return Limits{MaxLineBytes: 64 << 10, MaxReplyBytes: 1 << 20, MaxReplyLines: 10000}
}

// Reader reads server replies. It never interprets the code.
type Reader struct {
	br     *bufio.Reader
	limits Limits
	// OnLine, when set, sees every line exactly as received, ending
	// included (and a last line the server never ended): the tap hangs here.
	OnLine func(raw []byte)

	// The reply being read. When a read fails with an I/O error such as a
	// deadline, what arrived is kept and the next ReadReply resumes, so
	// abandoning a wait loses no bytes.
	text    []byte // the complete lines so far, without endings, back to back
	ends    []int  // where each line ends in text
	bareLF  bool   // some line so far ended in LF alone
	partial []byte // the start of a line whose LF has not arrived
}

// NewReader reads from r with DefaultLimits.
func NewReader(r io.Reader) *Reader {
	return NewReaderLimits(r, DefaultLimits())
}

// NewReaderLimits reads from r with the given limits; zero fields take defaults.
func NewReaderLimits(r io.Reader, l Limits) *Reader {
	d := DefaultLimits()
	if l.MaxLineBytes <= 0 {
		l.MaxLineBytes = d.MaxLineBytes
	}
	if l.MaxReplyBytes <= 0 {
		l.MaxReplyBytes = d.MaxReplyBytes
	}
	if l.MaxReplyLines <= 0 {
		l.MaxReplyLines = d.MaxReplyLines
	}
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 4096)
	}
	return &Reader{br: br, limits: l, text: make([]byte, 0, 512), ends: make([]int, 0, 16)}
}

// Buffered reports how many bytes have arrived but are not part of a
// complete reply yet: after a reply to STARTTLS anything here was sent in
// plaintext before the handshake (an injection attack, CVE-2011-0411
// style), so the client must refuse it.
func (r *Reader) Buffered() int { return r.br.Buffered() + len(r.partial) + len(r.text) }

// peekBuffered returns up to n of the bytes Buffered counts that are still
// in the buffer, for an error message.
func (r *Reader) peekBuffered(n int) []byte {
	b, _ := r.br.Peek(min(n, r.br.Buffered()))
	return b
}

// ReplyBuffered reports whether a whole reply has already arrived, so that
// reading it cannot block: the replies to a pipelined batch usually come
// in one segment, and waiting machinery per reply would be wasted on them.
func (r *Reader) ReplyBuffered() bool {
	if len(r.partial) > 0 || len(r.ends) > 0 {
		return false // a reply resumed after an abandoned wait: the slow path
	}
	buf, _ := r.br.Peek(r.br.Buffered())
	for len(buf) > 0 {
		end := bytes.IndexByte(buf, '\n')
		if end < 0 {
			return false
		}
		if end < 4 || buf[3] != '-' {
			return true // a last line; a short or odd one is reported when read
		}
		buf = buf[end+1:]
	}
	return false
}

// lineBuffered reports whether a whole line has arrived, so that reading
// it cannot block.
func (r *Reader) lineBuffered() bool {
	if len(r.partial) > 0 {
		return false
	}
	buf, _ := r.br.Peek(r.br.Buffered())
	return bytes.IndexByte(buf, '\n') >= 0
}

// LinesSoFar is the number of lines of the reply currently being read.
func (r *Reader) LinesSoFar() int { return len(r.ends) }

// ReadReply reads one complete reply, single- or multi-line.
func (r *Reader) ReadReply() (*Reply, error) {
	for {
		line, err := r.readLine()
		if err != nil {
			return nil, err
		}
		if err := r.addLine(line); err != nil {
			r.reset()
			return nil, err
		}
		if len(line) < 4 || line[3] != '-' {
			break
		}
	}
	defer r.reset()
	// One string holds the whole reply; the lines are slices of it.
	text := string(r.text)
	n := len(r.ends)
	both := make([]string, 2*n)
	raw := both[:n:n]
	start := 0
	for i, end := range r.ends {
		raw[i], start = text[start:end], end
	}
	reply, err := parseReply(raw, both[n:])
	if err != nil {
		return nil, err
	}
	reply.BareLF = r.bareLF
	return reply, nil
}

// addLine appends a complete line to the reply being read, within bounds.
func (r *Reader) addLine(line []byte) error {
	if len(r.ends) >= r.limits.MaxReplyLines {
		return &ProtocolError{Line: string(line), Reason: fmt.Sprintf("reply has more than %d lines", r.limits.MaxReplyLines)}
	}
	if len(r.text)+len(line) > r.limits.MaxReplyBytes {
		return &ProtocolError{Line: string(line), Reason: fmt.Sprintf("reply has more than %d bytes", r.limits.MaxReplyBytes)}
	}
	r.text = append(r.text, line...)
	r.ends = append(r.ends, len(r.text))
	return nil
}

// reset forgets the reply being read; a very long one's buffer is dropped.
func (r *Reader) reset() {
	if cap(r.text) > 64<<10 {
		r.text = nil
	}
	r.text, r.ends, r.bareLF, r.partial = r.text[:0], r.ends[:0], false, r.partial[:0]
}

// readLine returns one line without its ending, valid until the next read.
func (r *Reader) readLine() ([]byte, error) {
	raw, err := r.readRaw()
	if err != nil {
		return nil, r.lineError(err)
	}
	if r.OnLine != nil {
		r.OnLine(raw)
	}
	line := raw[:len(raw)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	} else {
		r.bareLF = true
	}
	if len(line) > r.limits.MaxLineBytes {
		r.reset()
		return nil, r.tooLong(line)
	}
	if bytes.IndexByte(line, 0) >= 0 {
		r.reset()
		return nil, &ProtocolError{Line: string(line), Reason: "NUL byte in reply"}
	}
	return line, nil
}

var errLineTooLong = errors.New("line too long")

// readRaw reads up to and including LF, refusing to buffer past the limit.
// A line that fits in the bufio buffer is returned without copying.
func (r *Reader) readRaw() ([]byte, error) {
	for {
		chunk, err := r.br.ReadSlice('\n')
		if err == nil && len(r.partial) == 0 {
			return chunk, nil
		}
		if len(r.partial)+len(chunk) > r.limits.MaxLineBytes+2 {
			r.partial = append(r.partial, chunk[:min(len(chunk), 80)]...)
			return nil, errLineTooLong
		}
		r.partial = append(r.partial, chunk...)
		if err == nil {
			line := r.partial
			r.partial = r.partial[:0] // line stays valid until the next append
			return line, nil
		}
		if err != bufio.ErrBufferFull {
			return nil, err
		}
	}
}

func (r *Reader) tooLong(line []byte) error {
	return &ProtocolError{Line: string(line[:min(len(line), 80)]), Reason: fmt.Sprintf("reply line longer than %d bytes", r.limits.MaxLineBytes)}
}

// lineError turns a failed read into the error the user sees. Only I/O
// errors that may pass (a deadline, a cancelled wait) keep the reply read
// so far for the next call.
func (r *Reader) lineError(err error) error {
	seen, partial := len(r.ends), r.partial
	eof := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
	if !eof && !errors.Is(err, errLineTooLong) {
		return err
	}
	defer r.reset()
	switch {
	case errors.Is(err, errLineTooLong):
		return r.tooLong(partial)
	case len(partial) > 0:
		if r.OnLine != nil {
			r.OnLine(partial)
		}
		return &ProtocolError{Line: string(partial), Reason: "connection closed before the line's CRLF", Err: ErrClosed}
	case seen > 0:
		return &closedError{fmt.Sprintf("proto: connection closed by server in the middle of a multi-line reply, after %d line(s)", seen)}
	}
	return &closedError{"proto: connection closed by server, between replies"}
}
