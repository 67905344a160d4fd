package proto

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeServer is the server end of a test connection, driven by a script.
// Its failures are reported with t.Errorf, from its own goroutine.
type fakeServer struct {
	t    *testing.T
	conn net.Conn
	br   *bufio.Reader
}

// write sends exact bytes in one write.
func (s *fakeServer) write(wire string) {
	s.t.Helper()
	if _, err := io.WriteString(s.conn, wire); err != nil {
		s.t.Errorf("server: writing %q: %v", wire, err)
	}
}

// reply sends the lines of one reply, each with CRLF, in one write.
func (s *fakeServer) reply(lines ...string) {
	s.t.Helper()
	s.write(strings.Join(lines, "\r\n") + "\r\n")
}

// expect reads one command line and checks it.
func (s *fakeServer) expect(want string) {
	s.t.Helper()
	line, err := s.br.ReadString('\n')
	if line != want+"\r\n" || err != nil {
		s.t.Errorf("server: got %q (%v), want %q", line, err, want+"\r\n")
	}
}

// startTLS runs the server side of the handshake.
func (s *fakeServer) startTLS(cert tls.Certificate) error {
	tc := tls.Server(s.conn, &tls.Config{Certificates: []tls.Certificate{cert}})
	if err := tc.Handshake(); err != nil {
		return err
	}
	s.conn, s.br = tc, bufio.NewReader(tc)
	return nil
}

// listen accepts one connection on 127.0.0.1 and runs script on it; the
// test waits for the script to end.
func listen(t *testing.T, script func(s *fakeServer)) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		script(&fakeServer{t: t, conn: conn, br: bufio.NewReader(conn)})
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return ln
}

// countingConn counts the writes that reach the connection.
type countingConn struct {
	net.Conn
	mu     sync.Mutex
	writes int
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.writes++
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *countingConn) Writes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writes
}

// connect returns a Client on a loopback connection to script.
func connect(t *testing.T, opts Options, script func(s *fakeServer)) (*Client, *countingConn) {
	t.Helper()
	ln := listen(t, script)
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	cc := &countingConn{Conn: conn}
	c := NewClient(cc, ln.Addr().String(), opts)
	t.Cleanup(func() { c.Close() })
	return c, cc
}

// mustCmd sends line and checks the reply's first raw line.
func mustCmd(t *testing.T, c *Client, line, want string) *Reply {
	t.Helper()
	r, err := c.Cmd(context.Background(), line)
	if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	if r.Raw[0] != want {
		t.Fatalf("%s: got %q, want %q", line, r.Raw[0], want)
	}
	return r
}

func mustRead(t *testing.T, c *Client, want string) *Reply {
	t.Helper()
	r, err := c.ReadReply(context.Background())
	if err != nil {
		t.Fatalf("ReadReply: %v", err)
	}
	if r.Raw[0] != want {
		t.Fatalf("ReadReply: got %q, want %q", r.Raw[0], want)
	}
	return r
}

func TestClientSession(t *testing.T) {
	c, _ := connect(t, Options{Timeout: 5 * time.Second}, func(s *fakeServer) {
		s.reply("220 mx.example.test ESMTP")
		s.expect("ehlo probe.example.test")
		s.reply(strings.Split(ehloPostfix, "\n")...)
		s.expect("QUIT")
		s.reply("221 2.0.0 Bye")
	})
	mustRead(t, c, "220 mx.example.test ESMTP")
	caps := ParseEHLO(mustCmd(t, c, "ehlo probe.example.test", "250-mx.example.test"))
	if !caps.StartTLS() || !caps.Pipelining() {
		t.Errorf("capabilities %q lack STARTTLS or PIPELINING", caps.Keywords())
	}
	r := mustCmd(t, c, "QUIT", "221 2.0.0 Bye")
	if r.Enhanced != (EnhancedCode{2, 0, 0}) {
		t.Errorf("Enhanced = %v", r.Enhanced)
	}
}

func TestClientPipelining(t *testing.T) {
	c, conn := connect(t, Options{Timeout: 5 * time.Second}, func(s *fakeServer) {
		s.expect("MAIL FROM:<a@example.test>")
		s.expect("RCPT TO:<b@example.test>")
		s.expect("DATA")
		s.reply("250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>")
	})
	for _, line := range []string{"MAIL FROM:<a@example.test>", "RCPT TO:<b@example.test>", "DATA"} {
		if err := c.Queue(line); err != nil {
			t.Fatal(err)
		}
	}
	if n := conn.Writes(); n != 0 {
		t.Fatalf("Queue wrote %d time(s) before Flush", n)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if n := conn.Writes(); n != 1 {
		t.Errorf("Flush of three commands made %d writes, want 1", n)
	}
	mustRead(t, c, "250 2.1.0 Ok")
	mustRead(t, c, "250 2.1.5 Ok")
	mustRead(t, c, "354 End data with <CR><LF>.<CR><LF>")
}

func TestClientSendRejectsInjection(t *testing.T) {
	var taps []TapLine
	c, conn := connect(t, Options{Timeout: 5 * time.Second, Tap: func(l TapLine) { taps = append(taps, l) }}, func(s *fakeServer) {
		s.expect("NOOP") // the first thing on the wire
		s.reply("250 2.0.0 Ok")
	})
	for _, line := range []string{"RCPT TO:<a>\r\nDATA", "RCPT TO:<a>\nDATA", "RCPT TO:<a>\rDATA", "NOOP\x00"} {
		if err := c.Send(line); !errors.Is(err, ErrInjection) {
			t.Errorf("Send(%q) = %v, want ErrInjection", line, err)
		}
		if err := c.Queue(line); !errors.Is(err, ErrInjection) {
			t.Errorf("Queue(%q) = %v, want ErrInjection", line, err)
		}
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if n := conn.Writes(); n != 0 || len(taps) != 0 {
		t.Errorf("refused lines reached the wire: %d write(s), taps %v", n, taps)
	}
	mustCmd(t, c, "NOOP", "250 2.0.0 Ok")
}

func TestClientTimeouts(t *testing.T) {
	tests := []struct {
		name        string
		timeout     time.Duration
		script      func(s *fakeServer, stop <-chan struct{})
		wantPartial int
		wantText    string
	}{
		{
			name:     "silent server",
			timeout:  100 * time.Millisecond,
			script:   func(s *fakeServer, stop <-chan struct{}) { <-stop },
			wantText: "server did not answer within 100ms",
		},
		{
			name:    "dripping multi-line reply: the deadline is for the whole reply",
			timeout: 300 * time.Millisecond,
			script: func(s *fakeServer, stop <-chan struct{}) {
				s.write("250-first line\r\n")
				for _, b := range []byte("250-second line, sent one byte every 50 ms\r\n250 end\r\n") {
					select {
					case <-stop:
						return
					case <-time.After(50 * time.Millisecond):
					}
					if _, err := s.conn.Write([]byte{b}); err != nil {
						return
					}
				}
			},
			wantPartial: 1,
			wantText:    "in the middle of a reply: 1 line(s) received, no end within 300ms",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stop := make(chan struct{})
			c, _ := connect(t, Options{Timeout: tt.timeout}, func(s *fakeServer) { tt.script(s, stop) })
			defer close(stop)
			start := time.Now()
			_, err := c.ReadReply(context.Background())
			elapsed := time.Since(start)
			var te *TimeoutError
			if !errors.As(err, &te) {
				t.Fatalf("ReadReply error = %v, want a *TimeoutError", err)
			}
			if te.Partial != tt.wantPartial || !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error = %q (Partial %d), want %q (Partial %d)", err, te.Partial, tt.wantText, tt.wantPartial)
			}
			if elapsed < tt.timeout || elapsed > tt.timeout+time.Second {
				t.Errorf("timed out after %v, want about %v", elapsed, tt.timeout)
			}
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("error %v does not wrap os.ErrDeadlineExceeded", err)
			}
		})
	}
}

func TestClientServerDropsMidReply(t *testing.T) {
	c, _ := connect(t, Options{Timeout: 5 * time.Second}, func(s *fakeServer) {
		s.write("250-mx.example.test\r\n250-PIPELINING\r\n")
	})
	_, err := c.ReadReply(context.Background())
	if !errors.Is(err, ErrClosed) || !strings.Contains(err.Error(), "in the middle of a multi-line reply, after 2 line(s)") {
		t.Errorf("ReadReply error = %v, want ErrClosed naming the interrupted reply", err)
	}
	if !c.Closed() {
		t.Error("Closed() = false after the server hung up")
	}
	if err := c.Send("NOOP"); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after the hang-up = %v, want ErrClosed", err)
	}
}

func TestClientServerDropsMidLine(t *testing.T) {
	c, _ := connect(t, Options{Timeout: 5 * time.Second}, func(s *fakeServer) { s.write("250 no line end") })
	_, err := c.ReadReply(context.Background())
	var pe *ProtocolError
	if !errors.Is(err, ErrClosed) || !errors.As(err, &pe) {
		t.Errorf("ReadReply error = %v, want a *ProtocolError wrapping ErrClosed", err)
	}
	if !c.Closed() {
		t.Error("Closed() = false after the server hung up")
	}
}

func TestClientContextCancel(t *testing.T) {
	release := make(chan struct{})
	c, _ := connect(t, Options{Timeout: 10 * time.Second}, func(s *fakeServer) {
		s.write("250-first\r\n")
		<-release
		s.reply("250 second")
		s.expect("NOOP")
		s.reply("250 Ok")
	})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel) // Ctrl-C
	start := time.Now()
	_, err := c.ReadReply(ctx)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "abandoned") {
		t.Errorf("ReadReply error = %v, want the wait abandoned", err)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("cancellation took %v", elapsed)
	}
	// The connection stays open, and the next read picks up where the
	// abandoned one stopped.
	close(release)
	r := mustRead(t, c, "250-first")
	if diff := cmp.Diff([]string{"first", "second"}, r.Lines); diff != "" {
		t.Errorf("resumed reply mismatch (-want +got):\n%s", diff)
	}
	mustCmd(t, c, "NOOP", "250 Ok")
}

func TestClientBody(t *testing.T) {
	const body = "Subject: test\n\n.leading dot\r\nbare CR\rend"
	const want = "Subject: test\r\n\r\n.leading dot\r\nbare CR\r\nend\r\n"
	c, _ := connect(t, Options{Timeout: 5 * time.Second}, func(s *fakeServer) {
		s.expect("DATA")
		s.reply("354 go ahead")
		var got strings.Builder
		st, err := ReadDotBody(s.br, &got, 0)
		if err != nil || got.String() != want || st.BareLF+st.BareCR != 0 {
			s.t.Errorf("server: body %q, stats %+v, error %v; want %q", got.String(), st, err, want)
		}
		s.reply("250 2.0.0 Ok: queued")
	})
	mustCmd(t, c, "DATA", "354 go ahead")
	w, err := c.Body()
	if err != nil {
		t.Fatal(err)
	}
	for i := range len(body) { // the split must not matter
		if _, err := w.Write([]byte{body[i]}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	mustRead(t, c, "250 2.0.0 Ok: queued")
}

// TestClientBodyStreams sends a body of one 16 MiB line with a tap set: the
// client must not hold it (or the tap's copy of the line) in memory.
func TestClientBodyStreams(t *testing.T) {
	const size = 16 << 20
	var tapped int
	c, _ := connect(t, Options{Timeout: 10 * time.Second, Tap: func(l TapLine) {
		if l.Kind == Sent {
			tapped += len(l.Data)
		}
	}}, func(s *fakeServer) {
		st, err := ReadDotBody(s.br, io.Discard, 0)
		if err != nil || st.Bytes != size+2 {
			s.t.Errorf("server: %d bytes, %v", st.Bytes, err)
		}
		s.reply("250 Ok")
	})
	chunk := []byte(strings.Repeat("x", 64<<10))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	w, err := c.Body()
	if err != nil {
		t.Fatal(err)
	}
	for range size / len(chunk) {
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2<<20 {
		t.Errorf("sending a %d MiB body allocated %d KiB", size>>20, alloc>>10)
	}
	mustRead(t, c, "250 Ok")
	if want := size + len("\r\n.\r\n"); tapped != want {
		t.Errorf("tap saw %d bytes, want %d", tapped, want)
	}
}

func TestClientClosedByClient(t *testing.T) {
	var taps []string
	c, _ := connect(t, Options{Tap: func(l TapLine) { taps = append(taps, string(l.Data)) }}, func(s *fakeServer) {})
	if err := c.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := c.ReadReply(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("ReadReply after Close = %v, want ErrClosed", err)
	}
	if _, err := c.Body(); !errors.Is(err, ErrClosed) {
		t.Errorf("Body after Close = %v, want ErrClosed", err)
	}
	if diff := cmp.Diff([]string{"connection closed"}, taps); diff != "" {
		t.Errorf("taps mismatch (-want +got):\n%s", diff)
	}
}

func TestDial(t *testing.T) {
	ln := listen(t, func(s *fakeServer) {
		s.reply("220 mx.example.test ESMTP")
		s.expect("QUIT")
		s.reply("221 Bye")
	})
	var events []string
	c, err := Dial(context.Background(), ln.Addr().String(), Options{Tap: func(l TapLine) {
		if l.Kind == Event {
			events = append(events, string(l.Data))
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Addr() != ln.Addr().String() || c.TLS() != nil || c.Timeout() != defaultTimeout {
		t.Errorf("Addr, TLS, Timeout = %q, %v, %v", c.Addr(), c.TLS(), c.Timeout())
	}
	mustRead(t, c, "220 mx.example.test ESMTP")
	mustCmd(t, c, "QUIT", "221 Bye")
	if diff := cmp.Diff([]string{"connected to " + ln.Addr().String()}, events); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}
}

func TestDialRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = Dial(context.Background(), addr, Options{Timeout: time.Second})
	if err == nil || !strings.Contains(err.Error(), "cannot connect to "+addr) {
		t.Errorf("Dial to a closed port: %v", err)
	}
}

// bodyServer answers every body with 250, discarding it.
func bodyServer(s *fakeServer) {
	for {
		if _, err := ReadDotBody(s.br, io.Discard, 0); err != nil {
			return
		}
		if _, err := io.WriteString(s.conn, "250 Ok\r\n"); err != nil {
			return
		}
	}
}

// BenchmarkClientBody sends bodies of several sizes over loopback: B/op
// must not grow with the size, since the body is streamed.
func BenchmarkClientBody(b *testing.B) {
	chunk := sampleBody(32 << 10)
	for _, size := range []int{1 << 20, 20 << 20, 100 << 20} {
		b.Run(strconv.Itoa(size>>20)+"MiB", func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			defer ln.Close()
			go func() {
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				defer conn.Close()
				bodyServer(&fakeServer{conn: conn, br: bufio.NewReaderSize(conn, 64<<10)})
			}()
			c, err := Dial(context.Background(), ln.Addr().String(), Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				w, err := c.Body()
				if err != nil {
					b.Fatal(err)
				}
				for n := 0; n < size; n += len(chunk) {
					if _, err := w.Write(chunk); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
				if _, err := c.ReadReply(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestConnectErrorPort25: a timeout on port 25 names the usual cause,
// outbound blocking; other failures and ports are said as they are.
func TestConnectErrorPort25(t *testing.T) {
	timeout := &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	tests := []struct {
		addr    string
		err     error
		blocked bool
	}{
		{"mx.example.test:25", timeout, true},
		{"192.0.2.2:25", timeout, true},
		{"mx.example.test:587", timeout, false},
		{"mx.example.test:25", refused, false},
	}
	for _, tt := range tests {
		err := connectError(tt.addr, tt.err)
		if got := strings.Contains(err.Error(), "port 25 is often blocked outbound"); got != tt.blocked {
			t.Errorf("connectError(%s, %v) = %q; mentions blocking: %v, want %v", tt.addr, tt.err, err, got, tt.blocked)
		}
		if !errors.Is(err, tt.err.(*net.OpError).Err) {
			t.Errorf("connectError(%s) = %v, does not wrap %v", tt.addr, err, tt.err)
		}
	}
}
