package transcripts

import (
	"errors"
	"io"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
)

// Exchange is one turn of the dialogue: what the client sent before it
// waited, then what the server sent back. Without pipelining it holds one
// command and its reply; with RFC 2920 pipelining, a batch of commands and
// their replies; after a 354, the message body. Replay sends Body and
// Commands and reads len(Replies) replies; mock does the reverse.
type Exchange struct {
	// Events are the lines before the commands that are not wire data:
	// events ("TLS established"), elisions, and the RFC examples'
	// pseudo-lines such as "C: <open connection to server>".
	Events []Entry
	// Body holds the message lines this turn sends after the server's 354
	// (the reply that ended the turn with DATA in it), as on the wire:
	// dot-stuffed. The lone "." that ends them is Commands[0], because the
	// server replies to it.
	Body []Entry
	// Commands are the client lines that each expect one reply, in order.
	Commands []Entry
	// Replies are the server's replies, each the lines of one possibly
	// multi-line reply. They answer the oldest commands not yet answered,
	// which may belong to an earlier exchange when a client did not wait.
	Replies [][]Entry
}

func (x *Exchange) empty() bool {
	return len(x.Events)+len(x.Body)+len(x.Commands)+len(x.Replies) == 0
}

// splitter cuts entries into exchanges.
type splitter struct {
	out   []Exchange
	cur   Exchange
	model wireModel // where the recorded dialogue stands: in message text or not
	open  bool      // the last reply line was "ddd-": the reply goes on
}

// Exchanges cuts the transcript into exchanges. Comments and blank lines
// are left out.
func (t *Transcript) Exchanges() []Exchange {
	var s splitter
	for _, e := range t.Entries {
		s.add(e)
	}
	if !s.cur.empty() {
		s.out = append(s.out, s.cur)
	}
	return s.out
}

// exchangeReader cuts a stream of entries into exchanges, one at a time.
// With chunked, an exchange that grows past maxChunk lines is handed on
// in pieces, which replay sends and reads just as it would the whole (it
// waits for replies only where the recording did), and of a reply still
// open it keeps only the first lines: replay looks at the first alone.
type exchangeReader struct {
	src     EntrySource
	sp      splitter
	chunked bool
	done    bool
}

// maxChunk bounds the lines of a piece of an exchange in chunked mode.
const maxChunk = 1000

// next returns the next exchange, or nil after the last.
func (r *exchangeReader) next() (*Exchange, error) {
	for len(r.sp.out) == 0 {
		if r.done {
			return nil, nil
		}
		done, err := r.sp.pull(r.src)
		switch {
		case err != nil:
			return nil, err
		case done:
			r.done = true
		case r.chunked:
			r.cut()
		}
	}
	x := r.sp.out[0]
	r.sp.out[0] = Exchange{}
	r.sp.out = r.sp.out[1:]
	return &x, nil
}

// cut hands on the current exchange as a piece once it is big enough,
// keeping a reply still open, and bounds that reply.
func (r *exchangeReader) cut() {
	cur := &r.sp.cur
	closed := len(cur.Replies)
	if r.sp.open && closed > 0 {
		closed--
		if last := &cur.Replies[closed]; len(*last) > maxChunk {
			clear((*last)[maxChunk:])
			*last = (*last)[:maxChunk]
		}
	}
	if closed < maxChunk && (len(cur.Replies) > 0 || len(cur.Body)+len(cur.Commands) < maxChunk) {
		return
	}
	x := Exchange{Events: cur.Events, Body: cur.Body, Commands: cur.Commands, Replies: cur.Replies[:closed]}
	r.sp.out = append(r.sp.out, x)
	*cur = Exchange{Replies: append([][]Entry(nil), cur.Replies[closed:]...)}
}

func (s *splitter) add(e Entry) {
	switch {
	case e.Kind == Comment || e.Kind == Blank:
	case e.Kind == Elision && s.inText():
		s.turn()
		s.cur.Body = append(s.cur.Body, e)
	case !e.Wire() || s.pseudo(e):
		if len(s.cur.Body)+len(s.cur.Commands)+len(s.cur.Replies) > 0 {
			s.next()
		}
		s.model.event(e)
		s.cur.Events = append(s.cur.Events, e)
	case e.Kind == Client:
		s.turn()
		s.client(e)
	default:
		s.server(e)
	}
}

// turn starts a new exchange when the client speaks after the server did.
func (s *splitter) turn() {
	if len(s.cur.Replies) > 0 {
		s.next()
	}
}

func (s *splitter) next() {
	s.out = append(s.out, s.cur)
	s.cur = Exchange{}
}

// pull reads the next entry of src into the splitter; at the end of src
// it hands on the exchange under way and reports done.
func (s *splitter) pull(src EntrySource) (done bool, err error) {
	e, err := src.Next()
	switch {
	case errors.Is(err, io.EOF):
		if !s.cur.empty() {
			s.next()
		}
		return true, nil
	case err != nil:
		return false, err
	}
	s.add(e)
	return false, nil
}

// client files a client line: message text goes in Body; a command, or
// the "." that ends the text, gets a reply and goes in Commands.
func (s *splitter) client(e Entry) {
	if s.model.client(e) == proto.RoleText {
		s.cur.Body = append(s.cur.Body, e)
		return
	}
	s.cur.Commands = append(s.cur.Commands, e)
}

// inText reports whether the recording stands in message text, after
// DATA's 354 and before the lone ".".
func (s *splitter) inText() bool { return s.model.s.Phase() == proto.PhaseData }

func (s *splitter) server(e Entry) {
	if s.open && len(s.cur.Replies) > 0 {
		last := len(s.cur.Replies) - 1
		s.cur.Replies[last] = append(s.cur.Replies[last], e)
	} else {
		s.cur.Replies = append(s.cur.Replies, []Entry{e})
	}
	s.model.server(e)
	s.open = s.model.open
}

// pseudo reports whether a wire line is one of the RFC examples' narrative
// lines in angle brackets ("S: <wait for open connection>"). Inside a
// message body such a line is data, and a redaction marker is a real line.
func (s *splitter) pseudo(e Entry) bool {
	t := e.Text
	if e.Exact || e.Pattern || e.Redacted != "" || (e.Kind == Client && s.inText()) {
		return false
	}
	return len(t) >= 2 && t[0] == '<' && t[len(t)-1] == '>'
}

// dataEnd reports whether a body line is the lone "." that ends the data.
func dataEnd(e Entry) bool {
	if e.Pattern {
		return false // a pattern stands for a line of text, never for the end
	}
	if !e.Exact {
		return e.Text == "."
	}
	return e.Text == ".\r\n" || strings.HasSuffix(e.Text, "\r\n.\r\n")
}
