package term

import (
	"strings"
	"testing"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/repl"
)

func runPOP3Shell(t *testing.T, steps []readStep) shellRun {
	t.Helper()
	srv := startSandbox(t)
	addr, err := repl.SandboxPOP3(srv)
	if err != nil {
		t.Fatal(err)
	}
	return runShellWith(t, repl.Config{Addr: addr, Sandbox: srv, POP3: true}, steps, nil)
}

// TestShellPOP3 steps POP3 by hand: answers explained, the password
// hidden on screen and kept out of history, the prompt following the login.
func TestShellPOP3(t *testing.T) {
	run := runPOP3Shell(t, []readStep{
		{line: "CAPA"}, {line: "USER alice"}, {line: "PASS secret"}, {line: "STAT"}, {line: "RETR 9"}, {line: "QUIT"},
	})
	wantAll(t, run.out,
		"logs in with password secret", "S: +OK smtprepl sandbox POP3 ready.", "USER name, then PASS password",
		"S: SASL PLAIN", `the lone "." ended the answer`,
		"C: PASS •••••••• (hidden: your password)", "S: +OK Logged in.", "logged in",
		"S: +OK 0 0", "S: -ERR There's no message 9.", "no such message",
		"S: +OK Logging out.")
	if strings.Contains(after(t, run.out, "S: +OK\n"), "secret") {
		t.Errorf("the password reached the screen:\n%s", run.out)
	}
	if strings.Contains(run.history, "PASS") || !strings.Contains(run.history, "STAT") {
		t.Errorf("history:\n%s", run.history)
	}
	if got := run.reader.prompts[3]; !strings.Contains(got, "POP3") || !strings.Contains(got, "alice") {
		t.Errorf("prompt after PASS is %q", got)
	}
}

// TestShellPOP3AuthPlainAsksWithoutEcho: after AUTH PLAIN's "+ " the
// answer is asked for without echo, sent as typed and not shown.
func TestShellPOP3AuthPlainAsksWithoutEcho(t *testing.T) {
	answer := proto.PlainResponse("", "alice", "secret")
	run := runPOP3Shell(t, []readStep{{line: "AUTH PLAIN"}, {line: answer, secret: true}, {line: "STAT"}})
	wantAll(t, run.out, "waits for the SASL answer", "hidden: your AUTH answer", "S: +OK Logged in.", "S: +OK 0 0")
	if got := run.reader.prompts[len(run.reader.prompts)-1]; !strings.Contains(got, "alice") {
		t.Errorf("prompt after AUTH PLAIN is %q, want the user", got)
	}
	if strings.Contains(run.out, answer) || strings.Contains(run.history, answer) {
		t.Errorf("the AUTH answer was shown or kept:\n%s\nhistory:\n%s", run.out, run.history)
	}
}
