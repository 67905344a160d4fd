package repl

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/proto/sandbox"
	"github.com/smtprepl/smtprepl/repl/internal/repltest"
)

// startSandbox is a practice server for one test.
func startSandbox(t testing.TB) *sandbox.Server { return repltest.StartSandbox(t) }

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

// TestScriptLongCommandLineIsAMistake: outside message text a script line
// is at most 64 KiB; a longer one is the script's mistake, named by its
// line and length, and none of it is sent, shown or kept. Message text
// may hold longer lines: those stream.
func TestScriptLongCommandLineIsAMistake(t *testing.T) {
	long := "NOOP " + strings.Repeat("A", 200<<10)
	out, _, err := runScriptAgainst(t, startSandbox(t), Config{}, "EHLO me\n"+long+"\nNOOP\n")
	var se *ScriptError
	if !errors.As(err, &se) || se.Line != 2 {
		t.Fatalf("err = %v, want a ScriptError for line 2", err)
	}
	if msg := se.Error(); !strings.Contains(msg, fmt.Sprint(len(long))) || !strings.Contains(msg, "65536") {
		t.Errorf("error %q does not give the line's length and the bound", msg)
	}
	if strings.Contains(out, "AAAAAAAA") || !strings.Contains(out, "C: QUIT") || len(out) > 8<<10 {
		t.Errorf("the long line went out or was shown, or no QUIT (%d bytes):\n%.3000s", len(out), out)
	}
	for _, tc := range []struct {
		name, script string
		line         int
	}{
		{"in a pipelined batch", "EHLO me\nRSET\n" + long + "\nQUIT\n", 3},
		{"as an AUTH answer", "EHLO me\nRSET\nAUTH LOGIN\n" + long + "\nQUIT\n", 4},
	} {
		out, _, err := runScriptAgainst(t, startSandbox(t), Config{Pipeline: true}, tc.script)
		if !errors.As(err, &se) || se.Line != tc.line || strings.Contains(out, "AAAAAAAA") {
			t.Errorf("%s: err = %v, want a ScriptError for line %d, nothing of it sent\n%.3000s", tc.name, err, tc.line, out)
		}
	}
	text := "EHLO me\nMAIL FROM:<bob@example.test>\nRCPT TO:<alice@example.test>\nDATA\nSubject: long\n\n" + strings.Repeat("b", 200<<10) + "\n.\nQUIT\n"
	if out, _, err := runScriptAgainst(t, startSandbox(t), Config{}, text); err != nil {
		t.Errorf("a long line of message text: %v\n%.3000s", err, out)
	}
}

// FuzzLineSourceBound: whatever the input, each line comes back whole
// when it is within the bound and as a *lineTooLong of its length when
// not, and the line after a long one is read as itself.
func FuzzLineSourceBound(f *testing.F) {
	for _, s := range []string{"NOOP\nQUIT\n", strings.Repeat("x", 40) + "\nok\r\n", "a\r\r\nb", strings.Repeat("y", 33), "\n\n"} {
		f.Add(s)
	}
	const limit = 20
	f.Fuzz(func(t *testing.T, input string) {
		l := &lineSource{br: bufio.NewReaderSize(strings.NewReader(input), 16)}
		raws := strings.SplitAfter(input, "\n")
		if raws[len(raws)-1] == "" {
			raws = raws[:len(raws)-1]
		}
		for i, raw := range raws {
			got, err := l.nextWithin(limit)
			want := trimEnding(raw)
			var tl *lineTooLong
			switch {
			case len(want) > limit && (!errors.As(err, &tl) || tl.n != len(want)):
				t.Fatalf("line %d (%d bytes): got %q, %v; want a lineTooLong of %d", i+1, len(want), got, err, len(want))
			case len(want) <= limit && (err != nil && err != io.EOF || got != want):
				t.Fatalf("line %d: got %q, %v; want %q", i+1, got, err, want)
			}
		}
		if _, err := l.nextWithin(limit); err != io.EOF {
			t.Fatalf("after the last line: %v, want EOF", err)
		}
	})
}
