package repl

import (
	"context"
	"errors"
	"strings"

	"github.com/smtprepl/smtprepl/lessons"
	"github.com/smtprepl/smtprepl/proto"
)

// A lesson drives a Session through the very methods the shell uses.
var (
	_ lessons.Session      = (*Session)(nil)
	_ lessons.Prerequisite = (*Session)(nil)
)

// LastReply is the latest complete reply, nil before the first: a lesson's
// checkpoint looks at it after each line.
func (s *Session) LastReply() *proto.Reply { return s.lastReply }

// ExecBatch sends lines in one write and then reads one reply per line, in
// order, as RFC 2920 allows when the server offered PIPELINING. Each reply
// is shown and acted on (a 354 opens DATA) as if the line had been typed.
// It is --pipeline's algorithm too (sendBatch), so the golden-tested
// lessons check what scripts do.
func (s *Session) ExecBatch(ctx context.Context, lines []string) ([]*proto.Reply, error) {
	if err := s.requireConn(); err != nil {
		return nil, err
	}
	if !s.model.Capabilities().Pipelining() {
		return nil, errors.New("the server did not offer PIPELINING (RFC 2920): send the commands one at a time")
	}
	return s.sendBatch(ctx, lines, nil)
}

// Redact returns a line as it may be written down, by the rules that keep
// secrets out of history: message text is kept (it is on the wire
// anyway), AUTH answers and the arguments of :b64, :plain and friends are
// replaced by a marker.
func (s *Session) Redact(line string) string {
	if s.inData() || strings.TrimSpace(line) == "" {
		return line
	}
	if s.pop3Word(line) {
		return line
	}
	kept, ok := keepable(line, false, s.commands())
	switch {
	case !ok && strings.HasPrefix(line, ":"):
		name, _, _ := strings.Cut(line, " ")
		return name + " <redacted>"
	case !ok:
		return "<redacted>"
	case kept != strings.TrimSpace(line):
		return kept + " <redacted>"
	}
	return line
}

// SetComposeOptions gives :compose a lesson's data files and, for golden
// transcripts, fixed boundaries, dates and Message-IDs. The message being
// composed, if any, is dropped.
func (s *Session) SetComposeOptions(o ComposeOptions) { s.composer = &composer{opts: o} }
