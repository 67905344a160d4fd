package repl

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
)

// NewScriptSession is a session whose output is the transcript notation.
func NewScriptSession(cfg Config, out, errOut io.Writer) *Session {
	return newSession(cfg, newScriptView(out), errOut)
}

// RunScript runs the lines of r, one by one, until EOF, QUIT or an error.
// A 4xx/5xx reply does not stop it: a script is a dialogue, and the reply is
// what the user wants to see.
func (s *Session) RunScript(ctx context.Context, r io.Reader) error {
	lines := newLineSource(r)
	for !s.quit {
		line, err := lines.next()
		if errors.Is(err, io.EOF) {
			return s.scriptEOF()
		}
		if err != nil {
			return fmt.Errorf("reading the script: %w", err)
		}
		if err := s.scriptStep(ctx, line, lines); err != nil {
			if errors.Is(err, ErrQuit) {
				return nil
			}
			return err
		}
	}
	return nil
}

func (s *Session) scriptStep(ctx context.Context, line string, lines *lineSource) error {
	if s.cfg.Pipeline && s.pipelinable(line) {
		return s.pipelineBatch(ctx, line, lines)
	}
	return s.Exec(ctx, line)
}

// scriptEOF makes sure nothing typed is silently dropped: an unfinished
// message is an error, not a quiet success.
func (s *Session) scriptEOF() error {
	if s.st.inData {
		return errors.New("the script ended inside DATA: the message was not sent (end it with a line holding only \".\")")
	}
	return nil
}

// lineSource yields script lines without their line ending, with one line
// of push-back for batching.
type lineSource struct {
	br     *bufio.Reader
	pushed []string
}

func newLineSource(r io.Reader) *lineSource {
	return &lineSource{br: bufio.NewReaderSize(r, 64<<10)}
}

func (l *lineSource) next() (string, error) {
	if n := len(l.pushed); n > 0 {
		line := l.pushed[n-1]
		l.pushed = l.pushed[:n-1]
		return line, nil
	}
	line, err := l.br.ReadString('\n')
	if err != nil && (err != io.EOF || line == "") {
		return "", err
	}
	line = strings.TrimSuffix(line, "\n")
	return strings.TrimSuffix(line, "\r"), nil
}

func (l *lineSource) push(line string) { l.pushed = append(l.pushed, line) }

// batchEnders may only end a pipelined batch (RFC 2920 §3.1): the client
// must wait for their reply before sending more.
var batchEnders = map[string]bool{
	"EHLO": true, "HELO": true, "DATA": true, "VRFY": true, "EXPN": true,
	"TURN": true, "QUIT": true, "NOOP": true, "STARTTLS": true, "AUTH": true, "BDAT": true,
}

func (s *Session) pipelinable(line string) bool {
	if s.st.inData || strings.HasPrefix(line, ":") || !s.Connected() || !s.caps.Pipelining() {
		return false
	}
	return true
}

// pipelineBatch sends line and the commands after it up to a batch ender in
// one write, then reads the replies in order.
func (s *Session) pipelineBatch(ctx context.Context, first string, lines *lineSource) error {
	batch := []string{first}
	for !endsBatch(batch[len(batch)-1]) {
		line, err := lines.next()
		if err != nil {
			break
		}
		if strings.HasPrefix(line, ":") {
			lines.push(line)
			break
		}
		batch = append(batch, line)
	}
	return s.sendBatch(ctx, batch)
}

func endsBatch(line string) bool {
	verb, _, _ := strings.Cut(line, " ")
	return batchEnders[strings.ToUpper(verb)]
}

func (s *Session) sendBatch(ctx context.Context, batch []string) error {
	cmds := make([]proto.Command, len(batch))
	for i, line := range batch {
		cmd, err := proto.ParseCommand(line)
		if err != nil {
			return err
		}
		if err := s.client.Queue(line); err != nil {
			return err
		}
		cmds[i] = cmd
	}
	if err := s.client.Flush(); err != nil {
		return err
	}
	for _, cmd := range cmds {
		if err := s.awaitReply(ctx, cmd); err != nil {
			return err
		}
	}
	return nil
}
