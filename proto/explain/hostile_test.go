package explain

import (
	"strings"
	"testing"

	"github.com/smtprepl/smtprepl/proto/visible"
)

// TestExplainQuotesQueriesEscaped: the long form quotes the query, and a
// pasted line can hold a server's escapes; each line of the answer is
// shown escaped, and a huge paste gives a bounded answer.
func TestExplainQuotesQueriesEscaped(t *testing.T) {
	evil := "\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\u009b\u202e"
	tests := []struct{ query, want string }{
		{"550 5.1.1 " + evil, `reply: 550 5.1.1 \x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\u009b\u202e`},
		{"250-AUTH PLAIN " + evil, `\x1b]52;c;cm0gLXJmIH4=\x07`},
		{"250 SIZE " + evil, `\x1b[2J`},
		{"550 " + strings.Repeat(evil, 10000), "reply: 550"},
	}
	for _, tt := range tests {
		long, err := Explain(tt.query)
		if err != nil {
			t.Errorf("Explain(%.30q): %v", tt.query, err)
			continue
		}
		for _, line := range strings.Split(long, "\n") {
			if visible.Text(line) != line {
				t.Errorf("Explain(%.30q) has the line %q, which holds controls", tt.query, line)
			}
		}
		if !strings.Contains(long, tt.want) {
			t.Errorf("Explain(%.30q) lacks %q:\n%s", tt.query, tt.want, long)
		}
		if len(long) > 8<<10 {
			t.Errorf("Explain(%.30q) is %d bytes, want it bounded", tt.query, len(long))
		}
	}
}
