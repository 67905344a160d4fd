package main

import (
	"strings"
	"testing"
)

// Exit codes of scripts whose lines belong to a refused command, and of
// scripts with a mistake in smtprepl's own commands, as a user sees them.
func TestScriptRefusedAndMistakenExitCodes(t *testing.T) {
	const txn = "EHLO me\nMAIL FROM:<x@example.org>\nRCPT TO:<alice@example.test>\n"
	cases := []struct {
		name, script string
		args         []string
		exit         int
		stderr       string // the one sentence; "" for none
		lastWire     string // the end of the transcript
	}{
		{"refused DATA goes on and exits 1", "EHLO me\nMAIL FROM:<x@example.org>\nRCPT TO:<nobody@example.test>\nDATA\nSubject: oops\n\nRSET\nQUIT\nhello\n.\nNOOP\nQUIT\n", nil,
			exitReplies, "", "C: NOOP\nS: 250 2.0.0 Ok\nC: QUIT\nS: 221 2.0.0 Bye\n=== connection closed\n"},
		{"refused DATA with --pipeline", "EHLO me\nMAIL FROM:<x@example.org>\nRCPT TO:<nobody@example.test>\nDATA\nQUIT\n.\nNOOP\nQUIT\n", []string{"--pipeline"},
			exitReplies, "", "C: NOOP\nS: 250 2.0.0 Ok\nC: QUIT\nS: 221 2.0.0 Bye\n=== connection closed\n"},
		{"unknown colon-command", txn + ":bogus\nNOOP\n", nil,
			exitUsage, "smtprepl: script line 4: unknown command :bogus (try :help)\n", "C: QUIT\nS: 221 2.0.0 Bye\n=== connection closed\n"},
		{":send of a missing file", txn + ":send /nonexistent/message.eml\nNOOP\n", nil,
			exitUsage, "smtprepl: script line 4: :send: open /nonexistent/message.eml: no such file or directory\n", "C: QUIT\nS: 221 2.0.0 Bye\n=== connection closed\n"},
		{"a colon-command's bad argument", "EHLO me\n:unb64 !!!\nNOOP\n", nil,
			exitUsage, "smtprepl: script line 2: not base64: illegal base64 data at input byte 0\n", "C: QUIT\nS: 221 2.0.0 Bye\n=== connection closed\n"},
		{"a connection that fails is not the script's mistake", "EHLO me\n:open 127.0.0.1:1\nNOOP\n", nil,
			exitFailure, "smtprepl: connect stage: cannot connect to 127.0.0.1:1: dial tcp 127.0.0.1:1: connect: connection refused\n", "S: 250 CHUNKING\n=== connection closed\n"},
		{"a colon-command's name is shown escaped", "EHLO me\n:\x1b]0;pwned\x07\n", nil,
			exitUsage, "smtprepl: script line 2: unknown command :\\x1b]0;pwned\\x07 (try :help)\n", "C: QUIT\nS: 221 2.0.0 Bye\n=== connection closed\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.script, append([]string{"--timeout", "5s"}, tc.args...)...)
			if code != tc.exit {
				t.Fatalf("exit %d, want %d\nstderr: %s\nstdout:\n%s", code, tc.exit, errOut, out)
			}
			if errOut != tc.stderr {
				t.Errorf("stderr = %q, want %q", errOut, tc.stderr)
			}
			if !strings.HasSuffix(out, tc.lastWire) {
				t.Errorf("transcript does not end with\n%s\ngot:\n%s", tc.lastWire, out)
			}
		})
	}
}
