package repl

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/proto/sandbox"
)

// startSandbox runs a practice server for one test.
func startSandbox(t testing.TB) *sandbox.Server {
	t.Helper()
	srv, err := sandbox.New(sandbox.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func runScriptAgainst(t *testing.T, srv *sandbox.Server, cfg Config, script string) (string, *Session, error) {
	t.Helper()
	cfg.Addr, cfg.Sandbox = srv.Addr().String(), srv
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	var out, errOut bytes.Buffer
	s := NewScriptSession(cfg, &out, &errOut)
	ctx := context.Background()
	err := s.Start(ctx)
	if err == nil {
		err = s.RunScript(ctx, strings.NewReader(script))
	}
	s.Close() // flushes the buffered output
	return out.String(), s, err
}

func TestScriptDotStuffingReachesMailboxIntact(t *testing.T) {
	srv := startSandbox(t)
	script := "EHLO me.example\nMAIL FROM:<bob@example.test>\nRCPT TO:<alice@example.test>\nDATA\nSubject: hi\n\n. one dot\n..two\n.\nQUIT\n"
	out, s, err := runScriptAgainst(t, srv, Config{}, script)
	if err != nil {
		t.Fatalf("script failed: %v\n%s", err, out)
	}
	if s.Failed() {
		t.Errorf("a reply failed:\n%s", out)
	}
	for _, want := range []string{"C: EHLO me.example", "C: .. one dot", "C: ...two", "C: .", "S: 221 2.0.0 Bye"} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	msgs := srv.Mailbox().List()
	if len(msgs) != 1 {
		t.Fatalf("mailbox holds %d messages, want 1", len(msgs))
	}
	want := "Subject: hi\r\n\r\n. one dot\r\n..two\r\n"
	if diff := cmp.Diff(want, string(msgs[0].Data)); diff != "" {
		t.Errorf("stored message (-want +got):\n%s", diff)
	}
}

func TestScriptEndsInsideDataIsAnError(t *testing.T) {
	srv := startSandbox(t)
	_, _, err := runScriptAgainst(t, srv, Config{}, "EHLO a.example\nMAIL FROM:<bob@example.test>\nRCPT TO:<alice@example.test>\nDATA\nunfinished\n")
	if err == nil || !strings.Contains(err.Error(), "inside DATA") {
		t.Fatalf("err = %v, want one naming the unfinished DATA", err)
	}
}

func TestScriptFailedReplyIsRecorded(t *testing.T) {
	srv := startSandbox(t)
	out, s, err := runScriptAgainst(t, srv, Config{}, "EHLO a.example\nRCPT TO:<alice@example.test>\nQUIT\n")
	if err != nil {
		t.Fatal(err)
	}
	if !s.Failed() || !strings.Contains(out, "S: 503 5.5.1") {
		t.Errorf("want a failed session with 503 5.5.1:\n%s", out)
	}
}

func TestScriptPipelineSendsBatch(t *testing.T) {
	srv := startSandbox(t)
	script := "EHLO a.example\nMAIL FROM:<bob@example.test>\nRCPT TO:<alice@example.test>\nRCPT TO:<carol@example.test>\nDATA\nSubject: p\n\nbody\n.\nQUIT\n"
	out, _, err := runScriptAgainst(t, srv, Config{Pipeline: true}, script)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// In a batch every command is written before the first reply is read.
	batch := "C: MAIL FROM:<bob@example.test>\nC: RCPT TO:<alice@example.test>\nC: RCPT TO:<carol@example.test>\nC: DATA\nS: 250"
	if !strings.Contains(out, batch) {
		t.Errorf("no pipelined batch in output:\n%s", out)
	}
}

func TestScriptBDATSendsChunkAsIs(t *testing.T) {
	srv := startSandbox(t)
	script := "EHLO a.example\nMAIL FROM:<bob@example.test>\nRCPT TO:<alice@example.test>\nBDAT 20 LAST\nSubject: x\n\n.dot\nQUIT\n"
	out, s, err := runScriptAgainst(t, srv, Config{}, script)
	if err != nil || s.Failed() {
		t.Fatalf("err %v, failed %v\n%s", err, s.Failed(), out)
	}
	msgs := srv.Mailbox().List()
	if len(msgs) != 1 || string(msgs[0].Data) != "Subject: x\r\n\r\n.dot\r\n" {
		t.Fatalf("mailbox = %+v, want the chunk stored exactly as sent (BDAT is never stuffed)", msgs)
	}
}

func TestScriptBDATSizeMismatchIsAnError(t *testing.T) {
	srv := startSandbox(t)
	_, _, err := runScriptAgainst(t, srv, Config{}, "EHLO a.example\nMAIL FROM:<bob@example.test>\nRCPT TO:<alice@example.test>\nBDAT 3 LAST\nabcdef\n")
	if err == nil || !strings.Contains(err.Error(), "declare 8") {
		t.Fatalf("err = %v, want the right size suggested", err)
	}
}

func TestScriptPipelineSharesEndOfDataWithNextTransaction(t *testing.T) {
	srv := startSandbox(t)
	script := "EHLO a.example\nMAIL FROM:<bob@example.test>\nRCPT TO:<alice@example.test>\nDATA\none\n.\nMAIL FROM:<bob@example.test>\nRCPT TO:<carol@example.test>\nDATA\ntwo\n.\nQUIT\n"
	out, s, err := runScriptAgainst(t, srv, Config{Pipeline: true}, script)
	if err != nil || s.Failed() {
		t.Fatalf("err %v\n%s", err, out)
	}
	if !strings.Contains(out, "C: .\nC: MAIL FROM:<bob@example.test>\nC: RCPT TO:<carol@example.test>\nC: DATA\nS: 250 2.0.0 Ok: queued") {
		t.Errorf("end of data not batched with the next transaction:\n%s", out)
	}
	if n := srv.Mailbox().Len(); n != 2 {
		t.Errorf("mailbox holds %d messages, want 2", n)
	}
}

func TestScriptLongBodyIsSummarised(t *testing.T) {
	srv := startSandbox(t)
	var b strings.Builder
	b.WriteString("EHLO a.example\nMAIL FROM:<bob@example.test>\nRCPT TO:<alice@example.test>\nDATA\n")
	line := strings.Repeat("y", 98) + "\n"
	for i := 0; i < 20000; i++ {
		b.WriteString(line)
	}
	b.WriteString(".\nQUIT\n")
	out, _, err := runScriptAgainst(t, srv, Config{}, b.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(out) > bodyShowLimit+64<<10 || !strings.Contains(out, "more line(s)") {
		t.Errorf("output is %d bytes, want the body summarised after %d", len(out), bodyShowLimit)
	}
	if got := len(srv.Mailbox().List()[0].Data); got != 20000*100 {
		t.Errorf("stored %d bytes, want all %d sent", got, 20000*100)
	}
}
