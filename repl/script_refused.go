package repl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/visible"
)

// A script line can belong to the command before it: the message text
// after DATA up to the lone ".", and the answers after AUTH. When that
// command is refused, its lines are skipped, never sent: a line of message
// text sent as a command could run any verb against the server, and an
// AUTH answer sent as a command puts a secret where it does not belong.

// scriptFollowUp deals with the lines that belong to the SMTP command
// line just run.
func (s *scriptRun) scriptFollowUp(ctx context.Context, line string) error {
	switch {
	case s.refusedText():
		return s.skipRefusedData(refusal(s.lastReply))
	case verbOf(line) == "AUTH":
		return s.scriptAuthAnswers(ctx, line)
	}
	return nil
}

// refusedText reports whether the model holds the lines that come for
// the text of a refused DATA (354: they are message text, sent as such).
func (s *scriptRun) refusedText() bool { return s.model.Role("") == proto.RoleRefusedText }

// verbOf is a line's verb in capitals, split as a server splits it.
func verbOf(line string) string {
	word, _ := proto.SplitVerb(line)
	return strings.ToUpper(word)
}

// refusal names the reply that refused the command, for the comments.
func refusal(r *proto.Reply) string {
	if r == nil {
		return "no reply"
	}
	return fmt.Sprint(r.Code)
}

// skipRefusedData passes over the message text of a refused DATA, up to
// and including the lone ".", and says in one comment how much was left
// out: a refused message is not shown line by line.
func (s *scriptRun) skipRefusedData(code string) error {
	skipped, dataLine := 0, s.lines.n
	for {
		s.flushIfWaiting()
		if _, ok := s.lines.peekBodyLine(); ok {
			skipped++
			continue
		}
		line, err := s.nextScriptLine()
		var m scriptMistake
		if errors.As(err, &m) {
			skipped++ // a line too long to keep: skipped all the same
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("reading the script: %w", err)
		}
		if err != nil {
			return scriptMistake{fmt.Errorf("DATA was answered %s, not 354, and the script ended inside its message text: %d line(s) after DATA were not sent, since up to a lone \".\" they are message text", code, skipped), dataLine}
		}
		if s.model.Skip(line); !s.refusedText() { // the lone "."
			s.failed = true // the message the script holds was not sent
			s.view.output(fmt.Sprintf("%d line(s) of message text and the lone \".\" not sent: DATA was answered %s, not 354", skipped, code))
			return nil
		}
		skipped++
	}
}

// scriptAuthAnswers answers the server's 334 challenges with the script
// lines after the AUTH line, then skips the answer lines left over. An
// answer line is any line that is neither an SMTP command nor a
// colon-command (see isScriptCommand); colon-commands among the answers
// run where they stand, and the first SMTP command ends the answers. A
// 334 with no answer line left is cancelled with "*" (RFC 4954 §4), so a
// command is never sent as an answer either.
func (s *scriptRun) scriptAuthAnswers(ctx context.Context, line string) error {
	cancelled := false
	for s.model.State().InAuth() && s.Connected() {
		if cancelled {
			s.client.Close()
			return errors.New("the server asked for another AUTH answer after \"*\" cancelled the exchange, which it must refuse with 501 (RFC 4954 §4): the connection was closed")
		}
		answer, ok, err := s.nextAnswer(ctx)
		if err != nil {
			return err
		}
		if !ok {
			s.view.output("the server asked for another AUTH answer (334) and the script has none: sending \"*\" to cancel the exchange (RFC 4954 §4)")
			answer, cancelled = "*", true
		}
		if err := s.authAnswer(ctx, s.sec.expandBuilt(answer)); err != nil {
			if errors.Is(err, proto.ErrInjection) {
				return scriptMistake{err, s.lines.n} // the answer's line, not the AUTH's
			}
			return err
		}
	}
	return s.skipAnswers(ctx)
}

// nextAnswer reads the next answer line, running the colon-commands
// before it where they stand (":b64 TEXT" may build the answer); ok is
// false, and the line left for the caller, when the next line is an SMTP
// command or there is none.
func (s *scriptRun) nextAnswer(ctx context.Context) (answer string, ok bool, err error) {
	for {
		line, err := s.nextScriptLine()
		if errors.Is(err, io.EOF) {
			return "", false, nil
		}
		if err != nil {
			return "", false, fmt.Errorf("reading the script: %w", err)
		}
		if strings.HasPrefix(line, ":") {
			if err := s.colonInExchange(ctx, line, s.lines.n); err != nil {
				return "", false, err
			}
			continue
		}
		if isScriptCommand(line) {
			s.lines.push(line)
			return "", false, nil
		}
		return line, true, nil
	}
}

// colonInExchange runs a colon-command met among AUTH answers; its
// mistakes are the script's, named by its own line.
func (s *scriptRun) colonInExchange(ctx context.Context, line string, at int) error {
	before := s.wireMark()
	err := s.colon(ctx, line[1:])
	if err == nil || errors.Is(err, ErrQuit) || !s.colonMistake(line, before, err) {
		return err
	}
	return scriptMistake{err, at}
}

// skipAnswers passes over answer lines the finished exchange did not ask
// for. They are secrets: each is shown as a redacted comment, never as
// itself.
func (s *scriptRun) skipAnswers(ctx context.Context) error {
	for {
		line, ok, err := s.nextAnswer(ctx)
		if err != nil || !ok {
			return err
		}
		s.skipsAnswer(line)
	}
}

// noConnError says there is no live connection, which is often the
// server's doing (it hung up), so a script is not blamed for it.
type noConnError string

func (e noConnError) Error() string { return string(e) }

// isScriptCommand reports whether a line is a command rather than an
// AUTH answer: a colon-command, or an SMTP command as
// proto.LooksLikeCommand reads it (the verb after any blanks, spelt in
// capitals, lower case or capitalised). Base64 has no spaces, and the
// base64 of ASCII text never spells one of those verbs
// (TestAnswersAreNeverCommands).
func isScriptCommand(line string) bool {
	return strings.HasPrefix(line, ":") || proto.LooksLikeCommand(line)
}

// ScriptError is a mistake in the script itself rather than in the
// server or the connection: an unknown or misused colon-command, a file
// that cannot be read, a BDAT size that does not match its lines, a line
// holding a NUL, a refused DATA whose text has no end. It is a
// usage error (exit 64). The session said QUIT before it was returned,
// when it could.
type ScriptError struct {
	Line int // 1-based line number in the script
	Err  error
}

func (e *ScriptError) Error() string {
	// It may quote the script, which may come from anyone, and errors
	// that quote escape already: escaped once, bounded.
	return fmt.Sprintf("script line %d: %s", e.Line, visible.TextClip(e.Err.Error(), 300))
}

func (e *ScriptError) Unwrap() error { return e.Err }

// scriptMistake marks an error as the script's own fault; line, when
// set, is the script line to blame (a BDAT inside a batch, say).
type scriptMistake struct {
	error
	line int
}

func (m scriptMistake) Unwrap() error { return m.error }

// wireMark is what a command that touches the connection changes: a
// colon-command that failed without changing it failed on the script.
type wireMark struct {
	client *proto.Client
	closed bool
	reply  *proto.Reply
}

func (s *scriptRun) wireMark() wireMark {
	m := wireMark{client: s.client, reply: s.lastReply}
	if s.client != nil {
		m.closed = s.client.Closed()
	}
	return m
}

// colonMistake reports whether a colon-command's error is the script's:
// the connection is as it was, and the error is not the network's.
func (s *scriptRun) colonMistake(line string, before wireMark, err error) bool {
	return strings.HasPrefix(line, ":") && s.wireMark() == before && !isConnectionError(err)
}

// scriptFailed turns the error of the script line at into what RunScript
// returns: a mistake of the script ends the session politely, with QUIT,
// and says which line; anything else is returned as it is.
func (s *scriptRun) scriptFailed(ctx context.Context, at int, line string, before wireMark, err error) error {
	var m scriptMistake
	mistake := errors.As(err, &m) || s.colonMistake(line, before, err)
	if errors.Is(err, proto.ErrInjection) {
		mistake = true
		err = errors.New("the line holds a NUL or a bare CR, which no SMTP line may carry; nothing of it was sent")
	}
	if !mistake {
		return err
	}
	if m.line > 0 {
		at = m.line
	}
	se := &ScriptError{Line: at, Err: err}
	s.view.output(se.Error() + "; the script stops here")
	s.sayGoodbye(ctx)
	return se
}

// isConnectionError tells the network's and the server's doing from the
// script's, for errors met before a connection was touched (a dial that
// failed): those keep exit 2.
func isConnectionError(err error) bool {
	var (
		pe  *proto.ProtocolError
		te  *proto.TimeoutError
		ce  *proto.CertError
		oe  *net.OpError
		de  *net.DNSError
		nce noConnError
	)
	return errors.Is(err, proto.ErrClosed) || errors.As(err, &pe) || errors.As(err, &te) ||
		errors.As(err, &ce) || errors.As(err, &oe) || errors.As(err, &de) || errors.As(err, &nce) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// sayGoodbye sends QUIT when the connection is up and in a state to take
// a command: inside message text, QUIT would only be more text.
func (s *scriptRun) sayGoodbye(ctx context.Context) {
	if !s.Connected() || s.inData() || ctx.Err() != nil {
		return
	}
	if s.readPendingDot(ctx) != nil {
		return
	}
	if s.model.State().InAuth() {
		// An AUTH exchange is open: QUIT would be taken for an answer.
		if _, err := s.sendAnswer(ctx, &authRun{}, authStep{wire: "*"}); err != nil {
			return
		}
	}
	_ = s.command(ctx, "QUIT")
}

// replyTo names the command a reply answers, for messages: an empty line
// is named as such, and a verb from a file is shown escaped and bounded.
func replyTo(cmd proto.Command) string {
	if cmd.Verb == "" {
		return "an empty line"
	}
	return visible.Clip(cmd.Verb, 40)
}
