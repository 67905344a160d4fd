package main

import (
	"strings"
	"testing"
)

// --lmtp without a host: the sandbox in LMTP mode. A recipient whose
// delivery fails after the message makes the exit 1 and is named on
// stderr; the replies after it stay in step.
func TestLMTPExitCodes(t *testing.T) {
	const head = "LHLO me\nMAIL FROM:<bob@example.test>\n"
	const tail = "DATA\nSubject: hi\n\nhello\n.\nNOOP\nQUIT\n"
	// NOOP's reply after every delivery reply, in lock-step or pipelined.
	const end = "# LMTP reply 2 of 2, for <alice@example.test>: delivered\nS: 250 2.0.0 Ok\nC: QUIT\nS: 221 2.0.0 Bye\n=== connection closed\n"
	cases := []struct {
		name, rcpts string
		args        []string
		exit        int
		stderr      string
	}{
		{"all delivered", "RCPT TO:<carol@example.test>\nRCPT TO:<alice@example.test>\n", nil, exitOK, ""},
		{"one over quota", "RCPT TO:<full@example.test>\nRCPT TO:<alice@example.test>\n", nil, exitReplies,
			"smtprepl: LMTP: the message was not delivered to <full@example.test> (552 5.2.2)\n"},
		{"one over quota, pipelined", "RCPT TO:<full@example.test>\nRCPT TO:<alice@example.test>\n", []string{"--pipeline"}, exitReplies,
			"smtprepl: LMTP: the message was not delivered to <full@example.test> (552 5.2.2)\n"},
		{"a recipient refused at RCPT is no delivery", "RCPT TO:<nobody@example.test>\nRCPT TO:<carol@example.test>\nRCPT TO:<alice@example.test>\n", nil, exitReplies, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, head+tc.rcpts+tail, append([]string{"--timeout", "5s", "--lmtp"}, tc.args...)...)
			if code != tc.exit {
				t.Fatalf("exit %d, want %d\nstderr: %s\nstdout:\n%s", code, tc.exit, errOut, out)
			}
			if errOut != tc.stderr {
				t.Errorf("stderr = %q, want %q", errOut, tc.stderr)
			}
			// Lock-step, NOOP goes out after the delivery replies;
			// pipelined, with the ".": its reply comes after them either way.
			if !strings.HasSuffix(strings.Replace(out, "C: NOOP\n", "", 1), end) {
				t.Errorf("transcript does not end with\n%s\ngot:\n%s", end, out)
			}
		})
	}
}
