package repl

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRenderPrompt(t *testing.T) {
	tests := []struct {
		name string
		p    promptState
		want string
	}{
		{"not connected", promptState{target: "mx.example.com"}, "mx.example.com · not connected (:open reconnects) › "},
		{"before EHLO", promptState{connected: true, target: "sandbox"}, "sandbox · plain · no EHLO yet › "},
		{"greeted over TLS", promptState{connected: true, target: "sandbox", tls: true, greeted: true}, "sandbox · TLS · EHLO ✓ › "},
		{"logged in, two recipients", promptState{connected: true, target: "sandbox", tls: true, user: "student", greeted: true, mail: true, rcpts: 2},
			"sandbox · TLS · student · MAIL ✓ RCPT ×2 › "},
		{"DATA mode", promptState{connected: true, target: "mx.example.com", greeted: true, mail: true, rcpts: 1, inData: true},
			"mx.example.com · plain · MAIL ✓ RCPT ×1 · DATA › "},
		{"out of step", promptState{connected: true, target: "sandbox", greeted: true, outOfStep: true}, "sandbox · plain · EHLO ✓ · out of step? › "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := renderPrompt(tc.p, NewTheme(false)); got != tc.want {
				t.Errorf("renderPrompt = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPromptFollowsSession(t *testing.T) {
	srv := startSandbox(t)
	run := runShell(t, srv, []readStep{
		{line: "EHLO me.example"}, {line: "AUTH PLAIN AHN0dWRlbnQAc2VjcmV0"},
		{line: "MAIL FROM:<bob@example.test>"}, {line: "RCPT TO:<alice@example.test>"}, {line: "RCPT TO:<carol@example.test>"},
		{line: "DATA"}, {line: "Subject: x"}, {line: "."}, {line: ":close"},
	})
	want := []string{
		"sandbox · plain · no EHLO yet › ",
		"sandbox · plain · EHLO ✓ › ",
		"sandbox · plain · student · EHLO ✓ › ",
		"sandbox · plain · student · MAIL ✓ RCPT ×0 › ",
		"sandbox · plain · student · MAIL ✓ RCPT ×1 › ",
		"sandbox · plain · student · MAIL ✓ RCPT ×2 › ",
		"sandbox · plain · student · MAIL ✓ RCPT ×2 · DATA › ",
		"sandbox · plain · student · MAIL ✓ RCPT ×2 · DATA › ",
		"sandbox · plain · student · EHLO ✓ › ",
		"sandbox · not connected (:open reconnects) › ",
	}
	if diff := cmp.Diff(want, run.reader.prompts); diff != "" {
		t.Errorf("prompts (-want +got):\n%s\noutput:\n%s", diff, run.out)
	}
}
