package term

import (
	"strings"
	"testing"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/repl"
	"github.com/smtprepl/smtprepl/repl/internal/repltest"
)

// In an LMTP session the explanations point to LHLO where SMTP's point
// to EHLO or HELO; everything else is explained as in SMTP.
func TestLMTPExplanations(t *testing.T) {
	tests := []struct {
		name, verb string
		reply      *proto.Reply
		want       string
	}{
		{"greeting", "", proto.NewReply(220, proto.EnhancedCode{}, "lmtp.example ready"),
			"success · this is an LMTP server: say LHLO with your host name (e.g. LHLO client.example.org) to see what it offers"},
		{"EHLO refused", "EHLO", proto.NewReply(500, proto.EnhancedCode{5, 5, 1}, "Unknown command"),
			"permanent failure · an LMTP server knows LHLO, not EHLO or HELO (RFC 2033 §4.1): say LHLO with your host name"},
		{"HELO refused", "HELO", proto.NewReply(502, proto.EnhancedCode{5, 5, 1}, "Unknown command"),
			"permanent failure · an LMTP server knows LHLO, not EHLO or HELO (RFC 2033 §4.1): say LHLO with your host name"},
		{"NOOP as in SMTP", "NOOP", proto.NewReply(250, proto.EnhancedCode{2, 0, 0}, "OK"), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			v := newTermView(&out, NewTheme(false), func() int { return 300 })
			v.lmtp = true
			v.Reply(tc.verb, tc.reply)
			got := strings.TrimPrefix(strings.TrimSpace(out.String()), "↳ ")
			if tc.want == "" {
				smtp := replyExplanation(tc.verb, tc.reply, false)
				if got != smtp {
					t.Errorf("explanation = %q, want SMTP's %q", got, smtp)
				}
				return
			}
			if got != tc.want {
				t.Errorf("explanation = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestShellLMTP: in the shell with --lmtp, every recipient's reply after
// the "." is shown with the recipient it belongs to, the prompt says
// LHLO, and NOOP after the message gets its own reply.
func TestShellLMTP(t *testing.T) {
	srv := repltest.StartLMTPSandbox(t)
	cfg := repl.Config{Addr: srv.Addr().String(), Sandbox: srv, LMTP: true}
	run := runShellWith(t, cfg, []readStep{{line: "LHLO a.example"}, {line: "MAIL FROM:<bob@example.test>"},
		{line: "RCPT TO:<alice@example.test>"}, {line: "RCPT TO:<full@example.test>"}, {line: "DATA"},
		{line: "Subject: hi"}, {line: ""}, {line: "hello"}, {line: "."}, {line: "NOOP"}}, nil)
	wantAll(t, run.out,
		"S: 250 2.0.0 <alice@example.test>", "LMTP reply 1 of 2, for <alice@example.test>: delivered",
		"S: 552 5.2.2 <full@example.test> Quota exceeded", "LMTP reply 2 of 2, for <full@example.test>: NOT delivered (552 5.2.2)",
		"C: NOOP\nS: 250 2.0.0 Ok")
	if p := run.reader.prompts[len(run.reader.prompts)-1]; !strings.Contains(p, "LHLO ✓") {
		t.Errorf("last prompt = %q, want LHLO ✓", p)
	}
}

// TestShellTLSCommand: :tls shows the connection's certificate report on
// demand, in the form asked for, and says when there is no TLS.
func TestShellTLSCommand(t *testing.T) {
	srv := startSandbox(t)
	run := runShell(t, srv, []readStep{{line: ":tls"}, {line: "EHLO a.example"}, {line: "STARTTLS"},
		{line: ":tls fingerprint"}, {line: ":tls pem"}, {line: ":tls bogus"}})
	wantAll(t, run.out, "this connection is not encrypted", "certificate 1 of 1 (the server's own): sha256 ",
		"-----BEGIN CERTIFICATE-----", "usage: :tls [chain|pem|fingerprint]")
}
