package proto

import (
	"fmt"
	"strings"
)

// State is a read-only snapshot of a [Session], small enough to copy for
// every prompt.
type State struct {
	Phase    Phase
	LMTP     bool
	Greeting int    // the greeting's code: 220, or 554 or 421; 0 before it
	Hello    string // "EHLO", "HELO" or "LHLO" once answered 250; "" before, and after STARTTLS
	TLS      bool
	// Authenticated is set by a 235 and cleared by STARTTLS (RFC 3207 §4.2).
	Authenticated bool
	// User is the name the AUTH lines carried (PLAIN, LOGIN, CRAM-MD5), ""
	// when they carried none. It comes from a line anyone may have typed
	// or pasted: escape it before showing it.
	User          string
	InTransaction bool   // MAIL accepted and the message not yet ended
	Sender        string // MAIL FROM's address, "" for the null path <>
	Recipients    int    // accepted RCPTs in the open transaction
	Body8Bit      bool   // MAIL FROM declared BODY=8BITMIME or BINARYMIME
	RepliesDue    int    // replies still due to the end of the message
	OutOfStep     string // why replies may not answer what they seem to; "" when in step
}

// State returns the snapshot.
func (s *Session) State() State {
	st := State{
		Phase: s.phase, LMTP: s.lmtp, Greeting: s.greeting, Hello: s.hello, TLS: s.tls,
		Authenticated: s.auth.done, User: s.auth.user,
		InTransaction: s.inTransaction() || s.phase == PhaseData,
		RepliesDue:    s.due, OutOfStep: s.outOfStep,
	}
	if st.InTransaction {
		st.Sender, st.Recipients, st.Body8Bit = s.txn.sender, len(s.txn.rcpts), s.txn.body8bit
	}
	return st
}

// InData reports whether lines are message text.
func (st State) InData() bool { return st.Phase == PhaseData }

// InAuth reports whether the next line answers an AUTH challenge.
func (st State) InAuth() bool { return st.Phase == PhaseAuth }

// Closed reports whether the connection is over.
func (st State) Closed() bool { return st.Phase == PhaseClosed }

// String is a one-line summary, for tests and logs: the phase, then what
// holds ("ready EHLO TLS user=bob", "mail EHLO from=<a@b> rcpts=2").
// User and Sender are quoted with %q when they need it.
func (st State) String() string {
	parts := []string{st.Phase.String()}
	add := func(ok bool, format string, args ...any) {
		if ok {
			parts = append(parts, fmt.Sprintf(format, args...))
		}
	}
	add(st.LMTP, "LMTP")
	add(st.Greeting != 0 && st.Greeting != 220, "greeting=%d", st.Greeting)
	add(st.Hello != "", "%s", st.Hello)
	add(st.TLS, "TLS")
	add(st.Authenticated && st.User == "", "authenticated")
	add(st.User != "", "user=%s", quoteIfNeeded(st.User))
	add(st.InTransaction, "from=<%s>", quoteIfNeeded(st.Sender))
	add(st.Recipients > 0, "rcpts=%d", st.Recipients)
	add(st.Body8Bit, "8bit")
	add(st.RepliesDue > 0, "due=%d", st.RepliesDue)
	add(st.OutOfStep != "", "out-of-step")
	return strings.Join(parts, " ")
}

func quoteIfNeeded(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f || s[i] == '"' || s[i] == '\\' {
			return fmt.Sprintf("%q", s)
		}
	}
	return s
}
