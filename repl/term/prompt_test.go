package term

import (
	"github.com/smtprepl/smtprepl/repl"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRenderPrompt(t *testing.T) {
	tests := []struct {
		name string
		p    repl.PromptState
		want string
	}{
		{"not connected", repl.PromptState{Target: "mx.example.com"}, "mx.example.com · not connected (:open reconnects) › "},
		{"before EHLO", repl.PromptState{Connected: true, Target: "sandbox"}, "sandbox · plain · no EHLO yet › "},
		{"greeted over TLS", repl.PromptState{Connected: true, Target: "sandbox", TLS: true, Greeted: true}, "sandbox · TLS · EHLO ✓ › "},
		{"logged in, two recipients", repl.PromptState{Connected: true, Target: "sandbox", TLS: true, User: "student", Greeted: true, Mail: true, Rcpts: 2},
			"sandbox · TLS · student · MAIL ✓ RCPT ×2 › "},
		{"DATA mode", repl.PromptState{Connected: true, Target: "mx.example.com", Greeted: true, Mail: true, Rcpts: 1, InData: true},
			"mx.example.com · plain · MAIL ✓ RCPT ×1 · DATA › "},
		{"out of step", repl.PromptState{Connected: true, Target: "sandbox", Greeted: true, OutOfStep: true}, "sandbox · plain · EHLO ✓ · out of step? › "},
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
