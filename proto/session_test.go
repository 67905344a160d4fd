package proto

import (
	"fmt"
	"strings"
	"testing"
)

// feed plays a dialogue in the notation of testdata/session (see
// TestSessionTranscripts) and returns the session it leaves.
func feed(t *testing.T, lmtp bool, dialogue string) *Session {
	t.Helper()
	p := &player{t: t, s: &Session{}}
	if lmtp {
		p.s = NewLMTPSession()
	}
	for i, line := range strings.Split(strings.TrimSpace(dialogue), "\n") {
		p.at = i + 1
		p.step(strings.TrimSpace(line))
	}
	return p.s
}

// Dialogues the table tests start from.
const (
	greeted = "S: 220 mx.example.test ESMTP"
	ehloAll = greeted + `
C: EHLO client.example.org
S: 250-mx.example.test
S: 250-PIPELINING
S: 250-STARTTLS
S: 250-AUTH PLAIN LOGIN
S: 250-ETRN
S: 250 CHUNKING`
	inTxn = ehloAll + `
C: MAIL FROM:<bob@example.org>
S: 250 2.1.0 Ok`
	withRcpt = inTxn + `
C: RCPT TO:<alice@example.test>
S: 250 2.1.5 Ok`
	chunked = withRcpt + `
C: BDAT 10
S: 250 2.0.0 Ok`
	loggedIn = ehloAll + `
C: AUTH PLAIN AGJvYgBzZWNyZXQ=
S: 235 2.7.0 Authentication successful`
	afterTLS = ehloAll + `
C: STARTTLS
S: 220 2.0.0 Ready to start TLS
! tls
C: EHLO client.example.org
S: 250-mx.example.test
S: 250-AUTH PLAIN
S: 250 CHUNKING`
	helo = greeted + `
C: HELO client.example.org
S: 250 mx.example.test`
	lmtpReady = greeted + `
C: LHLO client.example.org
S: 250-mailstore.example.test
S: 250 PIPELINING`
)

func TestSessionLegal(t *testing.T) {
	tests := []struct {
		rfc, name string
		lmtp      bool
		dialogue  string
		verb      string
		legal     bool
		suggest   bool
	}{
		{"RFC 5321 §4.1.4", "MAIL needs the hello", false, greeted, "MAIL", false, false},
		{"RFC 5321 §4.1.4", "NOOP before the hello", false, greeted, "NOOP", true, true},
		{"RFC 5321 §4.1.4", "VRFY at any time", false, withRcpt, "VRFY", true, true},
		{"RFC 5321 §4.1.4", "verbs are case-insensitive", false, ehloAll, "mail", true, true},
		{"RFC 5321 §4.1.4", "one MAIL per transaction", false, inTxn, "MAIL", false, false},
		{"RFC 5321 §4.1.4", "RCPT needs MAIL", false, ehloAll, "RCPT", false, false},
		{"RFC 5321 §4.1.4", "EHLO in a transaction resets it: legal, not offered", false, inTxn, "EHLO", true, false},
		{"RFC 5321 §3.3", "DATA needs an accepted recipient", false, inTxn, "DATA", false, false},
		{"RFC 5321 §3.3", "DATA after a recipient", false, withRcpt, "DATA", true, true},
		{"RFC 5321 §3.1", "a refused greeting leaves QUIT", false, "S: 554 5.7.1 no service", "QUIT", true, true},
		{"RFC 5321 §3.1", "a refused greeting takes no EHLO", false, "S: 554 5.7.1 no service", "EHLO", false, false},
		{"RFC 5321 §F.1", "TURN is obsolete", false, ehloAll, "TURN", false, false},
		{"RFC 5321 §4.1.1", "an unknown verb is the server's to refuse", false, ehloAll, "FOO", false, false},
		{"RFC 3207 §4", "STARTTLS when offered", false, ehloAll, "STARTTLS", true, true},
		{"RFC 3207 §4", "STARTTLS not offered after HELO", false, helo, "STARTTLS", false, false},
		{"RFC 3207 §4", "STARTTLS not inside a transaction", false, inTxn, "STARTTLS", false, false},
		{"RFC 3207 §4.2", "no second STARTTLS", false, afterTLS, "STARTTLS", false, false},
		{"RFC 4954 §4", "AUTH when offered", false, ehloAll, "AUTH", true, true},
		{"RFC 4954 §4", "no AUTH inside a transaction", false, inTxn, "AUTH", false, false},
		{"RFC 4954 §4", "no AUTH after a successful one", false, loggedIn, "AUTH", false, false},
		{"RFC 4954 §4", "no AUTH without an offer", false, helo, "AUTH", false, false},
		{"RFC 3030 §2", "BDAT with CHUNKING and a recipient", false, withRcpt, "BDAT", true, true},
		{"RFC 3030 §2", "no BDAT without CHUNKING", false, helo + "\nC: MAIL FROM:<>\nS: 250 Ok\nC: RCPT TO:<a@b>\nS: 250 Ok", "BDAT", false, false},
		{"RFC 3030 §2", "no DATA once a chunk went", false, chunked, "DATA", false, false},
		{"RFC 3030 §2", "no RCPT once a chunk went", false, chunked, "RCPT", false, false},
		{"RFC 3030 §2", "more chunks", false, chunked, "BDAT", true, true},
		{"RFC 1985 §5", "ETRN when offered, outside a transaction", false, ehloAll, "ETRN", true, true},
		{"RFC 2033 §4.1", "LMTP: LHLO", true, greeted, "LHLO", true, true},
		{"RFC 2033 §4.1", "LMTP: no EHLO", true, greeted, "EHLO", false, false},
		{"RFC 2033 §4.1", "LMTP: no HELO", true, greeted, "HELO", false, false},
		{"RFC 2033 §4.1", "SMTP: no LHLO", false, greeted, "LHLO", false, false},
		{"RFC 2033 §4.1", "LMTP: MAIL after LHLO", true, lmtpReady, "MAIL", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.rfc+" "+tt.name, func(t *testing.T) {
			s := feed(t, tt.lmtp, tt.dialogue)
			if got := s.Legal(tt.verb); got != tt.legal {
				t.Errorf("Legal(%q) = %v, want %v (state %s)", tt.verb, got, tt.legal, s.State())
			}
			if got := s.Suggest(tt.verb); got != tt.suggest {
				t.Errorf("Suggest(%q) = %v, want %v (state %s)", tt.verb, got, tt.suggest, s.State())
			}
		})
	}
}

func TestSessionMustWait(t *testing.T) {
	data := withRcpt + "\nC: DATA\nS: 354 go ahead"
	auth := ehloAll + "\nC: AUTH LOGIN\nS: 334 VXNlcm5hbWU6"
	tests := []struct {
		rfc, dialogue, line string
		wait                bool
	}{
		{"RFC 2920 §3.1", ehloAll, "EHLO client.example.org", true},
		{"RFC 2920 §3.1", ehloAll, "helo client.example.org", true},
		{"RFC 2920 §3.1", withRcpt, "DATA", true},
		{"RFC 2920 §3.1", ehloAll, "VRFY bob", true},
		{"RFC 2920 §3.1", ehloAll, "EXPN staff", true},
		{"RFC 2920 §3.1", ehloAll, "TURN", true},
		{"RFC 2920 §3.1", ehloAll, "QUIT", true},
		{"RFC 2920 §3.1", ehloAll, "NOOP", true},
		{"RFC 2920 §3.1", ehloAll, "MAIL FROM:<bob@example.org>", false},
		{"RFC 2920 §3.1", inTxn, "RCPT TO:<alice@example.test>", false},
		{"RFC 2920 §3.1", ehloAll, "RSET", false},
		{"RFC 2920 §3.1", ehloAll, "HELP", false},
		{"RFC 2920 §3.1", ehloAll, "XYZZY", false},
		{"RFC 2920 §3.1: content may start a group", data, ".", false},
		{"RFC 2920 §3.1: content may start a group", data, "QUIT", false},
		{"RFC 3207 §4: nothing goes after STARTTLS", ehloAll, "STARTTLS", true},
		{"RFC 4954 §4: the reply may be a 334", ehloAll, "AUTH LOGIN", true},
		{"RFC 4954 §4: each answer waits for the next challenge", auth, "Ym9i", true},
		{"RFC 3030 §2: a refused chunk stops the next", withRcpt, "BDAT 10", true},
		{"RFC 2033 §4.1", lmtpReady, "LHLO client.example.org", true},
		{"RFC 5321 §3.1: before the greeting", "", "EHLO client.example.org", true},
		{"RFC 2920 §3.1: no PIPELINING offered, every reply waited for", helo, "MAIL FROM:<a@b>", true},
		{"RFC 2920 §3.1: no PIPELINING offered, every reply waited for", helo, "RSET", true},
		{"RFC 2920 §3.1: no PIPELINING offered, the end of data waits", helo + "\nC: MAIL FROM:<>\nS: 250 ok\nC: RCPT TO:<a@b>\nS: 250 ok\nC: DATA\nS: 354 go", ".", true},
		{"RFC 5321 §4.1.1.4: message text gets no reply", helo + "\nC: MAIL FROM:<>\nS: 250 ok\nC: RCPT TO:<a@b>\nS: 250 ok\nC: DATA\nS: 354 go", "QUIT", false},
		{"RFC 3207 §4.2: after STARTTLS nothing is known", ehloAll + "\nC: STARTTLS\nS: 220 go\n! tls", "MAIL FROM:<a@b>", true},
	}
	for _, tt := range tests {
		t.Run(tt.rfc+" "+tt.line, func(t *testing.T) {
			s := feed(t, false, tt.dialogue)
			if got := s.MustWait(tt.line); got != tt.wait {
				t.Errorf("MustWait(%q) = %v, want %v (state %s)", tt.line, got, tt.wait, s.State())
			}
		})
	}
}

func TestSessionRole(t *testing.T) {
	data := withRcpt + "\nC: DATA\nS: 354 go ahead"
	refused := inTxn + "\nC: DATA\nS: 554 5.5.1 Error: no valid recipients"
	authEnded := ehloAll + "\nC: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: Ym9i\nS: 535 5.7.8 no"
	tests := []struct {
		rfc, dialogue, line string
		want                Role
		expect              int
	}{
		{"RFC 5321 §3.1: the greeting first", "", "EHLO x", RoleNone, 0},
		{"RFC 5321 §4.1.1.4", data, "Subject: hi", RoleText, 0},
		{"RFC 5321 §4.1.1.4", data, "QUIT", RoleText, 0},
		{"RFC 5321 §4.1.1.4", data, ".", RoleEndOfData, 1},
		{"RFC 5321 §4.1.1.4", data, "..", RoleText, 0},
		{"RFC 5321 §3.3: a refused DATA's text", refused, "Subject: hi", RoleRefusedText, 0},
		{"RFC 5321 §3.3: a refused DATA's text", refused, "RSET", RoleRefusedText, 0},
		{"RFC 5321 §3.3: a refused DATA's text", refused, ".", RoleRefusedText, 0},
		{"RFC 4954 §4", ehloAll + "\nC: AUTH LOGIN\nS: 334 VXNlcm5hbWU6", "NOOP", RoleAnswer, 1},
		{"RFC 4954 §4: answers after the exchange", authEnded, "c2VjcmV0", RoleRefusedAnswer, 0},
		{"RFC 4954 §4: answers after the exchange", authEnded, "dHVybg==", RoleRefusedAnswer, 0},
		{"RFC 4954 §4: a command after the exchange", authEnded, "NOOP", RoleCommand, 1},
		{"RFC 4954 §4: a command after the exchange", authEnded, "mail FROM:<a@b>", RoleCommand, 1},
		{"RFC 4954 §4: TURN may be base64", authEnded, "TURN", RoleRefusedAnswer, 0},
		{"RFC 3207 §4: the handshake first", ehloAll + "\nC: STARTTLS\nS: 220 go", "EHLO x", RoleNone, 0},
		{"RFC 5321 §4.1.1.10", ehloAll + "\nC: QUIT\nS: 221 bye", "NOOP", RoleNone, 0},
		{"RFC 5321 §4.1.1", ehloAll, "FOO", RoleCommand, 1},
	}
	for _, tt := range tests {
		t.Run(tt.rfc+" "+tt.line, func(t *testing.T) {
			s := feed(t, false, tt.dialogue)
			if got := s.Role(tt.line); got != tt.want {
				t.Errorf("Role(%q) = %s, want %s (state %s)", tt.line, got, tt.want, s.State())
			}
			if got := s.Expect(tt.line); got != tt.expect {
				t.Errorf("Expect(%q) = %d, want %d", tt.line, got, tt.expect)
			}
		})
	}
}

// TestSessionVerbAfterBlanks: a verb after spaces or tabs, or ended by a
// tab, is the verb a server reads (Postfix skips the blanks too), so the
// model follows it: a refused " DATA" refuses its text, an " AUTH" opens
// an exchange.
func TestSessionVerbAfterBlanks(t *testing.T) {
	for _, data := range []string{" DATA", "\tDATA", "DATA\t", "  data "} {
		s := feed(t, false, inTxn)
		s.Feed(data, &Reply{Code: 554, Lines: []string{"5.5.1 Error: no valid recipients"}})
		if got := s.Role("Subject: oops"); got != RoleRefusedText {
			t.Errorf("after %q refused: Role(Subject: oops) = %s, want refused text", data, got)
		}
	}
	for _, auth := range []string{" AUTH LOGIN", "AUTH\tLOGIN", "\t auth\tLOGIN"} {
		s := feed(t, false, ehloAll)
		s.Feed(auth, &Reply{Code: 334, Lines: []string{"VXNlcm5hbWU6"}})
		if got := s.Role("Ym9i"); got != RoleAnswer {
			t.Errorf("after %q and a 334: Role(Ym9i) = %s, want answer", auth, got)
		}
		s.Feed("Ym9i", &Reply{Code: 535, Lines: []string{"5.7.8 no"}})
		if got := s.Role("c2VjcmV0"); got != RoleRefusedAnswer {
			t.Errorf("after %q ended: Role(c2VjcmV0) = %s, want refused answer", auth, got)
		}
	}
	if s := feed(t, false, withRcpt); !s.MustWait(" DATA") && s.Capabilities().Pipelining() {
		t.Errorf("MustWait(\" DATA\") = false: DATA ends a pipelined group")
	}
}

// TestSessionSkipEndsAtDot: the refused text ends with its lone "."; a
// line that only looks like the end (" .", "..") does not end it.
func TestSessionSkipEndsAtDot(t *testing.T) {
	s := feed(t, false, inTxn+"\nC: DATA\nS: 554 5.5.1 Error: no valid recipients")
	for _, line := range []string{"Subject: x", " .", "..", "QUIT"} {
		s.Skip(line)
		if got := s.Role("NOOP"); got != RoleRefusedText {
			t.Fatalf("after skipping %q: Role(NOOP) = %s, want refused text", line, got)
		}
	}
	s.Skip(".")
	if got := s.Role("NOOP"); got != RoleCommand {
		t.Errorf("after the \".\": Role(NOOP) = %s, want command", got)
	}
}

func TestSessionExpectLMTP(t *testing.T) {
	txn := lmtpReady + `
C: MAIL FROM:<bob@example.org>
S: 250 Ok
C: RCPT TO:<a@example.test>
S: 250 Ok
C: RCPT TO:<b@example.test>
S: 550 No such user
C: RCPT TO:<c@example.test>
S: 250 Ok
C: RCPT TO:<a@example.test>
S: 250 Ok`
	tests := []struct {
		rfc, dialogue, line string
		want                int
	}{
		{"RFC 2033 §4.2: one per accepted RCPT, repeats too", txn + "\nC: DATA\nS: 354 go", ".", 3},
		{"RFC 2033 §4.2: BDAT LAST ends the data as the dot does", txn, "BDAT 10 LAST", 3},
		{"RFC 2033 §4.2: BDAT LAST, any case", txn, "bdat 10 last", 3},
		{"RFC 3030 §2: a chunk that is not the last", txn, "BDAT 10", 1},
		{"RFC 2033 §4.2: a command", txn, "RSET", 1},
	}
	for _, tt := range tests {
		t.Run(tt.rfc, func(t *testing.T) {
			s := feed(t, true, tt.dialogue)
			if got := s.Expect(tt.line); got != tt.want {
				t.Errorf("Expect(%q) = %d, want %d (state %s)", tt.line, got, tt.want, s.State())
			}
		})
	}
	s := feed(t, true, txn+"\nC: DATA\nS: 354 go")
	want := "a@example.test c@example.test a@example.test"
	if got := strings.Join(s.Recipients(), " "); got != want {
		t.Errorf("Recipients() = %q, want %q: the LMTP replies answer them in this order", got, want)
	}
}

func TestSessionUser(t *testing.T) {
	plainIR := proto64("\x00bob\x00hunter2")
	tests := []struct {
		rfc, name, exchange string
		user                string
		authed              bool
	}{
		{"RFC 4616 §2", "PLAIN initial response", "C: AUTH PLAIN " + plainIR + "\nS: 235 ok", "bob", true},
		{"RFC 4954 §4", "PLAIN after an empty challenge", "C: AUTH PLAIN\nS: 334 \nC: " + plainIR + "\nS: 235 ok", "bob", true},
		{"RFC 4954 §4", "LOGIN", "C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: " + proto64("bob") + "\nS: 334 UGFzc3dvcmQ6\nC: " + proto64("hunter2") + "\nS: 235 ok", "bob", true},
		{"RFC 4954 §4", "LOGIN with the name as initial response", "C: AUTH LOGIN " + proto64("bob") + "\nS: 334 UGFzc3dvcmQ6\nC: " + proto64("hunter2") + "\nS: 235 ok", "bob", true},
		{"RFC 4954 §4", "LOGIN asking the password first keeps nothing", "C: AUTH LOGIN\nS: 334 UGFzc3dvcmQ6\nC: " + proto64("hunter2") + "\nS: 235 ok", "", true},
		{"RFC 4954 §4", "LOGIN with wordless challenges goes by order", "C: AUTH LOGIN\nS: 334 \nC: " + proto64("bob") + "\nS: 334 \nC: " + proto64("hunter2") + "\nS: 235 ok", "bob", true},
		{"RFC 2195 §2", "CRAM-MD5", "C: AUTH CRAM-MD5\nS: 334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\nC: dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\nS: 235 ok", "tim", true},
		{"RFC 4954 §4", "XOAUTH2 names the user", "C: AUTH XOAUTH2 " + proto64("user=bob\x01auth=Bearer tok\x01\x01") + "\nS: 235 ok", "bob", true},
		{"RFC 7628 §3.2.3", "OAUTHBEARER refused after its JSON error", "C: AUTH OAUTHBEARER " + proto64("n,a=bob,\x01auth=Bearer tok\x01\x01") + "\nS: 334 eyJzdGF0dXMiOiI0MDEifQ==\nC: AQ==\nS: 535 5.7.8 no", "", false},
		{"RFC 7628 §3.1", "OAUTHBEARER names the user", "C: AUTH OAUTHBEARER " + proto64("n,a=bob,\x01host=mx\x01port=25\x01auth=Bearer tok\x01\x01") + "\nS: 235 ok", "bob", true},
		{"RFC 5802 §5", "SCRAM-SHA-256 names the user of its client-first", "C: AUTH SCRAM-SHA-256 " + proto64("n,,n=bob,r=abc") + "\nS: 334 " + proto64("r=abcdef,s=AAAA,i=4096") + "\nC: " + proto64("c=biws,r=abcdef,p=AAAA") + "\nS: 334 " + proto64("v=AAAA") + "\nC: \nS: 235 ok", "bob", true},
		{"RFC 4954 §4", "a refused exchange logs nobody in", "C: AUTH PLAIN " + plainIR + "\nS: 535 5.7.8 no", "", false},
		{"RFC 4954 §4", "a cancelled exchange", "C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: " + proto64("bob") + "\nS: 334 UGFzc3dvcmQ6\nC: *\nS: 501 cancelled", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.rfc+" "+tt.name, func(t *testing.T) {
			s := feed(t, false, ehloAll+"\n"+tt.exchange)
			st := s.State()
			if st.User != tt.user || st.Authenticated != tt.authed {
				t.Errorf("user %q authenticated %v, want %q %v", st.User, st.Authenticated, tt.user, tt.authed)
			}
			if st.Phase != PhaseReady {
				t.Errorf("phase %s after the exchange, want ready", st.Phase)
			}
		})
	}
}

func proto64(s string) string { return B64(s) }

// TestSessionKeepsNoSecret: after AUTH exchanges, nothing reachable from
// the session holds the password or a response that carries it.
func TestSessionKeepsNoSecret(t *testing.T) {
	pass := "hunter2-Sekr1t"
	for _, exchange := range []string{
		"C: AUTH PLAIN " + proto64("\x00bob\x00"+pass) + "\nS: 235 ok",
		"C: AUTH PLAIN\nS: 334 \nC: " + proto64("\x00bob\x00"+pass) + "\nS: 334 \n",
		"C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: " + proto64("bob") + "\nS: 334 UGFzc3dvcmQ6\nC: " + proto64(pass) + "\nS: 235 ok",
		"C: AUTH XOAUTH2 " + proto64("user=bob\x01auth=Bearer "+pass+"\x01\x01") + "\nS: 235 ok",
		"C: AUTH OAUTHBEARER " + proto64("n,a=bob,\x01auth=Bearer "+pass+"\x01\x01") + "\nS: 235 ok",
	} {
		s := feed(t, false, ehloAll+"\n"+exchange)
		dump := fmt.Sprintf("%#v %#v %s", *s, s.auth, s.State())
		for _, secret := range []string{pass, proto64("\x00bob\x00" + pass), proto64(pass)} {
			if strings.Contains(dump, secret) {
				t.Errorf("after %q the session holds %q:\n%s", exchange, secret, dump)
			}
		}
	}
}

func TestSessionResets(t *testing.T) {
	tests := []struct {
		rfc, name, dialogue, want string
	}{
		{"RFC 5321 §4.1.1.5", "RSET ends the transaction, keeps hello and login", loggedIn + "\nC: MAIL FROM:<a@b>\nS: 250 Ok\nC: RSET\nS: 250 Ok", "ready EHLO user=bob"},
		{"RFC 5321 §4.1.4", "RSET before the hello", greeted + "\nC: RSET\nS: 250 Ok", "greeted"},
		{"RFC 5321 §4.1.4", "EHLO ends the transaction, keeps the login", loggedIn + "\nC: MAIL FROM:<a@b>\nS: 250 Ok\nC: EHLO x\nS: 250 mx", "ready EHLO user=bob"},
		{"RFC 5321 §4.1.4", "a refused RSET changes nothing", withRcpt + "\nC: RSET\nS: 500 what", "mail EHLO from=<bob@example.org> rcpts=1"},
		{"RFC 5321 §4.1.1.4", "a refused message ends the transaction too", withRcpt + "\nC: DATA\nS: 354 go\nC: .\nS: 554 5.7.1 spam", "ready EHLO"},
		{"RFC 3207 §4.2", "STARTTLS forgets the login and the hello", loggedIn + "\nC: STARTTLS\nS: 220 go\n! tls", "greeted TLS"},
		{"RFC 3207 §4.2", "STARTTLS ends a transaction", inTxn + "\nC: STARTTLS\nS: 220 go\n! tls", "greeted TLS"},
		{"RFC 5321 §3.8", "421 to any command closes", withRcpt + "\nC: RCPT TO:<c@d>\nS: 421 4.4.2 timeout", "closed EHLO"},
		{"RFC 5321 §3.8", "421 inside message text closes", withRcpt + "\nC: DATA\nS: 354 go\nS: 421 4.4.2 timeout", "closed EHLO"},
		{"Postfix XCLIENT", "XCLIENT's 220 is a new greeting", ehloAll + "\nC: XCLIENT ADDR=192.0.2.1\nS: 220 mx ESMTP", "greeted"},
		{"RFC 5321 §4.1.1.1", "a refused EHLO changes nothing", greeted + "\nC: EHLO x\nS: 501 bad", "greeted"},
	}
	for _, tt := range tests {
		t.Run(tt.rfc+" "+tt.name, func(t *testing.T) {
			if got := feed(t, false, tt.dialogue).State().String(); got != tt.want {
				t.Errorf("state %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSessionCapabilities(t *testing.T) {
	s := feed(t, false, helo)
	if c := s.Capabilities(); c == nil || len(c.List) != 0 {
		t.Errorf("after HELO: capabilities %v, want empty", c)
	}
	s = feed(t, false, ehloAll+"\nC: STARTTLS\nS: 220 go")
	if s.Capabilities() != nil || !s.CapabilitiesBeforeTLS().StartTLS() {
		t.Errorf("after STARTTLS's 220: caps %v, before %v; want nil and the old list (RFC 3207 §4.2)", s.Capabilities(), s.CapabilitiesBeforeTLS())
	}
	s = feed(t, false, afterTLS)
	if s.Capabilities().StartTLS() || !s.Capabilities().Has("AUTH") {
		t.Errorf("after the new EHLO: %v", s.Capabilities().Keywords())
	}
}

func TestLooksLikeCommand(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{"QUIT", true}, {"quit", true}, {"Quit", true}, {"qUIT", false},
		{"MAIL FROM:<a@b>", true}, {"mail from:<a@b>", true}, {"LHLO x", true},
		{"TURN", false}, {"Ym9i", false}, {"", false}, {"QUITS", false},
		{"quıt", false}, {"XCLIENT NAME=x", true},
		// A server skips leading blanks and ends the verb at a tab.
		{"QUIT\tnow", true}, {" QUIT", true}, {"\tdata", true}, {"AUTH\tPLAIN x", true},
		{" ", false}, {"\t", false},
	}
	for _, tt := range tests {
		if got := LooksLikeCommand(tt.line); got != tt.want {
			t.Errorf("LooksLikeCommand(%q) = %v, want %v", tt.line, got, tt.want)
		}
	}
}

// TestCommandWordsAreNeverAnswers: an AUTH answer is base64, and no
// spelling of a verb LooksLikeCommand accepts decodes to printable ASCII,
// so an answer can never be taken for a command.
func TestCommandWordsAreNeverAnswers(t *testing.T) {
	for _, v := range sessionVerbs {
		if v.ambiguous {
			continue
		}
		lower := strings.ToLower(v.name)
		for _, word := range []string{v.name, lower, v.name[:1] + lower[1:]} {
			if len(word)%4 != 0 {
				continue // not whole base64 quanta: no answer is spelt so
			}
			if text, err := UnB64(word); err == nil && printableASCII(text) {
				t.Errorf("%q is the base64 of %q: it must be marked ambiguous", word, text)
			}
		}
	}
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// TestSessionFeedAllocates: feeding the pairs of a transaction allocates
// nothing once warm; it runs for every command in pipelined scripts.
func TestSessionFeedAllocates(t *testing.T) {
	s, pairs := benchSession()
	n := testing.AllocsPerRun(100, func() { playPairs(s, pairs) })
	if n != 0 {
		t.Errorf("a transaction's pairs allocate %v times, want 0", n)
	}
}

// TestSessionSendReceive: lines and replies as they cross the wire, for
// replay and mock, which see no pairs.
func TestSessionSendReceive(t *testing.T) {
	r := func(code int, text string) *Reply { return NewReply(code, EnhancedCode{}, text) }
	type step struct {
		send    string
		receive *Reply
		event   func(*Session)
		feed    string // with receive: the pair goes to Feed, past the queue
	}
	tests := []struct {
		rfc, name string
		lmtp      bool
		steps     []step
		want      string
		owed      int
	}{
		{"RFC 5321 §3.1", "a line sent before the greeting is answered after it", false, []step{
			{send: "EHLO x"}, {receive: r(220, "mx")}, {receive: r(250, "mx")}}, "ready EHLO", 0},
		{"RFC 5321 §3.1", "the greeting leaves the early line owed", false, []step{
			{send: "EHLO x"}, {receive: r(220, "mx")}}, "greeted", 1},
		{"RFC 3207 §4.2", "lines pipelined after STARTTLS are discarded", false, []step{
			{receive: r(220, "mx")}, {send: "STARTTLS"}, {send: "MAIL FROM:<a@b>"}, {receive: r(220, "go")},
			{event: (*Session).TLSEstablished}}, "greeted TLS", 0},
		{"RFC 5321 §4.1.1.10", "a closed connection owes nothing", false, []step{
			{receive: r(220, "mx")}, {send: "QUIT"}, {send: "NOOP"}, {receive: r(221, "bye")}}, "closed", 0},
		{"RFC 5321 §4.1.1.10", "a pair fed past the queue that closes the connection drops what is owed", false, []step{
			{receive: r(220, "mx")}, {send: "NOOP"}, {feed: "QUIT", receive: r(221, "bye")}}, "closed", 0},
		{"RFC 5321 §3.8", "a 421 fed past the queue drops what is owed", false, []step{
			{receive: r(220, "mx")}, {send: "NOOP"}, {send: "RSET"}, {feed: "NOOP", receive: r(421, "going")}}, "closed", 0},
		{"RFC 5321 §3.3", "a refused DATA's line that went out anyway is a command", false, []step{
			{receive: r(220, "mx")}, {send: "HELO x"}, {receive: r(250, "mx")}, {send: "DATA"}, {receive: r(503, "no")},
			{send: "Subject: oops"}, {receive: r(500, "what")}}, "ready HELO", 0},
		{"RFC 2033 §4.2", "the end of an LMTP message owes a reply per recipient", true, []step{
			{receive: r(220, "mx")}, {send: "LHLO x"}, {receive: r(250, "mx")}, {send: "MAIL FROM:<>"}, {send: "RCPT TO:<a@b>"},
			{send: "RCPT TO:<c@d>"}, {send: "DATA"}, {receive: r(250, "ok")}, {receive: r(250, "ok")}, {receive: r(250, "ok")},
			{receive: r(354, "go")}, {send: "hi"}, {send: "."}}, "delivery LMTP LHLO due=2", 2},
	}
	for _, tt := range tests {
		t.Run(tt.rfc+" "+tt.name, func(t *testing.T) {
			s := &Session{}
			if tt.lmtp {
				s = NewLMTPSession()
			}
			for _, st := range tt.steps {
				switch {
				case st.event != nil:
					st.event(s)
				case st.feed != "":
					s.Feed(st.feed, st.receive)
				case st.receive != nil:
					s.Receive(st.receive)
				default:
					s.Send(st.send)
				}
			}
			if got := s.State().String(); got != tt.want || s.Owed() != tt.owed {
				t.Errorf("state %q owed %d, want %q owed %d", got, s.Owed(), tt.want, tt.owed)
			}
		})
	}
}

// TestSessionOwedStaysSmall: a client that always keeps one line waiting
// (it pipelines each command behind the last) never lets the queue
// empty; what was answered must still be let go.
func TestSessionOwedStaysSmall(t *testing.T) {
	s := &Session{}
	s.Greeting(&Reply{Code: 220})
	s.Send("NOOP")
	for range 10000 {
		s.Send("NOOP")
		s.Receive(&Reply{Code: 250})
	}
	if s.Owed() != 1 || len(s.owed) > 200 {
		t.Errorf("after 10000 round trips with one line waiting: %d owed, queue of %d", s.Owed(), len(s.owed))
	}
}

// TestSessionClone: what a copy is fed, the original never sees, down to
// the lines owed replies and the recipients.
func TestSessionClone(t *testing.T) {
	s := feed(t, false, `
		S: 220 hi
		C: EHLO me
		S: 250 ok
		C: MAIL FROM:<a@b>
		S: 250 ok
		C: RCPT TO:<c@d>
		S: 250 ok`)
	s.Send("RCPT TO:<e@f>")
	before := s.State().String()
	c := s.Clone()
	c.Receive(&Reply{Code: 250})
	c.Send("DATA")
	c.ConnectionClosed()
	if got := s.State().String(); got != before || s.Owed() != 1 || len(s.Recipients()) != 1 {
		t.Errorf("after the clone was fed: %s, %d owed, %d recipients; want %s, 1 owed, 1 recipient",
			got, s.Owed(), len(s.Recipients()), before)
	}
}

// TestSessionLearnsLMTP: an SMTP session whose LHLO is answered 250 is
// talking to an LMTP server (RFC 2033 §4.1), and expects a reply per
// recipient from then on; the next connection may be to an SMTP server,
// so a reconnect forgets what was learnt, and keeps what was asked for.
func TestSessionLearnsLMTP(t *testing.T) {
	txn := lmtpReady + `
C: MAIL FROM:<bob@example.org>
S: 250 Ok
C: RCPT TO:<a@example.test>
S: 250 Ok
C: RCPT TO:<b@example.test>
S: 250 Ok
C: DATA
S: 354 go`
	tests := []struct {
		name       string
		asked      bool
		dialogue   string
		lmtp       bool
		dotReplies int
	}{
		{"SMTP, LHLO answered 250", false, txn, true, 2},
		{"SMTP, LHLO refused", false, greeted + "\nC: LHLO client.example.org\nS: 500 5.5.2 Error: command not recognized", false, 0},
		{"SMTP, EHLO", false, ehloAll, false, 0},
		{"LMTP asked for", true, txn, true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := feed(t, tt.asked, tt.dialogue)
			if s.LMTP() != tt.lmtp {
				t.Fatalf("LMTP() = %v, want %v (state %s)", s.LMTP(), tt.lmtp, s.State())
			}
			if tt.dotReplies > 0 {
				if got := s.Expect("."); got != tt.dotReplies {
					t.Errorf(`Expect(".") = %d, want %d`, got, tt.dotReplies)
				}
			}
			s.Restart()
			if s.LMTP() != tt.asked {
				t.Errorf("after Restart, LMTP() = %v, want %v: only the dialect asked for survives a reconnect", s.LMTP(), tt.asked)
			}
		})
	}
}
