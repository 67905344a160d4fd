package term

import (
	"strings"
	"testing"
	"time"

	"github.com/smtprepl/smtprepl/repl"
)

func TestShellWireHexAndTiming(t *testing.T) {
	srv := startSandbox(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { now = now.Add(3 * time.Millisecond); return now }
	cfg := repl.Config{Addr: srv.Addr().String(), Sandbox: srv, Timing: true, Now: clock}
	run := runShellWith(t, cfg, []readStep{
		{line: "EHLO client.example"}, {line: ":wire hex"}, {line: "NOOP"},
		{line: ":auth plain student"}, {line: "secret", secret: true},
		{line: ":wire off"}, {line: ":timing off"}, {line: "RSET"},
	}, nil)
	wantAll(t, run.out,
		"time: connect 6.0 ms", "time: greeting 3.0 ms",
		"C: NOOP C 00000015 4e 4f 4f 50 0d 0a |NOOP..| S: 250 2.0.0 Ok S 00000",
		"time: reply to NOOP 3.0 ms",
	)
	for _, leak := range []string{"AHN0dWRl", "|AHN0", "73 65 63 72 65 74", "|secret"} {
		if strings.Contains(run.out, leak) {
			t.Errorf("the password reached the hex dump (%q):\n%s", leak, run.out)
		}
	}
	if strings.Contains(run.out, "|RSET") || strings.Contains(run.out, "reply to RSET") {
		t.Errorf(":wire off / :timing off left them on:\n%s", run.out)
	}
}
