package repl

import "github.com/smtprepl/smtprepl/proto"

// PromptState is everything the prompt shows, so the prompt is a pure
// function of it and can be tested without a session: where the session
// stands is the model's snapshot, and the rest is the connection's.
type PromptState struct {
	proto.State
	Connected bool
	Target    string // "sandbox", "mx.example.com"
	// RefusedText: the lines typed now are the text of a refused DATA.
	RefusedText bool
	// POP3 is where a POP3 session stands ("not logged in", the user);
	// "" when the session speaks SMTP.
	POP3 string
}

// PromptState says where in the protocol the session stands, for the
// terminal's prompt.
func (s *Session) PromptState() PromptState {
	p := PromptState{State: s.model.State(), Connected: s.Connected(), Target: s.describeTarget(),
		RefusedText: s.RefusedText()}
	if s.cfg.POP3 {
		p.POP3, p.TLS = s.pop3Prompt(), s.client != nil && s.client.TLS() != nil
	}
	return p
}

// Login names who the session is logged in as: the user the AUTH lines
// carried, "(authenticated)" when they carried none, "" before a 235. It
// comes from a line anyone may have typed: escape it before showing it.
func (p PromptState) Login() string { return login(p.State) }

func login(st proto.State) string {
	if st.Authenticated && st.User == "" {
		return "(authenticated)"
	}
	return st.User
}
