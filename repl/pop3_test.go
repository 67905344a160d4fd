package repl

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smtprepl/smtprepl/transcripts"
)

// The POP3 script cases in testdata/pop3 are txtar archives: "mail" is
// an SMTP script run first against the practice server (what there is to
// fetch), "flags" may say "insecure", "input" is the POP3 script, and
// "output" (ports and dates masked) and "result" must come out.
// go test ./repl -run TestPOP3Scripts -update rewrites them.
func TestPOP3Scripts(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "pop3", "*.txtar"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no POP3 script cases: %v", err)
	}
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			a := transcripts.ParseTxtar(data)
			got := playPOP3Case(t, a)
			checkCase(t, path, a, got, []string{"mail", "flags", "input"}, []string{"output", "result"})
		})
	}
}

// dateRE matches the date of a Received: header.
var dateRE = regexp.MustCompile(`\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4} \(\w+\)`)

func playPOP3Case(t *testing.T, a *transcripts.Archive) map[string]string {
	t.Helper()
	srv := startSandbox(t)
	ctx := context.Background()
	if mail := section(a, "mail"); mail != "" {
		if _, s, err := runScriptAgainst(t, srv, Config{}, mail); err != nil || s.Failed() {
			t.Fatalf("the mail section did not go through: %v", err)
		}
	}
	addr, err := SandboxPOP3(srv)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Addr: addr, Sandbox: srv, POP3: true, Timeout: 5 * time.Second}
	cfg.TLS.Insecure = strings.Contains(section(a, "flags"), "insecure")
	var out, errOut bytes.Buffer
	s := NewScriptSession(cfg, &out, &errOut)
	err = s.Start(ctx)
	if err == nil {
		err = s.RunScript(ctx, strings.NewReader(section(a, "input")))
	}
	s.Close()
	result := fmt.Sprintf("failed: %v\n", s.Failed())
	if err != nil {
		result += fmt.Sprintf("error: %v\n", err)
	}
	text := portRE.ReplaceAllString(out.String(), "127.0.0.1:PORT")
	return map[string]string{"output": dateRE.ReplaceAllString(text, "DATE"), "result": result}
}

// TestPOP3CompletionAndHelp: Tab offers the commands of the POP3 state,
// and :help explains a POP3 command.
func TestPOP3CompletionAndHelp(t *testing.T) {
	srv := startSandbox(t)
	addr, err := SandboxPOP3(srv)
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	s := NewScriptSession(Config{Addr: addr, Sandbox: srv, POP3: true, Timeout: 5 * time.Second}, &out, &errOut)
	defer s.Close()
	ctx := context.Background()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if _, got := s.Completions("S"); !slices.Equal(got, []string{"STLS"}) {
		t.Errorf("before login, S completes to %q", got)
	}
	for _, l := range []string{"USER alice", "PASS secret"} {
		if err := s.Exec(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	if _, got := s.Completions("S"); !slices.Equal(got, []string{"STAT"}) {
		t.Errorf("after login, S completes to %q", got)
	}
	if err := s.Exec(ctx, ":help retr"); err != nil {
		t.Fatal(err)
	}
	s.Close() // flushes the transcript
	if !strings.Contains(out.String(), "# RETR: fetches one whole message") || !strings.Contains(out.String(), "-ERR: no such message") {
		t.Errorf(":help retr printed:\n%s", out.String())
	}
}
