package proto

import (
	"strconv"
	"strings"
	"testing"
)

// FuzzSession feeds arbitrary dialogues and checks what must always hold.
// Each input line is "CCC line|more reply text" (a client line and a reply
// with code CCC, fed as a pair), "> line" (Send), "< CCC text" (Receive)
// or an event: "!t" TLS, "!c" closed, "!o" out of step,
// "!r" restart, "!e" end of data, "!s line" a skipped line, "!l" LMTP.
func FuzzSession(f *testing.F) {
	f.Add("220 \n250 EHLO x|PIPELINING|STARTTLS|AUTH PLAIN LOGIN|CHUNKING\n250 MAIL FROM:<a@b>\n250 RCPT TO:<c@d>\n354 DATA\n!e\n250 .\n221 QUIT")
	f.Add("220 \n250 EHLO x|STARTTLS\n220 STARTTLS\n!t\n250 EHLO x|AUTH LOGIN\n334 AUTH LOGIN\n334 Ym9i\n235 c2VjcmV0")
	f.Add("!l\n220 \n250 LHLO x\n250 MAIL FROM:<>\n250 RCPT TO:<a@b>\n250 RCPT TO:<b@c>\n354 DATA\n250 .\n250 .")
	f.Add("220 \n250 EHLO x|CHUNKING\n250 MAIL FROM:<>\n250 RCPT TO:<a@b>\n250 BDAT 1\n552 BDAT 2 LAST\n554 DATA\n!s x\n!s .")
	f.Add("> EHLO x\n< 220 mx\n< 250 mx|PIPELINING\n> MAIL FROM:<a@b>\n> RCPT TO:<c@d>\n> DATA\n< 250 ok\n< 250 ok\n< 354 go\n> hi\n> .\n> QUIT\n< 250 ok\n< 221 bye")
	f.Add("554 \n503 EHLO x\n421 NOOP\n!r\n220 \n250 HELO x\n250 MAIL FROM:<a@b> BODY=8BITMIME\n!o\n250 RSET")
	f.Fuzz(func(t *testing.T, dialogue string) {
		s := &Session{}
		for _, line := range strings.Split(dialogue, "\n") {
			s = step(s, line)
			checkSession(t, s, line)
		}
	})
}

func step(s *Session, line string) *Session {
	event, arg, _ := strings.Cut(line, " ")
	switch event {
	case "!s":
		s.Skip(arg)
		return s
	case ">":
		s.Send(arg)
		return s
	case "<":
		if code, text, ok := fuzzReply(arg); ok {
			s.Receive(NewReply(code, EnhancedCode{}, text...))
		}
		return s
	}
	switch line {
	case "!t":
		s.TLSEstablished()
	case "!c":
		s.ConnectionClosed()
	case "!o":
		s.MarkOutOfStep("fuzz")
	case "!r":
		s.Restart()
	case "!e":
		s.EndData()
	case "!l":
		return NewLMTPSession()
	default:
		if code, text, ok := fuzzReply(line); ok {
			s.Feed(text[0], NewReply(code, EnhancedCode{}, text...))
		}
	}
	return s
}

// fuzzReply reads "CCC text|more text" into a code and reply lines.
func fuzzReply(s string) (int, []string, bool) {
	if len(s) < 4 {
		return 0, nil, false
	}
	code, err := strconv.Atoi(s[:3])
	if err != nil || code < 0 {
		return 0, nil, false
	}
	return code, strings.Split(s[4:], "|"), true
}

// checkSession asserts the invariants after one step.
func checkSession(t *testing.T, s *Session, after string) {
	t.Helper()
	st := s.State()
	fail := func(what string) { t.Fatalf("after %q (state %s): %s", after, st, what) }
	switch {
	case st.Phase > PhaseClosed:
		fail("an unnamed phase")
	case st.InData() && st.InAuth():
		fail("inside DATA and an AUTH exchange at once")
	case st.Recipients > 0 && !st.InTransaction:
		fail("recipients outside a transaction")
	case (st.Sender != "" || st.Body8Bit) && !st.InTransaction:
		fail("a sender outside a transaction")
	case st.User != "" && !st.Authenticated:
		fail("a user name without a 235")
	case (st.RepliesDue > 0) != (st.Phase == PhaseDelivery):
		fail("replies due outside the delivery phase, or none in it")
	case !st.LMTP && st.RepliesDue > 1:
		fail("SMTP owes one reply to a message")
	case s.Owed() < 0 || st.Closed() && s.Owed() != 0:
		fail("replies owed by a closed connection, or fewer than none")
	case st.Hello == "" && s.Capabilities() != nil && st.Phase != PhaseRefused && st.Phase != PhaseClosed:
		fail("capabilities without a hello")
	}
	checkLegal(t, s, st, fail)
	checkRoles(s, st, fail)
	_ = st.String()
}

func checkLegal(t *testing.T, s *Session, st State, fail func(string)) {
	t.Helper()
	for _, v := range sessionVerbs {
		legal := s.Legal(v.name)
		switch {
		case s.Suggest(v.name) && !legal:
			fail(v.name + " offered but not legal")
		case legal && (st.Closed() || st.InData() || st.InAuth() || st.Phase == PhaseHandshake || st.Phase == PhaseConnected):
			fail(v.name + " legal where no command may go")
		case legal && v.ext != "" && !s.Capabilities().Has(v.ext):
			fail(v.name + " legal without its extension")
		}
	}
	switch {
	case s.Legal("STARTTLS") && (st.TLS || st.InTransaction):
		fail("STARTTLS legal under TLS or in a transaction")
	case s.Legal("AUTH") && (st.Authenticated || st.InTransaction):
		fail("AUTH legal after a login or in a transaction")
	case s.Legal("DATA") && st.Recipients == 0:
		fail("DATA legal without a recipient")
	case s.Legal("RCPT") && !st.InTransaction:
		fail("RCPT legal outside a transaction")
	case st.LMTP && (s.Legal("EHLO") || s.Legal("HELO")), !st.LMTP && s.Legal("LHLO"):
		fail("the hello of the wrong dialect")
	}
}

func checkRoles(s *Session, st State, fail func(string)) {
	role := s.Role("NOOP")
	switch {
	case st.Closed() && (role != RoleNone || s.Expect("NOOP") != 0 || !s.MustWait("NOOP")):
		fail("a closed session takes a line")
	case st.InData() && (role != RoleText || s.Expect("NOOP") != 0 || s.MustWait("NOOP")):
		fail("message text taken for something else")
	case st.InAuth() && (role != RoleAnswer || !s.MustWait("NOOP")):
		fail("an AUTH answer taken for something else")
	case st.InData() && s.Role(".") != RoleEndOfData:
		fail("the lone dot does not end message text")
	}
}
