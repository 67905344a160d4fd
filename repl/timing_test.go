package repl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// stepClock is a clock that moves on by step each time it is read, so
// every timed step takes a known time.
func stepClock(step time.Duration) func() time.Time {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time {
		now = now.Add(step)
		return now
	}
}

func timingLines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "# time: ") {
			out = append(out, l)
		}
	}
	return out
}

func TestTimingInScriptAndRecording(t *testing.T) {
	script := "EHLO client.example\nSTARTTLS\nQUIT\n"
	want := []string{
		"# time: connect 5.0 ms",
		"# time: greeting 2.5 ms",
		"# time: reply to EHLO 2.5 ms",
		"# time: reply to STARTTLS 2.5 ms",
		"# time: TLS handshake 2.5 ms",
		"# time: reply to QUIT 2.5 ms",
	}
	for _, on := range []bool{true, false} {
		record := filepath.Join(t.TempDir(), "session.txt")
		cfg := Config{Timing: on, Now: stepClock(2500 * time.Microsecond), Record: record}
		cfg.TLS.Insecure = true
		out, _, err := runScriptAgainst(t, startSandbox(t), cfg, script)
		if err != nil {
			t.Fatalf("script failed: %v\n%s", err, out)
		}
		rec, err := os.ReadFile(record)
		if err != nil {
			t.Fatal(err)
		}
		wantNow := want
		if !on {
			wantNow = nil
		}
		if d := cmp.Diff(wantNow, timingLines(out)); d != "" {
			t.Errorf("timing %v, script output (-want +got):\n%s\n%s", on, d, out)
		}
		if d := cmp.Diff(wantNow, timingLines(string(rec))); d != "" {
			t.Errorf("timing %v, recording (-want +got):\n%s\n%s", on, d, rec)
		}
		if on && !strings.Contains(out, "S: 250 CHUNKING\n# time: reply to EHLO 2.5 ms\n") {
			t.Errorf("the timing should follow its reply:\n%s", out)
		}
	}
}

func TestTimingCommand(t *testing.T) {
	script := "EHLO client.example\n:timing on\nNOOP\n:timing off\nQUIT\n"
	out, _, err := runScriptAgainst(t, startSandbox(t), Config{Now: stepClock(time.Millisecond)}, script)
	if err != nil {
		t.Fatalf("script failed: %v\n%s", err, out)
	}
	if d := cmp.Diff([]string{"# time: reply to NOOP 1.0 ms"}, timingLines(out)); d != "" {
		t.Errorf("(-want +got):\n%s\n%s", d, out)
	}
	if _, _, err := runScriptAgainst(t, startSandbox(t), Config{}, ":timing maybe\n"); err == nil || !strings.Contains(err.Error(), "usage: :timing on|off") {
		t.Errorf(":timing maybe: got %v", err)
	}
}
