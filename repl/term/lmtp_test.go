package term

import (
	"strings"
	"testing"

	"github.com/smtprepl/smtprepl/proto"
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
