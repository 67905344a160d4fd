package sandbox

import (
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/smtprepl/smtprepl/proto"
)

// FuzzSession feeds arbitrary client bytes to a session over net.Pipe: the
// session must neither panic (Logf would report it) nor hang (IdleTimeout
// bounds every wait, so ServeConn must return soon after the input ends).
func FuzzSession(f *testing.F) {
	plain := proto.PlainResponse("", "student", "secret")
	for _, seed := range []string{
		"EHLO x\r\nMAIL FROM:<bob@example.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\nhi\r\n..x\r\n.\r\nQUIT\r\n",
		"EHLO x\r\nMAIL FROM:<b@example.test> SIZE=10 BODY=8BITMIME SMTPUTF8\r\nRCPT TO:<ü@example.test> NOTIFY=NEVER\r\nBDAT 3\r\nabcBDAT 0 LAST\r\n",
		"EHLO x\r\nAUTH PLAIN " + plain + "\r\nAUTH LOGIN\r\n*\r\nAUTH CRAM-MD5\r\nx\r\n",
		"EHLO x\r\nSTARTTLS\r\n\x16\x03\x01\x00\x05hello",
		"HELP\r\nVRFY alice\r\nEXPN staff\r\nNOOP\r\nRSET\r\n\r\nFOO\r\nNOOP a\rb\n",
		"EHLO x\r\nMAIL FROM:<b@example.test>\r\nRCPT TO:<alice@example.test>\r\nBDAT 99999999999999999999 LAST\r\n",
	} {
		f.Add([]byte(seed))
	}
	fuzzServer(f, Config{})
}

// FuzzLMTPSession is FuzzSession for the sandbox speaking LMTP, whose end
// of a message answers once per recipient, some of them over quota.
func FuzzLMTPSession(f *testing.F) {
	for _, seed := range []string{
		"LHLO x\r\nMAIL FROM:<bob@example.test>\r\nRCPT TO:<alice@example.test>\r\nRCPT TO:<full@example.test>\r\nDATA\r\nhi\r\n.\r\nNOOP\r\nQUIT\r\n",
		"EHLO x\r\nHELO x\r\nLHLO\r\nLHLO x\r\nMAIL FROM:<b@example.test>\r\nRCPT TO:<full@example.test>\r\nBDAT 3\r\nabcBDAT 0 LAST\r\n",
		"LHLO x\r\nMAIL FROM:<b@example.test>\r\nRCPT TO:<alice@example.test>\r\nRCPT TO:<carol@example.test>\r\nDATA\r\n" + strings.Repeat("x", 2000) + "\r\n.\r\n",
	} {
		f.Add([]byte(seed))
	}
	fuzzServer(f, LMTPConfig())
}

// fuzzServer fuzzes a sandbox of cfg, with short timeouts and limits.
func fuzzServer(f *testing.F, cfg Config) {
	panics := make(chan string, 1)
	cfg.IdleTimeout, cfg.MaxSize, cfg.MaxLineBytes = 50*time.Millisecond, 1<<10, 256
	cfg.Logf = func(format string, args ...any) {
		select {
		case panics <- fmt.Sprintf(format, args...):
		default:
		}
	}
	srv, err := New(cfg)
	if err != nil {
		f.Fatal(err)
	}
	defer srv.Close()
	f.Fuzz(func(t *testing.T, input []byte) {
		client, server := net.Pipe()
		done := make(chan struct{})
		go func() { srv.ServeConn(server); close(done) }()
		go io.Copy(io.Discard, client)
		client.SetWriteDeadline(time.Now().Add(2 * time.Second))
		client.Write(input)
		client.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("session still running 5 s after its input ended: %q", input)
		}
		select {
		case msg := <-panics:
			t.Fatalf("input %q: %s", input, msg)
		default:
		}
	})
}

// FuzzHeaderText: whatever a client sends as HELO or address, what goes
// into the Received: header stays within one line and its comment.
func FuzzHeaderText(f *testing.F) {
	for _, s := range []string{"client.example", "a)(b\\c", "\x1b[31m\r\nX-Evil: 1", "\xff\xfe", "\u0085é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := headerText(s)
		if !utf8.ValidString(got) || len(got) > 200+utf8.UTFMax+3 || strings.ContainsAny(got, "()\\\x7f") {
			t.Fatalf("headerText(%q) = %q", s, got)
		}
		for _, r := range got {
			if r < 0x20 || (r >= 0x80 && r < 0xa0) {
				t.Fatalf("headerText(%q) = %q holds a control", s, got)
			}
		}
	})
}
