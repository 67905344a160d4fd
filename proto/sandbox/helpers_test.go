package sandbox

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/smtprepl/smtprepl/proto"
)

// testServer starts a sandbox on a loopback port and closes it when the
// test ends; mod adjusts DefaultConfig first.
func testServer(tb testing.TB, mod func(*Config)) (*Server, string) {
	tb.Helper()
	cfg := DefaultConfig()
	if mod != nil {
		mod(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	addr, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { srv.Close() })
	return srv, addr.String()
}

// dial connects and reads the greeting.
func dial(tb testing.TB, addr string, opts proto.Options) *proto.Client {
	tb.Helper()
	if opts.Timeout == 0 {
		opts.Timeout = 10 * time.Second
	}
	c, err := proto.Dial(context.Background(), addr, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	r, err := c.ReadReply(context.Background())
	if err != nil {
		tb.Fatalf("greeting: %v", err)
	}
	if r.Code != 220 {
		tb.Fatalf("greeting: %s", r)
	}
	return c
}

// result is what a test compares: the code and the enhanced code ("" when
// absent).
type result struct {
	Code int
	Enh  string
}

func (r result) String() string { return strings.TrimSpace(fmt.Sprintf("%d %s", r.Code, r.Enh)) }

func resultOf(r *proto.Reply) result { return result{r.Code, r.Enhanced.String()} }

// cmd sends one line (or, with a "raw:" prefix, exact bytes) and returns
// the reply; an I/O error is fatal.
func cmd(tb testing.TB, c *proto.Client, line string) *proto.Reply {
	tb.Helper()
	ctx := context.Background()
	var err error
	if raw, ok := strings.CutPrefix(line, "raw:"); ok {
		if err = c.QueueRaw([]byte(raw)); err == nil {
			err = c.Flush()
		}
	} else {
		err = c.Send(line)
	}
	if err != nil {
		tb.Fatalf("sending %.40q: %v", line, err)
	}
	r, err := c.ReadReply(ctx)
	if err != nil {
		tb.Fatalf("reply to %.40q: %v", line, err)
	}
	return r
}

// expect sends line and checks the reply's code and enhanced code.
func expect(tb testing.TB, c *proto.Client, line string, code int, enh string) *proto.Reply {
	tb.Helper()
	r := cmd(tb, c, line)
	if got := resultOf(r); got != (result{code, enh}) {
		tb.Fatalf("%.60q: got %s, want %d %s", line, r, code, enh)
	}
	return r
}
