package lessons

import (
	"strings"
	"testing"

	"github.com/smtprepl/smtprepl/proto"
)

// TestAdviceSaysItOnce: where a hint explains the reply, the code's own
// meaning is not said before it in other words ("the arguments are
// malformed: the arguments are malformed").
func TestAdviceSaysItOnce(t *testing.T) {
	for _, tc := range []struct {
		line, reply, want string
	}{
		{"MAIL FROM:<a@b.test> FOO=1", "501 5.5.4 Bad parameter", "501 permanent failure: expected syntax"},
		{"XYZZY a", "501 5.5.4 Syntax error", "501 permanent failure: the arguments are malformed"},
		{"RCPT TO:<nobody@example.test>", "550 5.1.1 <nobody@example.test>: Recipient address rejected", "550 permanent failure: "},
	} {
		r, err := proto.ParseReply([]string{tc.reply})
		if err != nil {
			t.Fatal(err)
		}
		got := advice(Line{Text: tc.line}, verdict{reply: r})
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("advice for %q = %q, want it to start %q", tc.reply, got, tc.want)
		}
		if strings.Count(got, "malformed") > 1 {
			t.Errorf("advice for %q says it twice: %q", tc.reply, got)
		}
	}
}
