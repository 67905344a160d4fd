package proto

import (
	"bytes"
	"io"
)

// LineKind is the kind of a tapped line: wire data one way or the other,
// or an event of the connection. transcripts' kinds of wire line are these
// values.
type LineKind int

const (
	Sent     LineKind = iota + 1 // client to server
	Received                     // server to client
	Event                        // not wire data: connected, TLS established, closed
)

// TapLine is one line seen on the wire, with its exact bytes (ending
// included), so a recording is exactly what crossed the wire.
type TapLine struct {
	Kind LineKind
	Data []byte // wire bytes incl. CRLF; for Event, the event's text
	TLS  bool   // the line travelled inside TLS
}

// Tap observes every line; it must not keep Data past the call. A sent
// line longer than 64 KiB reaches it in pieces, only the last ending in LF.
type Tap func(TapLine)

// maxTapLine bounds what tapWriter holds of a line waiting for its LF: a
// longer line reaches the tap in pieces, so a body with no line breaks is
// still streamed, not held.
const maxTapLine = 64 << 10

// tapWriter splits what the client writes into lines for the tap; a partial
// line waits until its LF arrives (or Flush, for a final partial line).
// With no tap it only passes the bytes on.
type tapWriter struct {
	w       io.Writer
	tap     func(data []byte)
	partial []byte
}

func (t *tapWriter) Write(p []byte) (int, error) {
	n, err := t.w.Write(p)
	if t.tap != nil {
		t.observe(p[:n])
	}
	return n, err
}

func (t *tapWriter) observe(p []byte) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			t.hold(p)
			return
		}
		line := p[:i+1]
		if len(t.partial) > 0 {
			line = append(t.partial, line...)
			t.partial = t.partial[:0]
		}
		t.tap(line)
		p = p[i+1:]
	}
}

// hold keeps the start of a line until its LF comes, up to maxTapLine.
func (t *tapWriter) hold(p []byte) {
	for len(t.partial)+len(p) > maxTapLine {
		n := maxTapLine - len(t.partial)
		t.partial = append(t.partial, p[:n]...)
		t.tap(t.partial)
		t.partial, p = t.partial[:0], p[n:]
	}
	t.partial = append(t.partial, p...)
}

// flushPartial reports bytes written without a line ending, e.g. a
// C= "..." exact line with no LF at all.
func (t *tapWriter) flushPartial() {
	if len(t.partial) > 0 && t.tap != nil {
		t.tap(t.partial)
		t.partial = t.partial[:0]
	}
}
