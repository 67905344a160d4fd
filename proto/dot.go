package proto

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// dotState names where the DotWriter is in a line; the machine is what makes
// dot-stuffing and CRLF normalisation correct across arbitrary Write splits.
type dotState int

const (
	dotBeginLine dotState = iota // next byte starts a line
	dotInLine                    // inside a line
	dotCR                        // saw CR, waiting to see whether LF follows
)

// DotWriter writes a DATA body (RFC 5321 §4.5.2): a leading '.' is doubled,
// and every bare LF or bare CR becomes CRLF, so no lone LF or CR ever
// reaches the wire (SMTP smuggling relies on servers that disagree about
// them). Close ends an unterminated last line and writes ".\r\n".
type DotWriter struct {
	w      *bufio.Writer
	state  dotState
	closed bool
	// Stuffed counts lines whose leading dot was doubled, so a REPL can say so.
	Stuffed int
	// Normalised counts bare CR or LF turned into CRLF.
	Normalised int
}

// NewDotWriter writes the stuffed body to w.
func NewDotWriter(w io.Writer) *DotWriter {
	bw, ok := w.(*bufio.Writer)
	if !ok {
		bw = bufio.NewWriterSize(w, 32<<10)
	}
	return &DotWriter{w: bw}
}

var errDotClosed = errors.New("proto: write to a closed DATA body")

func (d *DotWriter) Write(p []byte) (int, error) {
	if d.closed {
		return 0, errDotClosed
	}
	n := 0
	for n < len(p) {
		if d.state == dotInLine {
			// Inside a line only CR and LF matter: copy up to one in one go.
			run := indexLineEnd(p[n:])
			if run < 0 {
				run = len(p) - n
			}
			if run > 0 {
				m, err := d.w.Write(p[n : n+run])
				if n += m; err != nil {
					return n, err
				}
				continue
			}
		}
		if err := d.writeByte(p[n]); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// indexLineEnd is the index of the first CR or LF in p, or -1.
func indexLineEnd(p []byte) int {
	lf := bytes.IndexByte(p, '\n')
	if lf < 0 {
		lf = len(p)
	}
	if cr := bytes.IndexByte(p[:lf], '\r'); cr >= 0 {
		return cr
	}
	if lf == len(p) {
		return -1
	}
	return lf
}

func (d *DotWriter) writeByte(b byte) error {
	if d.state == dotCR && b != '\n' {
		// A bare CR: end the line properly before going on.
		d.Normalised++
		if err := d.w.WriteByte('\n'); err != nil {
			return err
		}
		d.state = dotBeginLine
	}
	switch {
	case b == '\r':
		d.state = dotCR
		return d.w.WriteByte('\r')
	case b == '\n':
		if d.state != dotCR {
			d.Normalised++
			if err := d.w.WriteByte('\r'); err != nil {
				return err
			}
		}
		d.state = dotBeginLine
		return d.w.WriteByte('\n')
	case b == '.' && d.state == dotBeginLine:
		d.Stuffed++
		if err := d.w.WriteByte('.'); err != nil {
			return err
		}
	}
	d.state = dotInLine
	return d.w.WriteByte(b)
}

// Close finishes the body with CRLF.CRLF and flushes.
func (d *DotWriter) Close() error {
	if d.closed {
		return nil
	}
	if err := d.end(); err != nil {
		return err
	}
	return d.w.Flush()
}

// end writes the terminator without flushing.
func (d *DotWriter) end() error {
	if d.closed {
		return nil
	}
	d.closed = true
	var end string
	switch d.state {
	case dotInLine:
		end = "\r\n.\r\n"
	case dotCR:
		d.Normalised++ // the body ended in a bare CR
		end = "\n.\r\n"
	default:
		end = ".\r\n"
	}
	_, err := d.w.WriteString(end)
	return err
}

// DotStuff is the pure form of DotWriter for lessons and tests.
func DotStuff(body []byte) []byte {
	out := bytesBuffer{b: make([]byte, 0, len(body)+len(body)/8+5)}
	d := NewDotWriter(bufio.NewWriterSize(&out, 512))
	d.Write(body)
	d.Close()
	return out.b
}

type bytesBuffer struct{ b []byte }

func (b *bytesBuffer) Write(p []byte) (int, error) { b.b = append(b.b, p...); return len(p), nil }
