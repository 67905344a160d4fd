package repl

import (
	"fmt"

	"github.com/smtprepl/smtprepl/proto"

	"github.com/smtprepl/smtprepl/proto/visible"
)

// In the shell a refused DATA leaves the lines typed or pasted after it
// up to the lone "." as what they were meant to be: message text, which
// is not sent. A pasted message would otherwise reach the server line by
// line as commands, the RSET and QUIT in it too. A script skips them
// itself (skipRefusedData), all at once.

// refusedNoted is how many skipped lines are shown one by one; the rest
// only count, so a pasted megabyte costs a line of summary.
const refusedNoted = 10

// refuseText starts skipping the text of a DATA refused with code.
func (s *Session) refuseText(code int) {
	s.refusedCode, s.refusedLines = code, 0
	s.view.warn(fmt.Sprintf("DATA was answered %d, not 354: the lines up to a lone \".\" are its message text and are not sent; \".\" or Ctrl-C ends this", code))
}

// skipRefusedLine passes over one line of a refused message's text.
func (s *Session) skipRefusedLine(line string) {
	s.model.Skip(line)
	if line == "." {
		s.view.output(fmt.Sprintf("%d line(s) of message text and the lone \".\" not sent: DATA was answered %d, not 354", s.refusedLines, s.refusedCode))
		return
	}
	s.refusedLines++
	if s.refusedLines <= refusedNoted {
		shown := visible.Clip(line, 80)
		if line == "" {
			shown = "(an empty line)"
		}
		s.view.output("not sent (message text of the refused DATA): " + shown)
	}
}

// RefusedText reports whether lines are being skipped as the text of a
// refused DATA, for the prompt: the model says the text is the refused
// command's until its lone "."; the shell skips it here, a script skips
// it itself (skipRefusedData), and a session nobody types at (a lesson
// run unattended) sends the command that comes next.
func (s *Session) RefusedText() bool {
	return s.ask != nil && s.model.Role("") == proto.RoleRefusedText
}

// EndRefusedText stops skipping (Ctrl-C at the prompt): the next line is
// a command again.
func (s *Session) EndRefusedText() {
	if s.RefusedText() {
		s.model.Skip(".") // what a lone "." would have done
		s.view.note(fmt.Sprintf("%d line(s) of message text not sent; the next line is a command", s.refusedLines))
	}
}
