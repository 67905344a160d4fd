package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/proto"
)

func TestConcurrentSessions(t *testing.T) {
	const n = 50
	srv, addr := testServer(t, nil)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() { errs <- oneMessage(addr, i) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Mailbox().Wait(ctx, n); err != nil {
		t.Fatalf("mailbox holds %d of %d: %v", srv.Mailbox().Len(), n, err)
	}
	ids := map[string]bool{}
	for _, m := range srv.Mailbox().List() {
		var i int
		fmt.Sscanf(m.Helo, "client-%d.example", &i)
		want := fmt.Sprintf("Subject: %d\r\n\r\nsession %d\r\n", i, i)
		if string(m.Data) != want || m.From != fmt.Sprintf("user%d@example.test", i) || ids[m.ID] {
			t.Errorf("message %s from %s (HELO %s) holds %q: mixed up", m.ID, m.From, m.Helo, m.Data)
		}
		ids[m.ID] = true
	}
}

// oneMessage sends one message as client i. It reports errors instead of
// failing, because it runs outside the test goroutine.
func oneMessage(addr string, i int) error {
	c, err := proto.Dial(context.Background(), addr, proto.Options{Timeout: 10 * time.Second})
	if err != nil {
		return err
	}
	defer c.Close()
	lines := []string{"", fmt.Sprintf("EHLO client-%d.example\r\n", i), fmt.Sprintf("MAIL FROM:<user%d@example.test>\r\n", i),
		"RCPT TO:<alice@example.test>\r\n", "DATA\r\n", fmt.Sprintf("Subject: %d\r\n\r\nsession %d\r\n.\r\n", i, i), "QUIT\r\n"}
	want := []int{220, 250, 250, 250, 354, 250, 221}
	for k, line := range lines {
		if err := c.QueueRaw([]byte(line)); err != nil {
			return err
		}
		if err := c.Flush(); err != nil {
			return err
		}
		r, err := c.ReadReply(context.Background())
		if err != nil {
			return fmt.Errorf("client %d, %q: %w", i, line, err)
		}
		if r.Code != want[k] {
			return fmt.Errorf("client %d, %q: %s", i, line, r)
		}
	}
	return nil
}

func TestMaxConns(t *testing.T) {
	_, addr := testServer(t, func(c *Config) { c.MaxConns = 1 })
	first := dial(t, addr, proto.Options{})
	second, err := proto.Dial(context.Background(), addr, proto.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	r, err := second.ReadReply(context.Background())
	if err != nil || r.Raw[0] != "421 4.7.0 sandbox.smtprepl.test Error: too many connections" {
		t.Fatalf("second connection: %v, %v", r, err)
	}
	expect(t, first, "QUIT", 221, "2.0.0")
	deadline := time.Now().Add(5 * time.Second)
	for { // the slot frees once the first session's goroutine has ended
		c, err := proto.Dial(context.Background(), addr, proto.Options{Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.ReadReply(context.Background())
		c.Close()
		if err == nil && r.Code == 220 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no slot after the first session ended: %v %v", r, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCloseEndsEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	srv, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	clients, served, pipeEnd := busyServer(t, srv)
	closed := make(chan error)
	go func() { closed <- srv.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	<-served
	for _, c := range clients {
		for { // read to the end: the server must have closed every session
			if _, err := c.ReadReply(context.Background()); err != nil {
				break
			}
		}
		c.Close()
	}
	pipeEnd.Close()
	if _, err := srv.Listen("127.0.0.1:0"); err == nil {
		t.Error("Listen after Close succeeded")
	}
	waitGoroutines(t, before)
}

// busyServer gives srv two listeners, five TCP sessions (one in the middle
// of a DATA body) and one net.Pipe session; served closes when the latter's
// ServeConn returns.
func busyServer(t *testing.T, srv *Server) ([]*proto.Client, chan struct{}, net.Conn) {
	addr, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.ListenTLS("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	var clients []*proto.Client
	for range 5 {
		clients = append(clients, dial(t, addr.String(), proto.Options{}))
	}
	mid := "EHLO me.example\r\nMAIL FROM:<bob@example.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\nhalf a line"
	clients[0].QueueRaw([]byte(mid))
	clients[0].Flush()
	piped, pipeEnd := net.Pipe()
	served := make(chan struct{})
	go func() { srv.ServeConn(piped); close(served) }()
	pipeEnd.Read(make([]byte, 512)) // the greeting: the session is running
	return clients, served, pipeEnd
}

// waitGoroutines waits for the goroutine count to fall back to n.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, want %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestPipelinedBatchIsOneWrite uses net.Pipe, where each server write is
// one client read: the replies to a whole batch must come in one write
// (RFC 2920 §3.2: the server may flush when it has no more input).
func TestPipelinedBatchIsOneWrite(t *testing.T) {
	srv, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client, server := net.Pipe()
	defer client.Close()
	go srv.ServeConn(server)
	client.SetDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 64<<10)
	read := func() []string {
		n, err := client.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimSuffix(string(buf[:n]), "\r\n"), "\r\n")
	}
	read() // greeting
	batch := "EHLO me.example\r\nMAIL FROM:<bob@example.test>\r\nRCPT TO:<alice@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n"
	if _, err := client.Write([]byte(batch)); err != nil {
		t.Fatal(err)
	}
	got := read()
	want := []string{"250 2.1.0 Ok", "250 2.1.5 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>"}
	if len(got) < len(want) || !cmp.Equal(want, got[len(got)-len(want):]) || !strings.HasPrefix(got[0], "250-") {
		t.Errorf("one read after the batch got %q, want the EHLO reply then %q", got, want)
	}
	client.Write([]byte("hi\r\n.\r\nQUIT\r\n"))
	if got, want := read(), []string{"250 2.0.0 Ok: queued as " + PostfixQueueID(1), "221 2.0.0 Bye"}; !cmp.Equal(want, got) {
		t.Errorf("after the body: %q, want %q", got, want)
	}
	if !bytes.Equal(srv.Mailbox().List()[0].Data, []byte("hi\r\n")) {
		t.Errorf("stored %q", srv.Mailbox().List()[0].Data)
	}
}
