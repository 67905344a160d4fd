package sandbox

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/proto"
)

func TestBodyBuffer(t *testing.T) {
	tests := []struct {
		name   string
		budget int64 // bytes
		writes []string
		over   bool
		bareLF int
	}{
		{"empty", chunkBytes, nil, false, 0},
		{"small", chunkBytes, []string{"a\r\nb\n"}, false, 1},
		{"across chunks", 3 * chunkBytes, []string{strings.Repeat("x", chunkBytes-1) + "\r", "\n" + strings.Repeat("y", chunkBytes) + "\nz"}, false, 1},
		{"over the budget", chunkBytes, []string{strings.Repeat("x", chunkBytes), "y"}, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBudget(tt.budget)
			w := &bodyBuffer{budget: b}
			var want []byte
			for _, s := range tt.writes {
				if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("Write = %d, %v; want %d, nil: the body must be read on", n, err, len(s))
				}
				want = append(want, s...)
			}
			if tt.over {
				want = nil
			}
			if w.over != tt.over || !bytes.Equal(w.bytes(), want) || w.Len() != int64(len(want)) || w.bareLF() != tt.bareLF {
				t.Errorf("over %v, %d bytes (%d bare LF); want %v, %d (%d)", w.over, w.Len(), w.bareLF(), tt.over, len(want), tt.bareLF)
			}
			w.release()
			if b.inUse != 0 {
				t.Errorf("%d chunks still in use after release", b.inUse)
			}
		})
	}
}

// TestBudgetRoom: what MAIL's SIZE is checked against, first chunk
// included.
func TestBudgetRoom(t *testing.T) {
	b := newBudget(4 * chunkBytes)
	held := &bodyBuffer{budget: b}
	held.Write(make([]byte, 3*chunkBytes))
	for size, want := range map[int64]bool{2 * chunkBytes: true, 2*chunkBytes + 1: false} {
		if got := b.room(size); got != want {
			t.Errorf("room(%d) with 3 of 4 chunks held = %v, want %v", size, got, want)
		}
	}
}

// TestInFlightBudget plays sessions against a budget of 4 chunks while
// one client holds it all with an unfinished body: small messages still
// pass, bigger ones get 452 4.3.1 and their sessions stay in step, and
// every chunk comes back once the transactions are over.
func TestInFlightBudget(t *testing.T) {
	srv, addr := testServer(t, func(c *Config) { fixedClock(c); c.InFlightBytes = 4 * chunkBytes })
	holder := dialRaw(t, addr, "220 ")
	holder.setup(abuserTx...)
	holder.send(body(200 << 10))
	waitInUse(t, srv, 4)
	c := dialRaw(t, addr, "220 ")
	c.setup("EHLO me.example")
	const opened, full = "250 2.1.0 Ok|250 2.1.5 Ok|", "452 4.3.1 Insufficient system storage"
	const data = opened + "354 End data with <CR><LF>.<CR><LF>|"
	steps := []struct{ send, want string }{
		{tx() + body(1<<10) + ".\r\n", data + "250 2.0.0 Ok: queued as Q1"},
		{tx() + body(100<<10) + ".\r\nNOOP\r\n", data + full + "|250 2.0.0 Ok"},
		{"MAIL FROM:<bob@example.test> SIZE=200000\r\n", full},
		{"MAIL FROM:<bob@example.test> SIZE=1000\r\nRSET\r\n", "250 2.1.0 Ok|250 2.0.0 Ok"},
		{bdatTx(100000) + "BDAT 10 LAST\r\n0123456789NOOP\r\n",
			opened + full + "|551 5.0.0 Discarded 10 bytes after earlier error|250 2.0.0 Ok"},
	}
	for _, st := range steps {
		c.send(st.send)
		c.expect(strings.Split(st.want, "|")...)
	}
	holder.send(".\r\n")
	holder.expect("250 2.0.0 Ok: queued as Q2")
	c.send(tx() + body(100<<10) + ".\r\n" + bdatTx(60000) + "RSET\r\n")
	c.expect(strings.Split(data+"250 2.0.0 Ok: queued as Q3|"+opened+"250 2.0.0 Ok: 60000 bytes|250 2.0.0 Ok", "|")...)
	waitInUse(t, srv, 0)
}

func tx() string {
	return "MAIL FROM:<bob@example.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n"
}

// bdatTx opens a transaction with a chunk of size bytes, not the last.
func bdatTx(size int) string {
	return fmt.Sprintf("MAIL FROM:<bob@example.test>\r\nRCPT TO:<alice@example.test>\r\nBDAT %d\r\n%s", size, strings.Repeat("b", size))
}

// body is n bytes or a little more of 1000-byte lines.
func body(n int) string {
	line := strings.Repeat("x", 998) + "\r\n"
	return strings.Repeat(line, (n+len(line)-1)/len(line))
}

// waitInUse waits for the budget to have n chunks in use: the server
// reads a body at its own pace and says nothing until the dot.
func waitInUse(t *testing.T, srv *Server, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		srv.inflight.mu.Lock()
		got := srv.inflight.inUse
		srv.inflight.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d chunks in use, want %d", got, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// FuzzBodyBuffer writes data in pieces of the given sizes into a budget
// of two chunks: the body is kept whole or, over the budget, dropped
// whole; bare LFs are counted across chunk ends as in one piece; every
// chunk comes back.
func FuzzBodyBuffer(f *testing.F) {
	f.Add([]byte("a\r\nb\nc"), []byte{1, 2, 3})
	f.Add(bytes.Repeat([]byte("x\n"), chunkBytes), []byte{255, 0, 17})
	f.Fuzz(func(t *testing.T, data, pieces []byte) {
		b := newBudget(2 * chunkBytes)
		w := &bodyBuffer{budget: b}
		rest := data
		for i := 0; len(rest) > 0; i++ {
			n := len(rest)
			if len(pieces) > 0 {
				n = min(n, 1+int(pieces[i%len(pieces)])*int(pieces[i%len(pieces)]))
			}
			w.Write(rest[:n])
			rest = rest[n:]
		}
		if over := len(data) > 2*chunkBytes; w.over != over {
			t.Fatalf("%d bytes in a budget of %d: over = %v", len(data), 2*chunkBytes, w.over)
		}
		if !w.over && (!bytes.Equal(w.bytes(), data) || w.bareLF() != bytes.Count(data, []byte("\n"))-bytes.Count(data, []byte("\r\n"))) {
			t.Fatalf("kept %d bytes with %d bare LFs, want %q", w.Len(), w.bareLF(), data)
		}
		w.release()
		if b.inUse != 0 {
			t.Fatalf("%d chunks in use after release", b.inUse)
		}
	})
}

// TestEnvelopeBudget: the envelope counts against the in-flight budget
// too, since 1000 recipients on 64 KiB lines hold as much as any body. The
// public login may relay, so the addresses can be anything.
func TestEnvelopeBudget(t *testing.T) {
	srv, addr := testServer(t, func(c *Config) { c.InFlightBytes = 4 * chunkBytes })
	c := dialRaw(t, addr, "220 ")
	c.setup("EHLO me.example")
	c.send("AUTH PLAIN " + proto.PlainResponse("", "student", "secret") + "\r\n")
	c.expect("235 2.7.0 Authentication successful")
	c.setup("MAIL FROM:<bob@example.test>")
	far := "RCPT TO:<" + strings.Repeat("x", 60000) + "@far.example>\r\n"
	c.send(strings.Repeat(far, 10) + "RSET\r\n")
	var got []run
	for range 11 {
		got = addRun(got, c.reply())
	}
	want := []run{{"250 2.1.5 Ok", 5}, {"452 4.3.1 Insufficient system storage", 5}, {"250 2.0.0 Ok", 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("replies (-want +got):\n%s", diff)
	}
	waitInUse(t, srv, 0)
}
