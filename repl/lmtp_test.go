package repl

import (
	"fmt"
	"testing"
)

// The sentence naming undelivered recipients names ten and counts the
// rest: a script's failures must not grow it without bound.
func TestUndeliveredSentence(t *testing.T) {
	cases := []struct {
		n    int
		want string
	}{
		{0, ""},
		{1, "LMTP: the message was not delivered to <r0@example.test> (552 5.2.2)"},
		{12, "LMTP: the message was not delivered to <r0@example.test> (552 5.2.2), <r1@example.test> (552 5.2.2), " +
			"<r2@example.test> (552 5.2.2), <r3@example.test> (552 5.2.2), <r4@example.test> (552 5.2.2), <r5@example.test> (552 5.2.2), " +
			"<r6@example.test> (552 5.2.2), <r7@example.test> (552 5.2.2), <r8@example.test> (552 5.2.2), <r9@example.test> (552 5.2.2) and 2 more"},
	}
	for _, tc := range cases {
		var s Session
		for i := range tc.n {
			s.undelivered.add(fmt.Sprintf("<r%d@example.test> (552 5.2.2)", i))
		}
		if got := s.UndeliveredSentence(); got != tc.want {
			t.Errorf("%d undelivered: %q, want %q", tc.n, got, tc.want)
		}
	}
}
