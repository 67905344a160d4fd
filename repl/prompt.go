package repl

import (
	"fmt"
	"strings"

	"github.com/smtprepl/smtprepl/proto/visible"
)

// promptState is everything the prompt shows, so the prompt is a pure
// function of it and can be tested without a session.
type promptState struct {
	connected bool
	target    string // "sandbox", "mx.example.com"
	tls       bool
	user      string // authenticated as
	greeted   bool
	mail      bool
	rcpts     int
	inData    bool
	outOfStep bool
}

func (s *Session) promptState() promptState {
	return promptState{
		connected: s.Connected(),
		target:    s.describeTarget(),
		tls:       s.client != nil && s.client.TLS() != nil,
		user:      s.st.authUser,
		greeted:   s.st.greeted,
		mail:      s.st.mail,
		rcpts:     s.st.rcpts,
		inData:    s.st.inData,
		outOfStep: s.outOfStep != "",
	}
}

// Prompt shows where in the protocol the user stands:
//
//	sandbox · plain · no EHLO yet ›
//	sandbox · TLS · student · MAIL ✓ RCPT ×2 ›
//	sandbox · TLS · MAIL ✓ RCPT ×1 · DATA ›
func (s *Session) Prompt(th Theme) string { return renderPrompt(s.promptState(), th) }

func renderPrompt(p promptState, th Theme) string {
	if !p.connected {
		return th.Prompt.Sprint(p.target) + th.Explain.Sprint(" · ") + th.Warn.Sprint("not connected") + th.Explain.Sprint(" (:open reconnects)") + " › "
	}
	parts := []string{th.Prompt.Sprint(p.target), transportWord(p, th)}
	if p.user != "" {
		// Decoded from an AUTH PLAIN line, which a lesson or a paste can type.
		parts = append(parts, th.Good.Sprint(visible.Clip(p.user, 60)))
	}
	parts = append(parts, phaseWords(p, th)...)
	if p.outOfStep {
		parts = append(parts, th.Warn.Sprint("out of step?"))
	}
	return strings.Join(parts, th.Explain.Sprint(" · ")) + " › "
}

func transportWord(p promptState, th Theme) string {
	if p.tls {
		return th.Good.Sprint("TLS")
	}
	return th.Warn.Sprint("plain")
}

// phaseWords name the protocol phase: before EHLO, between transactions,
// inside one (how many recipients), and in DATA.
func phaseWords(p promptState, th Theme) []string {
	var out []string
	switch {
	case p.mail:
		out = append(out, fmt.Sprintf("MAIL ✓ RCPT ×%d", p.rcpts))
	case p.greeted:
		out = append(out, "EHLO ✓")
	default:
		out = append(out, th.Explain.Sprint("no EHLO yet"))
	}
	if p.inData {
		out = append(out, th.Class[3].Sprint("DATA"))
	}
	return out
}
