package proto

// owedLine is a line sent and the number of replies still due to it.
type owedLine struct {
	line    string
	replies int
}

// Send records a line that went out, for callers that see the wire in
// the order it crossed (replay, mock, a transcript) rather than as
// (line, reply) pairs: the line waits for its replies, which [Session.Receive]
// pairs with it, oldest first, as pipelining requires (RFC 2920 §3.1).
// It returns what the line was. A line that went out is what the wire
// made of it, so one Role called refused counts as a command here. The
// line is kept only until its last reply arrives.
func (s *Session) Send(line string) Role {
	role := s.Role(line)
	if role == RoleRefusedText || role == RoleRefusedAnswer {
		s.skip, role = skipNone, RoleCommand
	}
	n := s.Expect(line)
	if s.phase == PhaseConnected {
		role, n = RoleCommand, 1 // sent before the greeting: answered after it
	}
	if role == RoleEndOfData {
		s.EndData()
	}
	if n > 0 {
		s.owed = append(s.owed, owedLine{line, n})
	}
	return role
}

// Receive takes the next reply off the wire, pairs it with the oldest
// line still owed one (none for the greeting, or for a reply nobody
// asked for) and feeds the pair; it returns the phase, as Feed does.
func (s *Session) Receive(r *Reply) Phase {
	line := ""
	if s.phase != PhaseConnected && s.head < len(s.owed) {
		o := &s.owed[s.head]
		line = o.line
		if o.replies--; o.replies <= 0 {
			o.line = "" // the line may be an AUTH answer: let it go
			s.head++
		}
	}
	phase := s.Feed(line, r)
	switch {
	case s.head == len(s.owed):
		s.forgetOwed()
	case s.head >= 64 && 2*s.head >= len(s.owed):
		s.compactOwed() // a client that always keeps a line waiting
	}
	return phase
}

// compactOwed drops the lines answered from the front of the queue.
func (s *Session) compactOwed() {
	n := copy(s.owed, s.owed[s.head:])
	clear(s.owed[n:])
	s.owed, s.head = s.owed[:n], 0
}

// Owed is how many replies the lines sent are still owed.
func (s *Session) Owed() int {
	n := 0
	for _, o := range s.owed[s.head:] {
		n += o.replies
	}
	return n
}

// forgetOwed drops the lines still owed replies: after the TLS handshake
// the server discards what came before it (RFC 3207 §4.2), and a closed
// connection answers nothing.
func (s *Session) forgetOwed() {
	clear(s.owed)
	s.owed, s.head = s.owed[:0], 0
}
