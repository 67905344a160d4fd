package transcripts

import (
	"errors"
	"io"
	"strings"
)

// A recording may hold several sessions, one per connection: a new one
// starts at an event that says a connection was made ("=== connected to
// HOST", as smtprepl and swaks write it) after wire lines. Connection n
// to a mock gets session n.

// sessionStart reports whether an event begins a new connection.
func sessionStart(e Entry) bool {
	return e.Kind == Event && len(e.Text) >= len("connected") && strings.EqualFold(e.Text[:len("connected")], "connected")
}

// sessions cuts a stream at each session start: Next says io.EOF there,
// and more moves on to the next session, whose first entry is the event
// that began it.
type sessions struct {
	src   EntrySource
	held  *Entry // the event that starts the next session, read ahead
	first *Entry // the same, to be handed out once more has moved on
	wire  bool   // the session under way has wire lines
	eof   bool   // src has ended
}

func (s *sessions) Next() (Entry, error) {
	if s.first != nil {
		e := *s.first
		s.first = nil
		return e, nil
	}
	if s.held != nil || s.eof {
		return Entry{}, io.EOF
	}
	e, err := s.src.Next()
	if errors.Is(err, io.EOF) {
		s.eof = true
	}
	if err != nil {
		return Entry{}, err
	}
	if s.wire && sessionStart(e) {
		s.held = &e
		return Entry{}, io.EOF
	}
	s.wire = s.wire || e.Wire()
	return e, nil
}

// more moves on to the next session and reports whether there is one.
// Entries of the current session not yet read are skipped.
func (s *sessions) more() (bool, error) {
	for s.held == nil && !s.eof {
		if _, err := s.Next(); err != nil && !errors.Is(err, io.EOF) {
			return false, err
		}
	}
	if s.held == nil {
		return false, nil
	}
	s.first, s.held, s.wire = s.held, nil, false
	return true, nil
}
