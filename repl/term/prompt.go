package term

import (
	"fmt"
	"strings"

	"github.com/smtprepl/smtprepl/proto/visible"
	"github.com/smtprepl/smtprepl/repl"
)

// Prompt shows where in the protocol the user stands:
//
//	sandbox · plain · no EHLO yet ›
//	sandbox · TLS · student · MAIL ✓ RCPT ×2 ›
//	sandbox · TLS · MAIL ✓ RCPT ×1 · DATA ›
func Prompt(s *repl.Session, th Theme) string { return renderPrompt(s.PromptState(), th) }

func renderPrompt(p repl.PromptState, th Theme) string {
	if !p.Connected {
		return th.Prompt.Sprint(p.Target) + th.Explain.Sprint(" · ") + th.Warn.Sprint("not connected") + th.Explain.Sprint(" (:open reconnects)") + " › "
	}
	if p.RefusedText {
		return th.Warn.Sprint("refused DATA: text is not sent; \".\" or Ctrl-C ends") + " › "
	}
	parts := []string{th.Prompt.Sprint(p.Target), transportWord(p, th)}
	if p.POP3 != "" {
		// A USER argument: anyone may have typed it.
		parts = append(parts, th.Event.Sprint("POP3"), th.Good.Sprint(visible.Clip(p.POP3, 60)))
		return strings.Join(parts, th.Explain.Sprint(" · ")) + " › "
	}
	if user := p.Login(); user != "" {
		// Decoded from an AUTH line, which a lesson or a paste can type.
		parts = append(parts, th.Good.Sprint(visible.Clip(user, 60)))
	}
	parts = append(parts, phaseWords(p, th)...)
	if p.OutOfStep != "" {
		parts = append(parts, th.Warn.Sprint("out of step?"))
	}
	return strings.Join(parts, th.Explain.Sprint(" · ")) + " › "
}

func transportWord(p repl.PromptState, th Theme) string {
	if p.TLS {
		return th.Good.Sprint("TLS")
	}
	return th.Warn.Sprint("plain")
}

// phaseWords name the protocol phase: before EHLO, between transactions,
// inside one (how many recipients), and in DATA.
func phaseWords(p repl.PromptState, th Theme) []string {
	var out []string
	switch {
	case p.InTransaction:
		out = append(out, fmt.Sprintf("MAIL ✓ RCPT ×%d", p.Recipients))
	case p.Hello != "":
		out = append(out, visible.Clip(p.Hello, 8)+" ✓") // HELO, EHLO or LHLO
	case p.LMTP:
		out = append(out, th.Explain.Sprint("no LHLO yet"))
	default:
		out = append(out, th.Explain.Sprint("no EHLO yet"))
	}
	if p.InData() {
		out = append(out, th.Class[3].Sprint("DATA"))
	}
	return out
}
