package repl

// PromptState is everything the prompt shows, so the prompt is a pure
// function of it and can be tested without a session.
type PromptState struct {
	Connected bool
	Target    string // "sandbox", "mx.example.com"
	TLS       bool
	User      string // authenticated as
	Greeted   bool
	Mail      bool
	Rcpts     int
	InData    bool
	OutOfStep bool
	// RefusedText: the lines typed now are the text of a refused DATA.
	RefusedText bool
}

// PromptState says where in the protocol the session stands, for the
// terminal's prompt.
func (s *Session) PromptState() PromptState {
	return PromptState{
		Connected: s.Connected(),
		Target:    s.describeTarget(),
		TLS:       s.client != nil && s.client.TLS() != nil,
		User:      s.st.authUser,
		Greeted:   s.st.greeted,
		Mail:      s.st.mail,
		Rcpts:     s.st.rcpts,
		InData:    s.st.inData,
		OutOfStep: s.outOfStep != "",

		RefusedText: s.refusedText,
	}
}
