package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smtprepl/smtprepl/proto/sandbox"
	"github.com/smtprepl/smtprepl/repl/term"
)

// classroomClients is how many sessions run at once: the classroom load
// of README's Performance section, as `smtp-source -c -s 20 -m 900` sends it.
const classroomClients = 20

// classroomBody is smtp-source's message of -l 1000: headers and a body of
// 1000 bytes, in lines of 78.
var classroomBody = "From: <bob@example.test>\r\nTo: <alice@example.test>\r\nDate: Mon, 7 Dec 2026 20:00:00 +0000\r\nMessage-Id: <bench@example.test>\r\n\r\n" +
	strings.Repeat(strings.Repeat("x", 78)+"\r\n", 12) + strings.Repeat("x", 38) + "\r\n.\r\n"

// BenchmarkSandboxClassroom is the sandbox as `smtprepl sandbox` runs it,
// its live log written to a file, under smtp-source's load: 20 sessions at
// once, each HELO, one message, QUIT, one command at a time. One op is
// one session with its message.
func BenchmarkSandboxClassroom(b *testing.B) {
	logf, err := os.Create(filepath.Join(b.TempDir(), "log"))
	if err != nil {
		b.Fatal(err)
	}
	defer logf.Close()
	cfg := sandbox.DefaultConfig()
	log := newSandboxLog(logf, term.NewTheme(false), time.Now)
	defer log.flush()
	cfg.Events = log.event // the mailbox's limits are the defaults: past them, the oldest are dropped
	srv, err := sandbox.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	addr, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var left atomic.Int64
	left.Store(int64(b.N))
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	for range classroomClients {
		wg.Go(func() {
			for left.Add(-1) >= 0 {
				if err := smtpSourceSession(addr.String()); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	if got := srv.Mailbox().Len() + srv.Mailbox().Dropped(); got != b.N {
		b.Errorf("the mailbox holds or dropped %d messages, want %d", got, b.N)
	}
}

// smtpSourceSession is one session as smtp-source -c plays it.
func smtpSourceSession(addr string) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReader(c)
	steps := []struct{ send, want string }{
		{"", "220 "}, {"HELO bench.example\r\n", "250 "}, {"MAIL FROM:<bob@example.test>\r\n", "250 "},
		{"RCPT TO:<alice@example.test>\r\n", "250 "}, {"DATA\r\n", "354 "}, {classroomBody, "250 "}, {"QUIT\r\n", "221 "},
	}
	for _, st := range steps {
		if _, err := c.Write([]byte(st.send)); err != nil {
			return err
		}
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return fmt.Errorf("after %.20q: %w", st.send, err)
			}
			if strings.HasPrefix(line, st.want) {
				break
			}
			if len(line) < 4 || line[3] != '-' {
				return fmt.Errorf("after %.20q: %q, want %s", st.send, line, st.want)
			}
		}
	}
	return nil
}
