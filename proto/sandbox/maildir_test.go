package sandbox

import (
	"context"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smtprepl/smtprepl/proto"
)

// maildirServer is a sandbox writing to a fresh Maildir, with a fixed
// clock and queue id so its Received: headers are known.
func maildirServer(t *testing.T) (*Server, string, string) {
	dir := filepath.Join(t.TempDir(), "Maildir")
	srv, addr := testServer(t, func(c *Config) {
		c.Maildir = dir
		c.Clock = func() time.Time { return time.Date(2026, 12, 7, 19, 0, 0, 0, time.UTC) }
		c.QueueID = func(int) string { return "4F2A1B3C5D6" }
	})
	return srv, addr, dir
}

// maildirFiles lists ROOT's files as slash paths, relative to ROOT.
func maildirFiles(t *testing.T, root string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestMaildir sends one message, after STARTTLS and AUTH, to a mailbox, a
// list holding that mailbox again, and another domain: each mailbox gets
// one file in new/, led by a Received: header for its recipient.
func TestMaildir(t *testing.T) {
	srv, addr, dir := maildirServer(t)
	c := dial(t, addr, proto.Options{TLS: proto.TLSOptions{Insecure: true}})
	expect(t, c, "EHLO client.example", 250, "")
	expect(t, c, "STARTTLS", 220, "2.0.0")
	if _, err := c.StartTLS(context.Background()); err != nil {
		t.Fatal(err)
	}
	expect(t, c, "EHLO client.example", 250, "")
	expect(t, c, "AUTH PLAIN AHN0dWRlbnQAc2VjcmV0", 235, "2.7.0")
	expect(t, c, "MAIL FROM:<student@example.test>", 250, "2.1.0")
	for _, rcpt := range []string{"Alice@example.test", "staff@example.test", "dave@elsewhere.example"} {
		expect(t, c, "RCPT TO:<"+rcpt+">", 250, "2.1.5")
	}
	expect(t, c, "DATA", 354, "")
	const body = "From: student@example.test\r\nSubject: hops\r\n\r\nhello\r\n"
	expect(t, c, "raw:"+body+".\r\n", 250, "2.0.0")
	if srv.Mailbox().Len() != 1 {
		t.Fatalf("mailbox holds %d messages, want 1", srv.Mailbox().Len())
	}
	files := maildirFiles(t, dir)
	var boxes []string
	for p, data := range files {
		parts := strings.Split(p, "/")
		if len(parts) != 3 || parts[1] != "new" || !strings.HasSuffix(parts[2], ".sandbox.smtprepl.test") {
			t.Errorf("file %s, want <mailbox>/new/<unique>", p)
			continue
		}
		boxes = append(boxes, parts[0])
		rcpt := map[string]string{"alice": "Alice@example.test", "bob": "staff@example.test",
			"carol": "staff@example.test", "relayed": "dave@elsewhere.example"}[parts[0]]
		want := "Received: from client.example (unknown [127.0.0.1])\r\n" +
			"\tby sandbox.smtprepl.test (smtprepl sandbox) with ESMTPSA id 4F2A1B3C5D6\r\n" +
			"\tfor <" + rcpt + ">; Mon, 07 Dec 2026 19:00:00 +0000 (UTC)\r\n" + body
		if data != want {
			t.Errorf("%s holds\n%q, want\n%q", p, data, want)
		}
		m, err := mail.ReadMessage(strings.NewReader(data))
		if err != nil || m.Header.Get("Subject") != "hops" {
			t.Errorf("%s does not read as a message: %v", p, err)
		}
	}
	slices.Sort(boxes)
	if want := []string{"alice", "bob", "carol", "relayed"}; !slices.Equal(boxes, want) {
		t.Errorf("mailboxes written %v, want %v (one file each)", boxes, want)
	}
}

// TestMaildirHostileHelo gives a HELO name meant to break out of the
// header and the terminal: the header stays one line per field, and no
// file lands outside the tree.
func TestMaildirHostileHelo(t *testing.T) {
	_, addr, dir := maildirServer(t)
	c := dial(t, addr, proto.Options{})
	expect(t, c, "HELO ../../x) (\x1b[31m\\evil", 250, "")
	expect(t, c, "MAIL FROM:<bob@example.test>", 250, "2.1.0")
	expect(t, c, "RCPT TO:<bob@example.test>", 250, "2.1.5")
	expect(t, c, "DATA", 354, "")
	expect(t, c, "raw:Subject: x\r\n\r\nx\r\n.\r\n", 250, "2.0.0")
	files := maildirFiles(t, dir)
	if len(files) != 1 {
		t.Fatalf("files %v, want one", files)
	}
	for p, data := range files {
		want := "Received: from ../../x? ??[31m?evil (unknown [127.0.0.1])\r\n\tby sandbox.smtprepl.test (smtprepl sandbox) with SMTP id"
		if !strings.HasPrefix(p, "bob/new/") || !strings.HasPrefix(data, want) {
			t.Errorf("%s holds %q, want bob/new/ and %q", p, data, want)
		}
	}
	if entries, _ := os.ReadDir(filepath.Dir(dir)); len(entries) != 1 {
		t.Errorf("beside the Maildir: %v", entries)
	}
}

func TestSafeMailboxName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"alice", true}, {"relayed", true}, {"first.last", true}, {"a+b-c_d", true},
		{"", false}, {".", false}, {"..", false}, {"../x", false}, {"a/b", false}, {`a\b`, false},
		{".hidden", false}, {"Alice", false}, {"a\x00", false}, {"é", false}, {strings.Repeat("a", 65), false},
		{strings.Repeat("a", 64), true}, {"0", true}, {"a.", true}, {"-a", false}, {"+a", false}, {"a b", false}, {"a:b", false},
	}
	for _, tt := range tests {
		if got := safeMailboxName(tt.name); got != tt.ok {
			t.Errorf("safeMailboxName(%q) = %v, want %v", tt.name, got, tt.ok)
		}
	}
}

func TestProtocolName(t *testing.T) {
	tests := []struct {
		ehlo, utf8, tls, auth bool
		want                  string
	}{
		{false, false, false, false, "SMTP"},
		{true, false, false, false, "ESMTP"},
		{true, false, true, false, "ESMTPS"},
		{true, false, false, true, "ESMTPA"},
		{true, false, true, true, "ESMTPSA"},
		{true, true, true, true, "UTF8SMTPSA"},
	}
	for _, tt := range tests {
		if got := protocolName(tt.ehlo, tt.utf8, tt.tls, tt.auth); got != tt.want {
			t.Errorf("protocolName(ehlo %v, utf8 %v, tls %v, auth %v) = %s, want %s", tt.ehlo, tt.utf8, tt.tls, tt.auth, got, tt.want)
		}
	}
}
