package term

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/repl"
)

func TestRenderPrompt(t *testing.T) {
	tests := []struct {
		name string
		p    repl.PromptState
		want string
	}{
		{"not connected", repl.PromptState{Target: "mx.example.com"}, "mx.example.com · not connected (:open reconnects) › "},
		{"before EHLO", repl.PromptState{Connected: true, Target: "sandbox"}, "sandbox · plain · no EHLO yet › "},
		{"LMTP, before LHLO", repl.PromptState{Connected: true, Target: "sandbox", State: proto.State{LMTP: true}}, "sandbox · plain · no LHLO yet › "},
		{"LMTP, greeted", repl.PromptState{Connected: true, Target: "sandbox", State: proto.State{LMTP: true, Hello: "LHLO"}}, "sandbox · plain · LHLO ✓ › "},
		{"greeted with HELO", repl.PromptState{Connected: true, Target: "sandbox", State: proto.State{Hello: "HELO"}}, "sandbox · plain · HELO ✓ › "},
		{"greeted over TLS", repl.PromptState{Connected: true, Target: "sandbox", State: proto.State{TLS: true, Hello: "EHLO"}}, "sandbox · TLS · EHLO ✓ › "},
		{"logged in, two recipients", repl.PromptState{Connected: true, Target: "sandbox",
			State: proto.State{Phase: proto.PhaseMail, TLS: true, Authenticated: true, User: "student", Hello: "EHLO", InTransaction: true, Recipients: 2}},
			"sandbox · TLS · student · MAIL ✓ RCPT ×2 › "},
		{"logged in, no user name", repl.PromptState{Connected: true, Target: "sandbox", State: proto.State{Authenticated: true, Hello: "EHLO"}},
			"sandbox · plain · (authenticated) · EHLO ✓ › "},
		{"DATA mode", repl.PromptState{Connected: true, Target: "mx.example.com",
			State: proto.State{Phase: proto.PhaseData, Hello: "EHLO", InTransaction: true, Recipients: 1}},
			"mx.example.com · plain · MAIL ✓ RCPT ×1 · DATA › "},
		{"out of step", repl.PromptState{Connected: true, Target: "sandbox", State: proto.State{Hello: "EHLO", OutOfStep: "an abandoned wait"}},
			"sandbox · plain · EHLO ✓ · out of step? › "},
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
