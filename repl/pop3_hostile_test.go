package repl

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/smtprepl/smtprepl/proto/pop3"
)

// fakePOP3 writes server's bytes to the first client (reading what it
// sends meanwhile), then hangs up, or with hang keeps the line open.
func fakePOP3(t *testing.T, server string, hang bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		go io.Copy(io.Discard, c)
		io.WriteString(c, server)
		if hang {
			time.Sleep(2 * time.Second)
		}
	}()
	return ln.Addr().String()
}

// TestPOP3HostileServers: each ends in one sentence naming what went
// wrong, within the timeout, and nothing from the server goes unescaped.
func TestPOP3HostileServers(t *testing.T) {
	tests := []struct {
		name, server, script, want string
		hang                       bool
	}{
		{name: "smtp-server", server: "220 mx.example ESMTP\r\n", want: "is this not a POP3 server?"},
		{name: "unended-multi-line", server: "+OK hi\r\n+OK\r\n1 20\r\n2 30\r\n", script: "LIST\n",
			want: "in the middle of a multi-line answer, after 2 line(s)"},
		{name: "silent-after-command", server: "+OK hi\r\n", script: "STAT\n", hang: true, want: "did not answer within 300ms"},
		{name: "garbage-answer", server: "+OK hi\r\nhello\x1b[31m\r\n", script: "NOOP\n", want: `does not start with +OK or -ERR: "hello\x1b[31m"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{Addr: fakePOP3(t, tt.server, tt.hang), POP3: true, Timeout: 300 * time.Millisecond}
			var out, errOut bytes.Buffer
			s := NewScriptSession(cfg, &out, &errOut)
			defer s.Close()
			ctx := context.Background()
			err := s.Start(ctx)
			if err == nil {
				err = s.RunScript(ctx, strings.NewReader(tt.script))
			}
			if err == nil || !strings.Contains(err.Error(), strings.ReplaceAll(tt.want, "\x1b", `\x1b`)) {
				t.Fatalf("error %v, want one naming %q", err, tt.want)
			}
			if strings.Contains(out.String()+err.Error(), "\x1b") {
				t.Errorf("an escape reached the output:\n%s\n%v", out.String(), err)
			}
		})
	}
}

func TestPOP3BodyNote(t *testing.T) {
	retr := pop3BodyNoteFor("RETR 1", "12 octets", pop3Body{lines: 2, octets: 12, stuffed: 1, unstuffed: []string{".x"}})
	if !strings.Contains(retr, "12 octets announced, 12 received: exact") || !strings.Contains(retr, `1 line(s) began with ".."`) ||
		!strings.Contains(retr, `"..x" on the wire is ".x" in the message`) {
		t.Errorf("exact count: %s", retr)
	}
	if wrong := pop3BodyNoteFor("RETR 1", "99 octets", pop3Body{lines: 2, octets: 12}); !strings.Contains(wrong, "99 octets announced but 12 received") {
		t.Errorf("wrong count: %s", wrong)
	}
}

func pop3BodyNoteFor(line, text string, b pop3Body) string {
	cmd, _ := pop3.ParseCommand(line)
	return pop3BodyNote(cmd, pop3.Status{Indicator: pop3.OK, Text: text}, b)
}

// TestPOP3BrokenMultiLineClosesTheConnection: a NUL mid-answer is a
// protocol error, and the rest of the answer must not be read as the
// next command's, so the connection is closed.
func TestPOP3BrokenMultiLineClosesTheConnection(t *testing.T) {
	cfg := Config{Addr: fakePOP3(t, "+OK hi\r\n+OK\r\n1 20\r\nbad\x00line\r\n2 30\r\n.\r\n+OK\r\n", true), POP3: true, Timeout: time.Second}
	var out, errOut bytes.Buffer
	s := NewScriptSession(cfg, &out, &errOut)
	defer s.Close()
	ctx := context.Background()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	err := s.Exec(ctx, "LIST")
	if err == nil || !strings.Contains(err.Error(), "the connection was closed") || s.Connected() {
		t.Fatalf("LIST: %v, connected %v; want the connection closed", err, s.Connected())
	}
}
