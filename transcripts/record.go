package transcripts

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"
)

// Recorder writes a transcript while the session runs, one line at a time,
// so that a crash keeps everything recorded so far. It is fed the bytes of
// both directions in the order they crossed the wire (a proto tap), and
// redacts AUTH secrets before anything is written: the secret never reaches
// w. It is safe for concurrent use.
//
// Bytes may arrive in any chunks: an entry is cut after each LF, so a
// pipelined batch becomes one entry per command, and DATA bodies are
// recorded as sent (still dot-stuffed). An unfinished line is written, in
// the exact form, when the other side speaks, an event happens or the
// recorder is closed.
type Recorder struct {
	mu      sync.Mutex
	w       io.Writer
	err     error // the first write error; later writes are skipped
	closed  bool
	red     redactor
	client  half
	server  half
	dropTo  string // secret whose unfinished line is being left out
	scratch []byte
	// secrets are cut out of server lines, events and comments wherever
	// they appear: a server may echo them.
	secrets *Secrets
	// now is set for a JSON recorder (NewJSONRecorder), which writes JSON
	// Lines stamped with it instead of the transcript notation.
	now func() time.Time
}

// half is the unfinished line of one direction.
type half struct {
	pending []byte // received, not yet written
	written []byte // written already as an unfinished line
}

// NewRecorder starts a transcript on w with the version line and meta.
func NewRecorder(w io.Writer, meta ...KV) *Recorder {
	r := &Recorder{w: w, secrets: &Secrets{}}
	b := []byte(header + strconv.Itoa(1) + "\n")
	for _, kv := range meta {
		var err error
		if b, err = appendMeta(b, kv); err != nil {
			r.err = err
			return r
		}
	}
	r.write(b)
	return r
}

// UseSecrets makes the recorder learn into set, and scrub what set knows,
// so that a recording started late in a session knows its secrets.
func (r *Recorder) UseSecrets(set *Secrets) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = set
}

// Client records bytes the client sent.
func (r *Recorder) Client(b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.flushServer()
	r.client.pending = append(r.client.pending, b...)
	for line := range r.client.lines() {
		r.clientLine(line)
	}
}

// Server records bytes the server sent.
func (r *Recorder) Server(b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.flushClient()
	r.server.pending = append(r.server.pending, b...)
	for line := range r.server.lines() {
		full := append(r.server.written, line...)
		r.red.server(string(full))
		r.entry(FromWire(Server, r.secrets.ScrubBytes(line)))
		r.server.written = nil
	}
}

// Event records something that is not wire data, such as "TLS established:
// TLSv1.3 TLS_AES_128_GCM_SHA256" or "connection closed".
func (r *Recorder) Event(text string) { r.between(Entry{Kind: Event, Text: text}) }

// Comment records a "# text" line: a note for the reader, not wire data.
func (r *Recorder) Comment(text string) { r.between(Entry{Kind: Comment, Text: text}) }

// Secrets is the set the recorder learns into and scrubs with.
func (r *Recorder) Secrets() *Secrets {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.secrets
}

// between records an entry that is not wire data after finishing any
// half-written lines, so it lands between lines, never inside one.
func (r *Recorder) between(e Entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.flushClient()
	r.flushServer()
	e.Text = r.secrets.Scrub(e.Text)
	r.entry(e)
}

// Close writes what is left of unfinished lines and returns the first
// error met while writing. It does not close w. Later calls record nothing.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closed {
		r.flushClient()
		r.flushServer()
		r.closed = true
	}
	return r.err
}

// lines yields the complete lines in h.pending, each with its LF, and keeps
// the rest.
func (h *half) lines() func(yield func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for {
			i := bytes.IndexByte(h.pending, '\n')
			if i < 0 {
				return
			}
			line := bytes.Clone(h.pending[:i+1])
			h.pending = h.pending[i+1:]
			if !yield(line) {
				return
			}
		}
	}
}

// clientLine records one complete client line, redacted if need be.
func (r *Recorder) clientLine(line []byte) {
	head := r.client.written
	r.client.written = nil
	if r.dropTo != "" { // the start of this line was a secret, so is the rest
		r.dropTo = ""
		return
	}
	full := string(append(head, line...))
	text, secret := r.red.client(full)
	if secret != "" {
		r.secrets.Learn(secret, secretValue(full, text, secret))
		r.entry(Entry{Kind: Client, Text: text, Redacted: secret})
		return
	}
	r.entry(FromWire(Client, line))
}

// flushClient writes the client's unfinished line so that what the server
// says next is recorded after it. A line that may still turn out to be a
// secret is written as a marker, and the rest of it is left out.
func (r *Recorder) flushClient() {
	part := r.client.pending
	if len(part) == 0 {
		return
	}
	r.client.pending = nil
	switch {
	case r.dropTo != "":
	case r.red.mightBeSecret(string(append(r.client.written, part...))):
		// Let the redactor see the line now (it may name the secret), since
		// the rest of it will be left out.
		_, r.dropTo = r.red.client(string(append(r.client.written, part...)))
		if r.dropTo == "" {
			r.dropTo = "unfinished AUTH line"
		}
		r.client.written = nil
		r.entry(Entry{Kind: Client, Text: redactedText("", r.dropTo), Redacted: r.dropTo})
	default:
		r.client.written = append(r.client.written, part...)
		r.entry(FromWire(Client, part))
	}
}

func (r *Recorder) flushServer() {
	if part := r.server.pending; len(part) > 0 {
		r.server.pending = nil
		r.server.written = append(r.server.written, part...)
		r.entry(FromWire(Server, r.secrets.ScrubBytes(part)))
	}
}

func (r *Recorder) entry(e Entry) {
	if r.now != nil {
		r.scratch = r.appendJSON(r.scratch[:0], e)
		r.write(r.scratch)
		return
	}
	b, err := appendEntry(r.scratch[:0], e)
	if err != nil {
		r.err = fmt.Errorf("transcripts: %w", err)
		return
	}
	r.scratch = b
	r.write(b)
}

// write writes b and flushes w when it buffers, so each line is on its way
// to disk before the next is recorded.
func (r *Recorder) write(b []byte) {
	if r.err != nil {
		return
	}
	if _, err := r.w.Write(b); err != nil {
		r.err = fmt.Errorf("transcripts: %w", err)
		return
	}
	if f, ok := r.w.(interface{ Flush() error }); ok {
		if err := f.Flush(); err != nil {
			r.err = fmt.Errorf("transcripts: %w", err)
		}
	}
}
