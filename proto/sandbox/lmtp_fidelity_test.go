package sandbox

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/proto"
)

// The LMTP fidelity table holds probes with what Dovecot 2.3's LMTP server
// (Debian 12's dovecot-lmtpd) answered, code and enhanced code, as
// captured in testdata/real-replies-lmtp.md; interop_test.go runs the
// same table against the CI's Dovecot to keep the column honest. The
// sandbox in LMTP mode is the SMTP sandbox with what LMTP changes (RFC
// 2033): LHLO for EHLO, and a reply per recipient after the message. So
// where Dovecot's answer is its own and not LMTP's, the sandbox keeps
// Postfix's, and the row says so. A step with no line reads the next
// reply to the same end of message.

const lhlo = "LHLO probe.example.test"

var lmtpRcpts = []string{lhlo, "MAIL FROM:<bob@example.test>", "RCPT TO:<alice@example.test>", "RCPT TO:<carol@example.test>"}

const postfixNotDovecot = "outside what LMTP changes the sandbox answers as Postfix, whose codes the lessons teach"

func lmtpProbes() []probe {
	return []probe{
		{name: "greeting+QUIT", steps: []step{{"QUIT", r(221, "2.0.0")}}},
		{name: "EHLO and HELO", steps: []step{{ehlo, r(500, "5.5.1")}, {"HELO probe.example.test", r(500, "5.5.1")}}},
		{name: "LHLO", steps: []step{{lhlo, r(250, "")}}},
		{name: "MAIL before LHLO", steps: []step{{"MAIL FROM:<bob@example.test>", r(250, "2.1.0")}},
			sandbox: []result{r(503, "5.5.1")}, why: "RFC 2033 §4.1 and RFC 5321 §4.1.4: the hello comes before a transaction; Dovecot does not insist"},
		{name: "RCPT before MAIL", setup: []string{lhlo}, steps: []step{{"RCPT TO:<alice@example.test>", r(503, "5.5.0")}},
			sandbox: []result{r(503, "5.5.1")}, why: postfixNotDovecot},
		{name: "nested MAIL", setup: []string{lhlo, "MAIL FROM:<bob@example.test>"}, steps: []step{{"MAIL FROM:<bob@example.test>", r(503, "5.5.0")}},
			sandbox: []result{r(503, "5.5.1")}, why: postfixNotDovecot},
		{name: "DATA before RCPT", setup: []string{lhlo, "MAIL FROM:<bob@example.test>"}, steps: []step{{"DATA", r(503, "5.5.0")}},
			sandbox: []result{r(554, "5.5.1")}, why: postfixNotDovecot},
		{name: "unknown command", setup: []string{lhlo}, steps: []step{{"FOOBAR baz", r(500, "5.5.1")}},
			sandbox: []result{r(500, "5.5.2")}, why: postfixNotDovecot},
		{name: "RCPT null path", setup: []string{lhlo, "MAIL FROM:<bob@example.test>"}, steps: []step{{"RCPT TO:<>", r(501, "5.5.4")}},
			sandbox: []result{r(501, "5.1.3")}, why: postfixNotDovecot},
		{name: "NOOP, RSET", setup: []string{lhlo, "MAIL FROM:<bob@example.test>"}, steps: []step{{"NOOP", r(250, "2.0.0")}, {"RSET", r(250, "2.0.0")}}},
		{name: "DATA: a reply per recipient, then NOOP", setup: lmtpRcpts,
			steps: []step{{"DATA", r(354, "")}, {"raw:Subject: probe\r\n\r\nhello\r\n.\r\n", r(250, "2.0.0")}, {"", r(250, "2.0.0")}, {"NOOP", r(250, "2.0.0")}, {"QUIT", r(221, "2.0.0")}}},
		{name: "BDAT LAST: a reply per recipient, then NOOP", setup: lmtpRcpts,
			steps: []step{{"raw:BDAT 21 LAST\r\nSubject: x\r\n\r\nhello\r\n", r(250, "2.0.0")}, {"", r(250, "2.0.0")}, {"NOOP", r(250, "2.0.0")}}},
		{name: "pipelined: the dot and the next transaction", setup: lmtpRcpts,
			steps: []step{{"DATA", r(354, "")}, {"raw:hello\r\n.\r\nMAIL FROM:<bob@example.test>\r\nRCPT TO:<alice@example.test>\r\n", r(250, "2.0.0")},
				{"", r(250, "2.0.0")}, {"", r(250, "2.1.0")}, {"", r(250, "2.1.5")}, {"RSET", r(250, "2.0.0")}}},
	}
}

// runLMTPProbe plays one probe; a step without a line reads one more
// reply.
func runLMTPProbe(t *testing.T, addr string, p probe) []result {
	t.Helper()
	c := dial(t, addr, proto.Options{})
	for _, line := range p.setup {
		cmd(t, c, line)
	}
	var got []result
	for _, s := range p.steps {
		if s.send != "" {
			got = append(got, resultOf(cmd(t, c, s.send)))
			continue
		}
		rep, err := c.ReadReply(context.Background())
		if err != nil {
			t.Fatalf("reading the next reply: %v", err)
		}
		got = append(got, resultOf(rep))
	}
	c.Send("QUIT")
	return got
}

func TestFidelityLMTP(t *testing.T) {
	_, addr := testServer(t, func(c *Config) { *c = LMTPConfig() })
	for _, p := range lmtpProbes() {
		t.Run(p.name, func(t *testing.T) {
			if (p.sandbox == nil) != (p.why == "") {
				t.Fatal("a deliberate difference needs both the sandbox's answers and the reason")
			}
			want := p.postfix()
			if p.sandbox != nil {
				want = p.sandbox
				t.Logf("deliberate difference, %s: Dovecot %v, sandbox %v: %s", p.name, p.postfix(), p.sandbox, p.why)
			}
			if diff := cmp.Diff(want, runLMTPProbe(t, addr, p)); diff != "" {
				t.Errorf("replies differ (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLMTPOverQuota: the mailbox over quota fails on its own reply, in
// RCPT order among the others, and only the others' mailboxes get the
// message.
func TestLMTPOverQuota(t *testing.T) {
	srv, addr := testServer(t, func(c *Config) { *c = LMTPConfig() })
	c := dial(t, addr, proto.Options{})
	for _, line := range []string{lhlo, "MAIL FROM:<bob@example.test>", "RCPT TO:<alice@example.test>", "RCPT TO:<FULL@example.test>", "RCPT TO:<carol@example.test>", "DATA"} {
		cmd(t, c, line)
	}
	var got []string
	first := cmd(t, c, "raw:Subject: q\r\n\r\nhi\r\n.\r\n")
	got = append(got, first.Raw...)
	for range 2 {
		rep, err := c.ReadReply(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, rep.Raw...)
	}
	want := []string{
		"250 2.0.0 <alice@example.test> 9E3779B97F5 Saved",
		"552 5.2.2 <FULL@example.test> Quota exceeded (mailbox for user is full)",
		"250 2.0.0 <carol@example.test> 9E3779B97F5 Saved",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("delivery replies (-want +got):\n%s", diff)
	}
	msgs := srv.Mailbox().List()
	if len(msgs) != 1 || !cmp.Equal(msgs[0].To, []string{"alice@example.test", "carol@example.test"}) {
		t.Errorf("stored %d message(s), to %v; want one, to alice and carol", len(msgs), msgs)
	}
	if len(msgs) == 1 && msgs[0].Protocol != "LMTP" {
		t.Errorf("Received: with %q, want LMTP (RFC 3848)", msgs[0].Protocol)
	}
}

// TestLMTPHelloEvent: the live log names LMTP's hello as LHLO.
func TestLMTPHelloEvent(t *testing.T) {
	hellos := make(chan string, 4)
	_, addr := testServer(t, func(c *Config) {
		*c = LMTPConfig()
		c.Events = func(ev Event) {
			if ev.Kind == EventHelo {
				hellos <- ev.Text
			}
		}
	})
	c := dial(t, addr, proto.Options{})
	cmd(t, c, lhlo)
	if got := <-hellos; got != lhlo {
		t.Errorf("hello event %q, want %q", got, lhlo)
	}
}
