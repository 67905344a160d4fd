package proto

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// DotStats describes a body read by ReadDotBody.
type DotStats struct {
	Bytes     int64 // unstuffed bytes of the body, endings included
	Unstuffed int   // lines whose leading dot was removed
	BareLF    int   // LF not preceded by CR: kept as data, never a line end
	BareCR    int   // CR not followed by LF
	TooBig    bool  // more than max bytes arrived; the rest was read and dropped
}

// ReadDotBody reads a DATA body up to the line "." and writes it, unstuffed,
// to dst. Only CRLF ends a line, so "\n.\n" or "\n.\r\n" never ends the body:
// that disagreement between servers is what SMTP smuggling exploits. Past
// max bytes (if max > 0) the body is still read to its end, so the session
// stays in step and the server can answer 552 after the dot.
func ReadDotBody(br *bufio.Reader, dst io.Writer, max int64) (DotStats, error) {
	var st DotStats
	lineStart, prevCR := true, false
	for {
		chunk, err := br.ReadSlice('\n')
		if err != nil && err != bufio.ErrBufferFull {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return st, &closedError{fmt.Sprintf("proto: connection closed by the client during DATA, %d bytes in, before CRLF.CRLF", st.Bytes)}
			}
			return st, err
		}
		if lineStart && bytes.Equal(chunk, []byte(".\r\n")) {
			return st, nil
		}
		if lineStart && len(chunk) > 0 && chunk[0] == '.' {
			chunk = chunk[1:]
			st.Unstuffed++
		}
		st.countBare(chunk, prevCR)
		lineStart, prevCR = endsLine(chunk, prevCR), len(chunk) > 0 && chunk[len(chunk)-1] == '\r'
		if werr := st.write(dst, chunk, max); werr != nil {
			return st, werr
		}
	}
}

// endsLine reports whether chunk ends with CRLF, where the CR may have been
// the last byte of the previous chunk (a full buffer can split the pair).
func endsLine(chunk []byte, prevCR bool) bool {
	n := len(chunk)
	switch {
	case n == 0 || chunk[n-1] != '\n':
		return false
	case n == 1:
		return prevCR
	}
	return chunk[n-2] == '\r'
}

// countBare counts bare LFs and CRs in chunk. A CR that ends the previous
// chunk (a full buffer split the line there) is judged by this chunk's
// first byte.
func (st *DotStats) countBare(chunk []byte, prevCR bool) {
	if prevCR && (len(chunk) == 0 || chunk[0] != '\n') {
		st.BareCR++
	}
	for off := 0; ; {
		i := indexLineEnd(chunk[off:])
		if i < 0 {
			return
		}
		i += off
		afterCR := i > 0 && chunk[i-1] == '\r' || i == 0 && prevCR
		switch {
		case chunk[i] == '\n' && !afterCR:
			st.BareLF++
		case chunk[i] == '\r' && i+1 < len(chunk) && chunk[i+1] != '\n':
			st.BareCR++
		}
		off = i + 1
	}
}

func (st *DotStats) write(dst io.Writer, chunk []byte, max int64) error {
	if st.TooBig || max > 0 && st.Bytes+int64(len(chunk)) > max {
		st.TooBig = true
		st.Bytes += int64(len(chunk))
		return nil
	}
	st.Bytes += int64(len(chunk))
	if _, err := dst.Write(chunk); err != nil {
		return fmt.Errorf("proto: storing DATA body: %w", err)
	}
	return nil
}
