package repl

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// A --pipe session speaks to a process; STARTTLS is never sent to it,
// and what the process says on stderr reaches ours, labelled.
func TestPipeSessionRefusesSTARTTLS(t *testing.T) {
	got := filepath.Join(t.TempDir(), "received")
	// A server in sh: it keeps what it reads in $got and answers in turn.
	server := `echo starting >&2; printf '220 pipe.test ESMTP\r\n'; while IFS= read -r l; do printf '%s\n' "$l" >>` + got +
		`; case "$l" in EHLO*) printf '250-pipe.test\r\n250 STARTTLS\r\n';; QUIT*) printf '221 bye\r\n'; exit 0;; *) printf '250 ok\r\n';; esac; done`
	var out, errOut bytes.Buffer
	s := NewScriptSession(Config{Addr: PipeAddr(server), Timeout: 3 * time.Second}, &out, &errOut)
	ctx := context.Background()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	err := s.RunScript(ctx, strings.NewReader("EHLO me.example\nSTARTTLS\nNOOP\n"))
	s.Close()
	var se *ScriptError
	if !errors.As(err, &se) || se.Line != 2 || !strings.Contains(err.Error(), "STARTTLS not sent: this session is a --pipe") {
		t.Fatalf("error %v, want a ScriptError at line 2 about STARTTLS over --pipe", err)
	}
	data, _ := os.ReadFile(got)
	if diff := cmp.Diff("EHLO me.example\r\nQUIT\r\n", string(data)); diff != "" {
		t.Errorf("the process received (-want +got):\n%s", diff)
	}
	if !strings.Contains(errOut.String(), "smtprepl: [pipe stderr] starting\n") {
		t.Errorf("stderr %q lacks the process's line", errOut.String())
	}
	if !strings.HasPrefix(out.String(), "# smtprepl transcript v1\n=== started sh -c '") {
		t.Errorf("transcript starts %q", out.String()[:min(80, out.Len())])
	}
}
