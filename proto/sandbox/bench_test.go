package sandbox

import (
	"bufio"
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
	br := bufio.NewReader(c)
	readUntil := func(prefix string) {
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				b.Fatalf("waiting for %q: %v", prefix, err)
			}
			if strings.HasPrefix(line, prefix) {
				return
			}
		}
	}
	readUntil("220 ")
	io.WriteString(c, benchDialogue)
	readUntil("354 ")
	io.WriteString(c, benchBody())
	readUntil("221 ")
}

func BenchmarkSessionLoopback(b *testing.B) {
	srv, addr := testServer(b, func(c *Config) { c.MailboxMessages = 1 << 30 })
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
		go srv.ServeConn(server)
		runDialogue(b, client)
		client.Close()
	}
}
