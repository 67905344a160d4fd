package sandbox

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// session is one whole client dialogue, pipelined in two batches as a
// PIPELINING client sends it.
const benchDialogue = "EHLO bench.example\r\nMAIL FROM:<bob@example.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n"

func benchBody() string {
	return "Subject: bench\r\n\r\n" + strings.Repeat("a line of a small message body\r\n", 30) + ".\r\nQUIT\r\n"
}

// runDialogue plays benchDialogue on c and reads until the server closes.
func runDialogue(b *testing.B, c net.Conn) {
	if err := playDialogue(c); err != nil {
		b.Fatal(err)
	}
}

// playDialogue is runDialogue for goroutines that must not call Fatal.
func playDialogue(c net.Conn) error {
	br := bufio.NewReader(c)
	readUntil := func(prefix string) error {
		var seen []string
		for {
			line, err := br.ReadString('\n')
			seen = append(seen, line)
			if err != nil {
				return fmt.Errorf("waiting for %q: %v after %q", prefix, err, seen)
			}
			if strings.HasPrefix(line, prefix) {
				return nil
			}
		}
	}
	if err := readUntil("220 "); err != nil {
		return err
	}
	io.WriteString(c, benchDialogue)
	if err := readUntil("354 "); err != nil {
		return err
	}
	io.WriteString(c, benchBody())
	return readUntil("221 ")
}

func BenchmarkSessionLoopback(b *testing.B) {
	// Closed sessions free their slot a moment after the client has seen
	// 221, so a fast loop can briefly have many: lift the limit.
	srv, addr := testServer(b, func(c *Config) { c.MailboxMessages, c.MaxConns = 1<<30, 1<<20 })
	b.ReportAllocs()
	for b.Loop() {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		runDialogue(b, c)
		c.Close()
	}
	b.StopTimer()
	if srv.Mailbox().Len() == 0 {
		b.Fatal("nothing was queued")
	}
}

func BenchmarkSessionPipe(b *testing.B) {
	srv, err := New(Config{MailboxMessages: 1 << 30, IdleTimeout: 10 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	b.ReportAllocs()
	for b.Loop() {
		client, server := net.Pipe()
		done := make(chan struct{})
		go func() { srv.ServeConn(server); close(done) }()
		runDialogue(b, client)
		client.Close()
		<-done
	}
}

// BenchmarkBigMessage sends one 8 MiB message per iteration on one
// loopback session: the body's way through the in-flight budget, the
// chunks and the copy into the mailbox.
func BenchmarkBigMessage(b *testing.B) {
	_, addr := testServer(b, nil)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	msg := []byte(benchTx + strings.Repeat(strings.Repeat("y", 998)+"\r\n", 8<<10) + ".\r\n")
	io.WriteString(c, "EHLO bench.example\r\n")
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(msg); err != nil {
			b.Fatal(err)
		}
		if err := readUntilQueued(br); err != nil {
			b.Fatal(err)
		}
	}
}

const benchTx = "MAIL FROM:<bob@example.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n"

// readUntilQueued reads replies up to the one that says "queued".
func readUntilQueued(br *bufio.Reader) error {
	for {
		line, err := br.ReadString('\n')
		switch {
		case err != nil:
			return err
		case strings.Contains(line, "queued as"):
			return nil
		case line[0] != '2' && line[0] != '3':
			return fmt.Errorf("reply %q", line)
		}
	}
}
