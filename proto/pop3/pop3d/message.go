package pop3d

import (
	"bufio"
	"bytes"
	"time"
)

// wireSize is data's size as RETR sends it, before stuffing: every line
// ended by CRLF, a last line without one given one (RFC 1939 §11: the
// count must be exact, clients allocate by it).
func wireSize(data []byte) int {
	n := len(data)
	for i, b := range data {
		if b == '\n' && (i == 0 || data[i-1] != '\r') {
			n++
		}
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n += 2
	}
	return n
}

// writeMessage sends m as a multi-line response body, stuffed and ended
// by the lone ".". bodyLines >= 0 is TOP's: the header, the empty line
// and that many lines of the body.
func writeMessage(w *bufio.Writer, m Message, bodyLines int) {
	t := topper{w: w, left: bodyLines}
	if t.lines(m.Trace) {
		t.lines(m.Data)
	}
	w.WriteString(".\r\n")
}

// topper writes lines until TOP's count of body lines is used up.
type topper struct {
	w      *bufio.Writer
	inBody bool
	left   int // body lines still to send; negative: all
}

// lines writes data's lines and reports whether more may follow.
func (t *topper) lines(data []byte) bool {
	for len(data) > 0 {
		line, rest, ended := bytes.Cut(data, []byte{'\n'})
		data = rest
		if ended { // a last line without LF keeps a CR of its own: wireSize counts it
			line = bytes.TrimSuffix(line, []byte{'\r'})
		}
		if t.inBody {
			if t.left == 0 {
				return false
			}
			if t.left > 0 {
				t.left--
			}
		}
		if len(line) > 0 && line[0] == '.' {
			t.w.WriteByte('.') // pop3.Stuff, without a copy of the line
		}
		t.w.Write(line)
		t.w.WriteString("\r\n")
		t.inBody = t.inBody || len(line) == 0
	}
	return true
}

func nowPlus(d time.Duration) time.Time { return time.Now().Add(d) }
