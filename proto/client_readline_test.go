package proto

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// TestClientReadLine: lines without their endings, a deadline per read
// that leaves the connection usable, and the close told apart.
func TestClientReadLine(t *testing.T) {
	c, s := net.Pipe()
	cl := NewClient(c, "pipe", Options{Timeout: 100 * time.Millisecond})
	defer cl.Close()
	go func() {
		s.Write([]byte("+OK 2 messages:\r\n1 10\n"))
		time.Sleep(300 * time.Millisecond) // a wait the client gives up on
		s.Write([]byte(".\r\n"))
		s.Close()
	}()
	ctx := context.Background()
	for _, want := range []string{"+OK 2 messages:", "1 10"} {
		got, err := cl.ReadLine(ctx)
		if err != nil || string(got) != want {
			t.Fatalf("ReadLine = %q, %v; want %q", got, err, want)
		}
	}
	var te *TimeoutError
	if _, err := cl.ReadLine(ctx); !errors.As(err, &te) {
		t.Fatalf("a silent server: %v, want a TimeoutError", err)
	}
	time.Sleep(300 * time.Millisecond)
	if got, err := cl.ReadLine(ctx); err != nil || string(got) != "." {
		t.Fatalf("after the timeout: %q, %v; want the line that came late", got, err)
	}
	if _, err := cl.ReadLine(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("after the server closed: %v, want ErrClosed", err)
	}
}

// BenchmarkClientReadLine reads a 1 MiB multi-line answer line by line,
// as a POP3 RETR is read.
func BenchmarkClientReadLine(b *testing.B) {
	line := strings.Repeat("x", 74) + "\r\n"
	answer := strings.Repeat(line, (1<<20)/len(line))
	n := strings.Count(answer, "\n")
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
		buf := make([]byte, 16)
		for {
			if _, err := conn.Read(buf); err != nil { // one byte asks for one answer
				return
			}
			if _, err := conn.Write([]byte(answer)); err != nil {
				return
			}
		}
	}()
	c, err := Dial(context.Background(), ln.Addr().String(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.SetBytes(int64(len(answer)))
	b.ReportAllocs()
	for b.Loop() {
		c.QueueRaw([]byte("x"))
		c.Flush()
		for range n {
			if _, err := c.ReadLine(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	}
}
