package proto

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestDialPipe(t *testing.T) {
	var stderr bytes.Buffer
	var events []string
	tap := func(l TapLine) {
		if l.Kind == Event {
			events = append(events, string(l.Data))
		}
	}
	// A one-verb server in sh: a greeting, then 250 to each line, and a
	// complaint on stderr carrying an escape sequence.
	server := `printf 'boom\033[31m\n' >&2; printf '220 pipe.test ESMTP\r\n'; while read -r l; do printf '250 ok\r\n'; done`
	c, err := DialPipe(context.Background(), server, Options{Tap: tap, PipeStderr: &stderr, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if r, err := c.ReadReply(ctx); err != nil || r.Code != 220 {
		t.Fatalf("greeting %v, %v", r, err)
	}
	if r, err := c.Cmd(ctx, "NOOP"); err != nil || r.Code != 250 {
		t.Fatalf("NOOP: %v, %v", r, err)
	}
	if !c.IsPipe() {
		t.Error("IsPipe() = false")
	}
	pid := c.conn.(*pipeConn).cmd.Process.Pid
	c.Close()
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("process %d still there after Close", pid)
	}
	if want := `smtprepl: [pipe stderr] boom\x1b[31m` + "\n"; stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
	if len(events) == 0 || !strings.HasPrefix(events[0], `started sh -c 'printf`) {
		t.Errorf("events %q", events)
	}
}

// A process that ignores the end of its input is killed, with whatever it
// started, and reaped.
func TestDialPipeKillsWhatIgnoresEOF(t *testing.T) {
	c, err := DialPipe(context.Background(), `trap '' TERM HUP; printf '220 x\r\n'; sleep 60 & wait`, Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	p := c.conn.(*pipeConn)
	p.grace = 50 * time.Millisecond
	if _, err := c.ReadReply(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.Close()
	// The sleep was killed; init reaps it, soon but not at once.
	gone := false
	for i := 0; i < 200 && !gone; i++ {
		gone = syscall.Kill(-p.cmd.Process.Pid, 0) != nil
		time.Sleep(10 * time.Millisecond)
	}
	if !gone {
		t.Errorf("process group %d still there 2 s after Close", p.cmd.Process.Pid)
	}
	if p.cmd.ProcessState == nil {
		t.Error("the process was not reaped")
	}
}

func TestDialPipeSilentProcessTimesOut(t *testing.T) {
	c, err := DialPipe(context.Background(), `sleep 60`, Options{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	c.conn.(*pipeConn).grace = 50 * time.Millisecond
	defer c.Close()
	var te *TimeoutError
	if _, err := c.ReadReply(context.Background()); err == nil || !errors.As(err, &te) {
		t.Fatalf("error %v, want a timeout", err)
	}
}

// A process flooding its stderr: ours gets a bounded part and a note,
// and the process is never blocked on a full pipe.
func TestDialPipeStderrBounded(t *testing.T) {
	var stderr bytes.Buffer
	c, err := DialPipe(context.Background(), `head -c 1000000 /dev/zero | tr '\0' x >&2; printf '220 x\r\n'; cat >/dev/null`, Options{PipeStderr: &stderr, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadReply(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if n := stderr.Len(); n > 2*maxStderrBytes || !strings.HasSuffix(stderr.String(), "(more than 64 KiB: the rest is not shown)\n") {
		t.Errorf("%d bytes of stderr, ending %q", n, stderr.String()[max(0, n-80):])
	}
}
