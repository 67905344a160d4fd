package main

import (
	"strings"
	"testing"
)

// send --lmtp without --server: the sandbox in LMTP mode. The end of the
// message gets a reply per recipient; one that fails is the dot stage's
// failure (26), named, where swaks, reading the last reply only, exits 0.
func TestSendLMTP(t *testing.T) {
	cases := []struct {
		name, to string
		args     []string
		exit     int
		stderr   string
	}{
		{"all delivered", "alice@example.test,carol@example.test", nil, 0, ""},
		{"one over quota", "alice@example.test,full@example.test", nil, 26,
			"smtprepl: dot stage: LMTP: the message was not delivered to <full@example.test> (552 5.2.2)\n"},
		{"one over quota, first, pipelined", "full@example.test,alice@example.test", []string{"--pipeline"}, 26,
			"smtprepl: dot stage: LMTP: the message was not delivered to <full@example.test> (552 5.2.2)\n"},
		{"one unknown at RCPT", "nobody@example.test,alice@example.test", nil, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"send", "--lmtp", "--to", tc.to, "--body", "hi", "--timeout", "5s"}, tc.args...)
			code, out, errOut := runCLI(t, "", args...)
			if code != tc.exit {
				t.Fatalf("exit %d, want %d\nstderr: %s\nstdout:\n%s", code, tc.exit, errOut, out)
			}
			if errOut != tc.stderr {
				t.Errorf("stderr = %q, want %q", errOut, tc.stderr)
			}
			if !strings.Contains(out, "C: LHLO ") || !strings.Contains(out, "# LMTP reply 2 of 2, for <") && !strings.Contains(out, "# LMTP reply 1 of 1, for <") {
				t.Errorf("no LHLO, or no reply per recipient:\n%s", out)
			}
			if !strings.HasSuffix(out, "C: QUIT\nS: 221 2.0.0 Bye\n=== connection closed\n") {
				t.Errorf("the session does not end with QUIT and its 221:\n%s", out)
			}
		})
	}
}
