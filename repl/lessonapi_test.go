package repl

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/proto"
)

func TestRedact(t *testing.T) {
	s := NewScriptSession(Config{}, &bytes.Buffer{}, &bytes.Buffer{})
	s.SetComposeOptions(ComposeOptions{})
	tests := []struct{ line, want string }{
		{"EHLO a.example", "EHLO a.example"},
		{"AUTH LOGIN", "AUTH LOGIN"},
		{"AUTH PLAIN AHN0dWRlbnQAc2VjcmV0", "AUTH PLAIN <redacted>"},
		{"c2VjcmV0", "<redacted>"},
		{"PASS secret", "<redacted>"},
		{":plain student secret", ":plain <redacted>"},
		{":b64 student", ":b64 <redacted>"},
		{":compose header Subject: Hi", ":compose header Subject: Hi"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := s.Redact(tt.line); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}

func TestServerTarget(t *testing.T) {
	tests := []struct {
		cfg  Config
		want map[string]string
	}{
		{Config{Addr: "mx.lab:25"}, map[string]string{"implicit-tls": "mx.lab:465", "submission": "mx.lab:587", "pop3": "mx.lab:110", "trust": "", "cafile": "(none: the system's trusted authorities)"}},
		{Config{Addr: "mx.lab:587", TLS: proto.TLSOptions{CAFile: "lab.pem"}}, map[string]string{"implicit-tls": "mx.lab:465", "submission": "mx.lab:587", "pop3": "mx.lab:110", "trust": "--cafile lab.pem", "cafile": "lab.pem"}},
		{Config{Addr: "[::1]:25", TLS: proto.TLSOptions{Insecure: true}}, map[string]string{"implicit-tls": "[::1]:465", "submission": "[::1]:587", "pop3": "[::1]:110", "trust": "--insecure", "cafile": "(none: the system's trusted authorities)"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, ServerTarget(tt.cfg).Vars); diff != "" {
			t.Errorf("ServerTarget(%s) vars (-want +got):\n%s", tt.cfg.Addr, diff)
		}
	}
}

// TestExecBatchNeedsPipelining: without PIPELINING on offer, a batch is
// refused before anything is sent.
func TestExecBatchNeedsPipelining(t *testing.T) {
	s := NewScriptSession(Config{}, &bytes.Buffer{}, &bytes.Buffer{})
	if _, err := s.ExecBatch(context.Background(), []string{"NOOP"}); err == nil || !strings.Contains(err.Error(), "not connected") {
		t.Errorf("unconnected batch: %v", err)
	}
}

// TestExecBatchSendsNothingOfABadBatch: a batch with a line that cannot
// go on the wire sends none of its lines, now or with the next write
// (lessons and --pipeline share the check).
func TestExecBatchSendsNothingOfABadBatch(t *testing.T) {
	srv := startSandbox(t)
	var out bytes.Buffer
	s := NewScriptSession(Config{Addr: srv.Addr().String(), Sandbox: srv, Timeout: 5 * time.Second}, &out, &out)
	defer s.Close()
	ctx := context.Background()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Exec(ctx, "EHLO a.example"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ExecBatch(ctx, []string{"RSET", "NOOP\x00smuggled"}); err == nil {
		t.Fatal("a batch with a NUL in a line was accepted")
	}
	if err := s.Exec(ctx, "NOOP"); err != nil {
		t.Fatal(err)
	}
	s.flushView()
	if strings.Contains(out.String(), "C: RSET") {
		t.Errorf("a line of the refused batch went out:\n%s", out.String())
	}
}
