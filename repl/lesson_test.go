package repl

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/lessons"
	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/sandbox"
)

func TestRedact(t *testing.T) {
	s := newSession(Config{}, newScriptView(&bytes.Buffer{}), &bytes.Buffer{})
	s.SetComposeOptions(ComposeOptions{})
	tests := []struct{ line, want string }{
		{"EHLO a.example", "EHLO a.example"},
		{"AUTH LOGIN", "AUTH LOGIN"},
		{"AUTH PLAIN AHN0dWRlbnQAc2VjcmV0", "AUTH PLAIN <redacted>"},
		{"c2VjcmV0", "<redacted>"},
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

// TestRunLessonAgainstItsServer plays a lesson through RunLesson: the
// sandbox options are applied, its certificate is trusted through a file
// (--cafile, as for a lab CA), and the transcript names the server, not
// its random port.
func TestRunLessonAgainstItsServer(t *testing.T) {
	l, err := lessons.Parse("t", []byte(`title: T
sandbox: require-tls
-- step: Connect --
> :open
expect 220
> EHLO a.example
expect 250
> MAIL FROM:<alice@example.test>
expect 530
-- step: TLS --
> STARTTLS
expect 220
> EHLO a.example
expect 250
-- step: Implicit --
> :open {{implicit-tls}} --tls {{trust}}
expect 220
> QUIT
expect 221
`))
	if err != nil {
		t.Fatal(err)
	}
	ls, err := StartLessonServer(sandbox.DefaultConfig(), l.Sandbox)
	if err != nil {
		t.Fatal(err)
	}
	target := ls.Target()
	target.Config.Timeout = 5 * time.Second
	var out, wire bytes.Buffer
	res, err := RunLesson(context.Background(), target, l, LessonOptions{Out: &out, Auto: true, Transcript: &wire})
	if err != nil || !res.Passed() {
		t.Fatalf("Result %+v, err %v\n%s", res, err, out.String())
	}
	for _, want := range []string{"=== connected to sandbox\n", "=== connected to sandbox-tls\n", "=== TLS established"} {
		if !strings.Contains(wire.String(), want) {
			t.Errorf("transcript lacks %q:\n%s", want, wire.String())
		}
	}
	if !strings.Contains(out.String(), "verified  yes") {
		t.Errorf("the sandbox's certificate was not verified:\n%s", out.String())
	}
	ca := ls.CAFile
	ls.Close()
	if _, err := os.Stat(ca); !os.IsNotExist(err) {
		t.Errorf("the certificate file %s outlived the server: %v", ca, err)
	}
}

func TestServerTarget(t *testing.T) {
	tests := []struct {
		cfg  Config
		want map[string]string
	}{
		{Config{Addr: "mx.lab:25"}, map[string]string{"implicit-tls": "mx.lab:465", "trust": "", "cafile": "(none: the system's trusted authorities)"}},
		{Config{Addr: "mx.lab:587", TLS: proto.TLSOptions{CAFile: "lab.pem"}}, map[string]string{"implicit-tls": "mx.lab:465", "trust": "--cafile lab.pem", "cafile": "lab.pem"}},
		{Config{Addr: "[::1]:25", TLS: proto.TLSOptions{Insecure: true}}, map[string]string{"implicit-tls": "[::1]:465", "trust": "--insecure", "cafile": "(none: the system's trusted authorities)"}},
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
	s := newSession(Config{}, newScriptView(&bytes.Buffer{}), &bytes.Buffer{})
	if _, err := s.ExecBatch(context.Background(), []string{"NOOP"}); err == nil || !strings.Contains(err.Error(), "not connected") {
		t.Errorf("unconnected batch: %v", err)
	}
}
