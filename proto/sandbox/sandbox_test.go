package sandbox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/proto"
)

var fixedTime = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func fixedClock(c *Config) {
	c.Clock = func() time.Time { return fixedTime }
	c.QueueID = func(n int) string { return fmt.Sprintf("Q%d", n) }
}

func TestDataIsStoredExactlyAsUnstuffed(t *testing.T) {
	srv, addr := testServer(t, fixedClock)
	c := dial(t, addr, proto.Options{})
	cmd(t, c, "EHLO me.example")
	expect(t, c, "MAIL FROM:<bob@example.test>", 250, "2.1.0")
	expect(t, c, "RCPT TO:<alice@example.test>", 250, "2.1.5")
	expect(t, c, "DATA", 354, "")
	r := expect(t, c, "raw:Subject: hi\r\n\r\n.. one dot\r\n...two\r\n.\r\n", 250, "2.0.0")
	if got, want := r.Raw[0], "250 2.0.0 Ok: queued as Q1"; got != want {
		t.Errorf("reply %q, want %q", got, want)
	}
	want := []Message{{
		ID: "Q1", From: "bob@example.test", To: []string{"alice@example.test"},
		Data:     []byte("Subject: hi\r\n\r\n. one dot\r\n..two\r\n"),
		Received: fixedTime, Helo: "me.example", RcptParams: [][]proto.Param{nil},
		Client: "127.0.0.1", Protocol: "ESMTP",
	}}
	if diff := cmp.Diff(want, srv.Mailbox().List()); diff != "" {
		t.Errorf("mailbox (-want +got):\n%s", diff)
	}
}

func TestBareLFIsKeptAndCounted(t *testing.T) {
	srv, addr := testServer(t, nil)
	c := dial(t, addr, proto.Options{})
	for _, line := range []string{"EHLO me.example", "MAIL FROM:<bob@example.test>", "RCPT TO:<alice@example.test>", "DATA"} {
		cmd(t, c, line)
	}
	// LF.LF is data, not the end: only CRLF.CRLF ends the body.
	expect(t, c, "raw:a\nb\r\nc\n.\nd\r\n.\r\n", 250, "2.0.0")
	msg := srv.Mailbox().List()[0]
	if got, want := string(msg.Data), "a\nb\r\nc\n.\nd\r\n"; got != want || msg.BareLF != 3 {
		t.Errorf("stored %q with BareLF %d, want %q with 3", got, msg.BareLF, want)
	}
}

// writeCA stores the sandbox's certificate where proto's --cafile reads it.
func writeCA(t *testing.T, srv *Server) string {
	path := filepath.Join(t.TempDir(), "sandbox.pem")
	if err := os.WriteFile(path, srv.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestStartTLSThenAuthPlain(t *testing.T) {
	srv, addr := testServer(t, nil)
	tests := []struct {
		name     string
		opts     proto.TLSOptions
		verified bool
	}{
		{"insecure", proto.TLSOptions{Insecure: true}, false},
		{"verified with CertPEM", proto.TLSOptions{CAFile: writeCA(t, srv)}, true},
		{"verified by name", proto.TLSOptions{CAFile: writeCA(t, srv), ServerName: "sandbox.smtprepl.test"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, addr, proto.Options{TLS: tt.opts})
			cmd(t, c, "EHLO me.example")
			expect(t, c, "STARTTLS", 220, "2.0.0")
			info, err := c.StartTLS(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if info.Verified() != tt.verified {
				t.Errorf("verified = %v (%v), want %v", info.Verified(), info.VerifyErr, tt.verified)
			}
			expect(t, c, "MAIL FROM:<bob@example.test>", 503, "5.5.1") // TLS forgot the EHLO
			caps := proto.ParseEHLO(expect(t, c, "EHLO me.example", 250, ""))
			if caps.StartTLS() || !caps.Has("AUTH") {
				t.Errorf("EHLO after TLS offers %v, want AUTH and no STARTTLS", caps.Keywords())
			}
			expect(t, c, "AUTH PLAIN "+proto.PlainResponse("", "student", "secret"), 235, "2.7.0")
			expect(t, c, "STARTTLS", 554, "5.5.1")
			expect(t, c, "MAIL FROM:<student@example.test>", 250, "2.1.0")
			expect(t, c, "RCPT TO:<friend@elsewhere.example>", 250, "2.1.5") // authenticated: relaying allowed
			expect(t, c, "raw:BDAT 4 LAST\r\nhi\r\n", 250, "2.0.0")
			msg := srv.Mailbox().List()[srv.Mailbox().Len()-1]
			if !msg.TLS || msg.AuthUser != "student" {
				t.Errorf("message TLS=%v AuthUser=%q, want true and student", msg.TLS, msg.AuthUser)
			}
		})
	}
}

func TestStartTLSDropsPipelinedPlaintext(t *testing.T) {
	_, addr := testServer(t, nil)
	c := dial(t, addr, proto.Options{TLS: proto.TLSOptions{Insecure: true}})
	cmd(t, c, "EHLO me.example")
	// NOOP rides in the same packet as STARTTLS: if the server executed it,
	// its 250 would arrive before the handshake and StartTLS would refuse it.
	expect(t, c, "raw:STARTTLS\r\nNOOP\r\n", 220, "2.0.0")
	if _, err := c.StartTLS(context.Background()); err != nil {
		t.Fatal(err)
	}
	expect(t, c, "EHLO me.example", 250, "")
	expect(t, c, "QUIT", 221, "2.0.0")
}

// authDialogue is an AUTH exchange after EHLO: the lines sent, and the
// raw reply lines wanted, one reply per line sent.
type authDialogue struct {
	name  string
	lines []string
	want  []string
}

func authDialogues(t *testing.T, addr string, tests []authDialogue) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, addr, proto.Options{})
			cmd(t, c, "EHLO me.example")
			var got []string
			for _, line := range tt.lines {
				got = append(got, cmd(t, c, line).Raw...)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("replies (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAuthMechanisms(t *testing.T) {
	_, addr := testServer(t, fixedClock)
	challenge := fmt.Sprintf("<1.%d@sandbox.smtprepl.test>", fixedTime.Unix())
	cram, _ := proto.CRAMMD5Response("student", "secret", proto.B64(challenge))
	wrongCram, _ := proto.CRAMMD5Response("student", "wrong", proto.B64("<2.x>"))
	tests := []authDialogue{
		{"PLAIN in two steps", []string{"AUTH PLAIN", proto.PlainResponse("", "student", "secret")},
			[]string{"334 ", "235 2.7.0 Authentication successful"}},
		{"LOGIN", []string{"AUTH LOGIN", proto.B64("student"), proto.B64("secret")},
			[]string{"334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6", "235 2.7.0 Authentication successful"}},
		{"LOGIN wrong password", []string{"AUTH LOGIN", proto.B64("student"), proto.B64("nope")},
			[]string{"334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6", "535 5.7.8 Error: authentication failed: authentication failure"}},
		{"LOGIN cancelled", []string{"AUTH LOGIN", "*"}, []string{"334 VXNlcm5hbWU6", "501 5.7.0 Authentication aborted"}},
		{"CRAM-MD5", []string{"AUTH CRAM-MD5", cram}, []string{"334 " + proto.B64(challenge), "235 2.7.0 Authentication successful"}},
		{"CRAM-MD5 wrong digest", []string{"AUTH CRAM-MD5", wrongCram},
			[]string{"334 " + proto.B64(strings.Replace(challenge, "<1.", "<2.", 1)), "535 5.7.8 Error: authentication failed: authentication failure"}},
		{"undecodable", []string{"AUTH PLAIN !!!"}, []string{"501 5.5.2 Cannot decode response"}},
		{"unknown mechanism", []string{"AUTH GSSAPI abc"}, []string{"535 5.7.8 Error: authentication failed: no mechanism available"}},
	}
	authDialogues(t, addr, tests)
}

func TestRequireTLS(t *testing.T) {
	_, addr := testServer(t, func(c *Config) { c.RequireTLS = true })
	c := dial(t, addr, proto.Options{TLS: proto.TLSOptions{Insecure: true}})
	caps := proto.ParseEHLO(expect(t, c, "EHLO me.example", 250, ""))
	if caps.Has("AUTH") || !caps.StartTLS() {
		t.Errorf("EHLO before TLS offers %v, want STARTTLS and no AUTH", caps.Keywords())
	}
	for _, line := range []string{"MAIL FROM:<bob@example.test>", "AUTH LOGIN", "VRFY alice", "EXPN staff", "DATA", "BDAT 0 LAST"} {
		expect(t, c, line, 530, "5.7.0")
	}
	expect(t, c, "NOOP", 250, "2.0.0")
	expect(t, c, "STARTTLS", 220, "2.0.0")
	if _, err := c.StartTLS(context.Background()); err != nil {
		t.Fatal(err)
	}
	caps = proto.ParseEHLO(expect(t, c, "EHLO me.example", 250, ""))
	if !caps.Has("AUTH") || caps.StartTLS() {
		t.Errorf("EHLO after TLS offers %v, want AUTH and no STARTTLS", caps.Keywords())
	}
	expect(t, c, "MAIL FROM:<bob@example.test>", 250, "2.1.0")
}

func TestEHLOLines(t *testing.T) {
	_, addr := testServer(t, nil)
	c := dial(t, addr, proto.Options{TLS: proto.TLSOptions{Insecure: true}})
	want := []string{"250-sandbox.smtprepl.test", "250-PIPELINING", "250-SIZE 10485760", "250-VRFY", "250-STARTTLS",
		"250-AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256 XOAUTH2 OAUTHBEARER", "250-ENHANCEDSTATUSCODES", "250-8BITMIME", "250-DSN", "250-SMTPUTF8", "250 CHUNKING"}
	if diff := cmp.Diff(want, cmd(t, c, "EHLO me.example").Raw); diff != "" {
		t.Errorf("EHLO (-want +got):\n%s", diff)
	}
	cmd(t, c, "STARTTLS")
	if _, err := c.StartTLS(context.Background()); err != nil {
		t.Fatal(err)
	}
	want = append(want[:4], want[5:]...)
	if diff := cmp.Diff(want, cmd(t, c, "EHLO me.example").Raw); diff != "" {
		t.Errorf("EHLO after STARTTLS (-want +got):\n%s", diff)
	}
}

func TestSizeLimit(t *testing.T) {
	srv, addr := testServer(t, func(c *Config) { c.MaxSize = 1000 })
	c := dial(t, addr, proto.Options{})
	cmd(t, c, "EHLO me.example")
	r := expect(t, c, "MAIL FROM:<bob@example.test> SIZE=1001", 552, "5.3.4")
	if got := r.Raw[0]; got != "552 5.3.4 Message size exceeds fixed limit" {
		t.Errorf("declared too big: %q", got)
	}
	expect(t, c, "MAIL FROM:<bob@example.test> SIZE=1000", 250, "2.1.0")
	expect(t, c, "RCPT TO:<alice@example.test>", 250, "2.1.5")
	expect(t, c, "DATA", 354, "")
	r = expect(t, c, "raw:"+strings.Repeat("0123456789\r\n", 100)+".\r\n", 552, "5.3.4")
	if got := r.Raw[0]; got != "552 5.3.4 Error: message file too big" {
		t.Errorf("body too big: %q", got)
	}
	expect(t, c, "NOOP", 250, "2.0.0")
	expect(t, c, "RCPT TO:<alice@example.test>", 503, "5.5.1") // the transaction is over
	if n := srv.Mailbox().Len(); n != 0 {
		t.Errorf("mailbox holds %d messages, want 0", n)
	}
}

func TestBDAT(t *testing.T) {
	srv, addr := testServer(t, fixedClock)
	c := dial(t, addr, proto.Options{})
	cmd(t, c, "EHLO me.example")
	cmd(t, c, "MAIL FROM:<bob@example.test> BODY=8BITMIME")
	cmd(t, c, "RCPT TO:<staff@example.test> NOTIFY=NEVER")
	var got []string
	for _, chunk := range []string{"BDAT 12\r\nSubject: x\r\n", "BDAT 2\r\n\r\n", "BDAT 8 LAST\r\nhi\nthere"} {
		got = append(got, cmd(t, c, "raw:"+chunk).Raw...)
	}
	want := []string{"250 2.0.0 Ok: 12 bytes", "250 2.0.0 Ok: 2 bytes", "250 2.0.0 Ok: 22 bytes queued as Q1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("replies (-want +got):\n%s", diff)
	}
	msg, ok := srv.Mailbox().Get("Q1")
	if !ok || string(msg.Data) != "Subject: x\r\n\r\nhi\nthere" || msg.BareLF != 1 {
		t.Errorf("stored %q (BareLF %d), want the three chunks joined", msg.Data, msg.BareLF)
	}
	wantParams := [][]proto.Param{{{Key: "NOTIFY", Value: "NEVER", HasValue: true}}}
	if diff := cmp.Diff(wantParams, msg.RcptParams); diff != "" {
		t.Errorf("RCPT params (-want +got):\n%s", diff)
	}
}

func TestPipelinedBatchOverTCP(t *testing.T) {
	srv, addr := testServer(t, nil)
	c := dial(t, addr, proto.Options{})
	batch := []string{"EHLO me.example", "MAIL FROM:<bob@example.test>", "RCPT TO:<alice@example.test>",
		"RCPT TO:<nobody@example.test>", "RCPT TO:<carol@example.test>", "DATA"}
	for _, line := range batch {
		if err := c.Queue(line); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	var got []result
	for range batch {
		r, err := c.ReadReply(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, resultOf(r))
	}
	want := []result{{250, ""}, {250, "2.1.0"}, {250, "2.1.5"}, {550, "5.1.1"}, {250, "2.1.5"}, {354, ""}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("replies (-want +got):\n%s", diff)
	}
	expect(t, c, "raw:Subject: p\r\n\r\nbody\r\n.\r\n", 250, "2.0.0")
	if msg := srv.Mailbox().List()[0]; !cmp.Equal(msg.To, []string{"alice@example.test", "carol@example.test"}) {
		t.Errorf("recipients %v", msg.To)
	}
}

func TestErrorLimitHangsUp(t *testing.T) {
	_, addr := testServer(t, func(c *Config) { c.MaxErrors = 3 })
	c := dial(t, addr, proto.Options{})
	expect(t, c, "FOO", 500, "5.5.2")
	expect(t, c, "RCPT TO:<alice@example.test>", 503, "5.5.1")
	expect(t, c, "NOOP", 250, "2.0.0")
	r := expect(t, c, "BAR", 500, "5.5.2")
	next, err := c.ReadReply(context.Background())
	if err != nil || next.Raw[0] != "421 4.7.0 sandbox.smtprepl.test Error: too many errors" {
		t.Fatalf("after %s: %v, %v", r, next, err)
	}
	if _, err := c.ReadReply(context.Background()); !errors.Is(err, proto.ErrClosed) {
		t.Errorf("after 421: %v, want the connection closed", err)
	}
}

func TestIdleTimeout(t *testing.T) {
	_, addr := testServer(t, func(c *Config) { c.IdleTimeout = 100 * time.Millisecond })
	c := dial(t, addr, proto.Options{})
	r, err := c.ReadReply(context.Background())
	if err != nil || r.Raw[0] != "421 4.4.2 sandbox.smtprepl.test Error: timeout exceeded" {
		t.Fatalf("idle: %v, %v", r, err)
	}
	if _, err := c.ReadReply(context.Background()); !errors.Is(err, proto.ErrClosed) {
		t.Errorf("after 421: %v, want the connection closed", err)
	}
}

func TestLineTooLong(t *testing.T) {
	_, addr := testServer(t, func(c *Config) { c.MaxLineBytes = 1000 })
	c := dial(t, addr, proto.Options{})
	expect(t, c, "NOOP "+strings.Repeat("x", 995), 250, "2.0.0")
	r := expect(t, c, "NOOP "+strings.Repeat("x", 996), 500, "5.5.2")
	if r.Raw[0] != "500 5.5.2 Error: line too long" {
		t.Errorf("got %q", r.Raw[0])
	}
	expect(t, c, "raw:NOOP "+strings.Repeat("y", 1<<20)+"\r\nNOOP\r\n", 500, "5.5.2")
	expect(t, c, "", 250, "2.0.0") // the NOOP after the long line, still in step
}

// TestMailboxCapacity: a full mailbox drops its oldest messages to make
// room (it used to refuse all mail until restarted); only a message larger
// than the whole mailbox is refused, with 452 4.3.1 as Postfix answers when
// its queue is short: at MAIL when SIZE says so, else after the dot.
func TestMailboxCapacity(t *testing.T) {
	// Room for 40 bytes of data beside two envelopes and HELO names, which
	// count too: bob@example.test, alice@example.test and me.example.
	const perMessage = 16 + 18 + 10
	srv, addr := testServer(t, func(c *Config) { c.MailboxMessages, c.MailboxBytes = 2, 40+2*perMessage })
	c := dial(t, addr, proto.Options{})
	cmd(t, c, "EHLO me.example")
	send := func(body string) *proto.Reply {
		cmd(t, c, "MAIL FROM:<bob@example.test>")
		cmd(t, c, "RCPT TO:<alice@example.test>")
		cmd(t, c, "DATA")
		return cmd(t, c, "raw:"+body+".\r\n")
	}
	stored := func() (ids []string) {
		for _, m := range srv.Mailbox().List() {
			ids = append(ids, string(m.Data[0]))
		}
		return ids
	}
	steps := []struct {
		body  string // "" for MAIL with SIZE=129, over the whole mailbox
		reply string
		want  []string // first bytes of the stored messages, oldest first
	}{
		{strings.Repeat("a\r\n", 10), "250 2.0.0 Ok: queued as", []string{"a"}},
		{strings.Repeat("b\r\n", 10), "250 2.0.0 Ok: queued as", []string{"b"}},                         // bytes: a dropped
		{"c\r\n", "250 2.0.0 Ok: queued as", []string{"b", "c"}},                                        // fits beside b
		{"d\r\n", "250 2.0.0 Ok: queued as", []string{"c", "d"}},                                        // messages: b dropped
		{"", "452 4.3.1 Insufficient system storage", []string{"c", "d"}},                               // SIZE over the mailbox
		{strings.Repeat("e", 83) + "\r\n", "452 4.3.1 Insufficient system storage", []string{"c", "d"}}, // 85+44 bytes
		{"f\r\n", "250 2.0.0 Ok: queued as", []string{"d", "f"}},                                        // still in step
	}
	for i, st := range steps {
		var r *proto.Reply
		if st.body == "" {
			r = cmd(t, c, "MAIL FROM:<bob@example.test> SIZE=129")
		} else {
			r = send(st.body)
		}
		if !strings.HasPrefix(r.Raw[0], st.reply) || !cmp.Equal(stored(), st.want) {
			t.Errorf("step %d: %s, mailbox %q; want %q and %q", i, r, stored(), st.reply, st.want)
		}
	}
	if n := srv.Mailbox().Dropped(); n != 3 {
		t.Errorf("%d messages dropped, want 3", n)
	}
}

// TestReplyTexts pins the texts the fidelity table does not compare.
func TestReplyTexts(t *testing.T) {
	_, addr := testServer(t, nil)
	tests := []struct {
		line string
		want []string
	}{
		{"HELP", []string{"214-2.0.0 Commands: AUTH BDAT DATA EHLO EXPN HELO HELP MAIL NOOP QUIT RCPT RSET STARTTLS VRFY", "214 2.0.0 Type HELP and a command for its syntax"}},
		{"HELP rset", []string{"214 2.0.0 Syntax: RSET (abandon the mail transaction)"}},
		{"HELP FOO", []string{"504 5.5.4 HELP topic unknown: FOO"}},
		{"EXPN staff", []string{"250-2.0.0 <alice@example.test>", "250-2.0.0 <bob@example.test>", "250 2.0.0 <carol@example.test>"}},
		{"EXPN <bob@example.test>", []string{"250 2.0.0 <bob@example.test>"}},
		{"VRFY alice@example.test", []string{"252 2.0.0 alice@example.test"}},
		{"VRFY nobody", []string{"550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown in virtual mailbox table"}},
		{"VRFY Alice", []string{"252 2.0.0 Alice"}},
		{"VRFY nosuchuser@example.test", []string{"550 5.1.1 <nosuchuser@example.test>: Recipient address rejected: User unknown in virtual mailbox table"}},
		{"VRFY someone@elsewhere.invalid", []string{"554 5.7.1 <someone@elsewhere.invalid>: Relay access denied"}},
		{"VRFY", []string{"501 5.5.4 Syntax: VRFY address [SMTPUTF8]"}},
		{"FOOBAR baz", []string{"500 5.5.2 Error: command not recognized"}},
		{"", []string{"500 5.5.2 Error: bad syntax"}},
		{"RCPT TO:<alice@example.test>", []string{"503 5.5.1 Error: need MAIL command"}},
		{"DATA", []string{"503 5.5.1 Error: need RCPT command"}},
		{"MAIL FROM bob", []string{"501 5.5.4 Syntax: MAIL FROM:<address>"}},
		{"MAIL FROM:<a b>", []string{"501 5.1.7 Bad sender address syntax"}},
		{"MAIL FROM:<bob@example.test> XFOO=bar", []string{"555 5.5.4 Unsupported option: XFOO=bar"}},
		{"MAIL FROM:<ü@example.test>", []string{"553 5.6.7 Must declare SMTPUTF8 to send unicode address"}},
		{"STARTTLS now", []string{"501 5.5.4 Syntax: STARTTLS"}},
		{"EHLO", []string{"501 Syntax: EHLO hostname"}},
		{"QUIT", []string{"221 2.0.0 Bye"}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			c := dial(t, addr, proto.Options{})
			cmd(t, c, "EHLO me.example")
			if diff := cmp.Diff(tt.want, cmd(t, c, tt.line).Raw); diff != "" {
				t.Errorf("reply (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGreetingAndSequenceTexts(t *testing.T) {
	_, addr := testServer(t, nil)
	c, err := proto.Dial(context.Background(), addr, proto.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var got []string
	r, _ := c.ReadReply(context.Background())
	got = append(got, r.Raw...)
	for _, line := range []string{"MAIL FROM:<bob@example.test>", "HELO me.example", "MAIL FROM:<bob@example.test>", "MAIL FROM:<bob@example.test>", "DATA", "AUTH PLAIN " + proto.PlainResponse("", "student", "secret")} {
		got = append(got, cmd(t, c, line).Raw...)
	}
	want := []string{"220 sandbox.smtprepl.test ESMTP smtprepl sandbox", "503 5.5.1 Error: send HELO/EHLO first", "250 sandbox.smtprepl.test",
		"250 2.1.0 Ok", "503 5.5.1 Error: nested MAIL command", "554 5.5.1 Error: no valid recipients", "503 5.5.1 Error: MAIL transaction in progress"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("replies (-want +got):\n%s", diff)
	}
}

func TestPanicInSessionIsContained(t *testing.T) {
	var logged []string
	srv, addr := testServer(t, func(c *Config) {
		c.QueueID = func(int) string { panic("queue id exploded") }
		c.Logf = func(f string, a ...any) { logged = append(logged, fmt.Sprintf(f, a...)) }
	})
	c := dial(t, addr, proto.Options{})
	for _, line := range []string{"EHLO me.example", "MAIL FROM:<bob@example.test>", "RCPT TO:<alice@example.test>", "DATA"} {
		cmd(t, c, line)
	}
	c.QueueRaw([]byte("x\r\n.\r\n"))
	c.Flush()
	if _, err := c.ReadReply(context.Background()); err == nil {
		t.Error("the session went on after its panic")
	}
	dial(t, addr, proto.Options{}) // the server still serves
	srv.Close()
	if len(logged) != 1 || !strings.Contains(logged[0], "queue id exploded") {
		t.Errorf("logged %q, want the panic", logged)
	}
}

// TestSubmissionBesidePlain runs a plain listener and a submission listener
// on one server: the plain one takes MAIL at once, the submission one says
// 530 until STARTTLS, and both deliver to the one mailbox.
func TestSubmissionBesidePlain(t *testing.T) {
	srv, plain := testServer(t, nil)
	sub, err := srv.ListenSubmission("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := dial(t, plain, proto.Options{})
	caps := proto.ParseEHLO(expect(t, p, "EHLO me.example", 250, ""))
	if !caps.Has("AUTH") {
		t.Errorf("plain listener's EHLO offers %v, want AUTH before TLS", caps.Keywords())
	}
	expect(t, p, "MAIL FROM:<bob@example.test>", 250, "2.1.0")

	c := dial(t, sub.String(), proto.Options{TLS: proto.TLSOptions{Insecure: true}})
	caps = proto.ParseEHLO(expect(t, c, "EHLO me.example", 250, ""))
	if caps.Has("AUTH") || !caps.StartTLS() {
		t.Errorf("submission EHLO before TLS offers %v, want STARTTLS and no AUTH", caps.Keywords())
	}
	for _, line := range []string{"AUTH PLAIN AHN0dWRlbnQAc2VjcmV0", "MAIL FROM:<bob@example.test>"} {
		if got := expect(t, c, line, 530, "5.7.0").Raw[0]; got != "530 5.7.0 Must issue a STARTTLS command first" {
			t.Errorf("%s: %q", line, got)
		}
	}
	expect(t, c, "STARTTLS", 220, "2.0.0")
	if _, err := c.StartTLS(context.Background()); err != nil {
		t.Fatal(err)
	}
	expect(t, c, "EHLO me.example", 250, "")
	expect(t, c, "AUTH PLAIN AHN0dWRlbnQAc2VjcmV0", 235, "2.7.0")
	expect(t, c, "MAIL FROM:<bob@example.test>", 250, "2.1.0")
	expect(t, c, "RCPT TO:<alice@example.test>", 250, "2.1.5")
	expect(t, c, "DATA", 354, "")
	expect(t, c, "raw:Subject: hi\r\n\r\nhello\r\n.\r\n", 250, "2.0.0")
	if got := srv.Mailbox().List(); len(got) != 1 || !got[0].TLS || got[0].AuthUser != "student" {
		t.Errorf("mailbox holds %+v, want one message sent with TLS by student", got)
	}
}

// TestGreylist: the first RCPT of each (IP, sender, recipient) gets 451
// 4.7.1, the retry 250; another sender or recipient is a new triple.
func TestGreylist(t *testing.T) {
	_, addr := testServer(t, func(c *Config) { c.Greylist = true })
	c := dial(t, addr, proto.Options{})
	cmd(t, c, "EHLO me.example")
	steps := []struct {
		line string
		code int
		enh  string
	}{
		{"MAIL FROM:<bob@example.test>", 250, "2.1.0"},
		{"RCPT TO:<alice@example.test>", 451, "4.7.1"},
		{"RCPT TO:<alice@example.test>", 250, "2.1.5"},
		{"RCPT TO:<carol@example.test>", 451, "4.7.1"},
		{"RSET", 250, "2.0.0"},
		{"MAIL FROM:<carol@example.test>", 250, "2.1.0"},
		{"RCPT TO:<alice@example.test>", 451, "4.7.1"},
		{"RSET", 250, "2.0.0"},
		{"MAIL FROM:<bob@example.test>", 250, "2.1.0"},
		{"RCPT TO:<alice@example.test>", 250, "2.1.5"},
		{"RCPT TO:<carol@example.test>", 250, "2.1.5"},
		{"RCPT TO:<nobody@example.test>", 550, "5.1.1"},
	}
	for _, s := range steps {
		r := expect(t, c, s.line, s.code, s.enh)
		if s.code == 451 && !strings.HasSuffix(r.Raw[0], ">: Recipient address rejected: Greylisted, try again later") {
			t.Errorf("%s: %q", s.line, r.Raw[0])
		}
	}
}

func TestGreylistForgetsOldest(t *testing.T) {
	g := newGreylist()
	if !g.first("192.0.2.1", "a@x", "b@y") || g.first("192.0.2.1", "a@x", "b@y") {
		t.Fatal("a triple is new once")
	}
	for i := range greylistSize {
		g.first("192.0.2.1", fmt.Sprint(i), "b@y")
	}
	if len(g.seen) != greylistSize || len(g.order) != greylistSize {
		t.Errorf("greylist holds %d (%d in order), want at most %d", len(g.seen), len(g.order), greylistSize)
	}
	if !g.first("192.0.2.1", "a@x", "b@y") {
		t.Error("the oldest triple was not forgotten")
	}
}

// TestVrfyAgreesWithRcpt: VRFY answers 252 exactly where RCPT TO would be
// accepted, and RCPT's own refusal elsewhere, as Postfix does
// (testdata/real-replies-stateful.md), so that the 252 hint's "would
// still be accepted" and the mistakes lesson hold for every address.
func TestVrfyAgreesWithRcpt(t *testing.T) {
	_, addr := testServer(t, nil)
	c := dial(t, addr, proto.Options{})
	expect(t, c, "EHLO vrfy.example", 250, "")
	expect(t, c, "MAIL FROM:<bob@example.test>", 250, "2.1.0")
	for _, a := range []string{"bob@example.test", "Bob@Example.Test", "nobody@example.test", "bob", "nobody", "staff@example.test", "someone@elsewhere.invalid"} {
		v, r := resultOf(cmd(t, c, "VRFY "+a)), resultOf(cmd(t, c, "RCPT TO:<"+a+">"))
		want := r
		if r.Code == 250 {
			want = result{252, "2.0.0"}
		}
		if v != want {
			t.Errorf("VRFY %s: %s, but RCPT TO: %s; want %s", a, v, r, want)
		}
	}
}

// TestTellIsReplyFormat: the sandbox builds its reply lines itself; they
// must be proto.Reply's, byte for byte.
func TestTellIsReplyFormat(t *testing.T) {
	tests := []struct {
		code  int
		enh   proto.EnhancedCode
		lines []string
	}{
		{220, proto.EnhancedCode{}, []string{"sandbox.smtprepl.test ESMTP"}},
		{250, ec(2, 1, 0), []string{"Ok"}},
		{250, ec(2, 0, 0), []string{"<a@example.test>", "<b@example.test>", ""}},
		{214, ec(2, 0, 0), []string{""}},
		{354, proto.EnhancedCode{}, nil},
		{550, ec(5, 123, 999), []string{"x"}},
		{250, proto.EnhancedCode{}, []string{"a", "", "b"}},
	}
	for _, tt := range tests {
		var got strings.Builder
		s := &session{cfg: &Config{}, bw: bufio.NewWriter(&got)}
		s.tell(tt.code, tt.enh, tt.lines...)
		s.bw.Flush()
		want := strings.Join(proto.NewReply(tt.code, tt.enh, tt.lines...).Raw, "\r\n") + "\r\n"
		if got.String() != want {
			t.Errorf("tell(%d, %v, %q) wrote %q, want %q", tt.code, tt.enh, tt.lines, got.String(), want)
		}
	}
}
