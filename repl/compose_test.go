package repl

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/proto/message"
	"github.com/smtprepl/smtprepl/proto/sandbox"
)

// composeSession is a script session on a practice server of its own,
// with :compose made reproducible and given a few files.
func composeSession(t *testing.T) (*Session, *sandbox.Server, *bytes.Buffer) {
	t.Helper()
	srv := startSandbox(t)
	var out bytes.Buffer
	s := NewScriptSession(Config{Addr: srv.Addr().String(), Sandbox: srv, Timeout: 5 * time.Second}, &out, &out)
	t.Cleanup(func() { s.Close() })
	s.SetComposeOptions(ComposeOptions{
		Files: fstest.MapFS{
			"hi.txt":   {Data: []byte("Hello Bob!\n")},
			"hi.html":  {Data: []byte("<p>Hello <img src=\"cid:dot@x.test\"></p>\n")},
			"dot.png":  {Data: []byte("\x89PNG\r\n\x1a\nnot really")},
			"data.bin": {Data: []byte{0, 1, 2, 255}},
		},
		Boundary:  message.CounterBoundary("b"),
		Now:       func() time.Time { return time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC) },
		MessageID: func() string { return "fixed@example.test" },
	})
	return s, srv, &out
}

func execAll(t *testing.T, s *Session, lines ...string) {
	t.Helper()
	for _, line := range lines {
		if err := s.Exec(context.Background(), line); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
	}
}

// TestComposeSendOpensTheTransaction: :compose send does MAIL FROM (from
// Sender when set), one RCPT per To, Cc and Bcc address, and DATA, and
// the Bcc address is in the envelope only.
func TestComposeSendOpensTheTransaction(t *testing.T) {
	s, srv, out := composeSession(t)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	execAll(t, s, "EHLO me.example",
		":compose new",
		":compose header From: Alice <alice@example.test>, Carol <carol@example.test>",
		":compose header Sender: alice@example.test",
		":compose header To: bob@example.test",
		":compose header Bcc: postmaster@example.test",
		":compose header Subject: Hi",
		":compose text plain hi.txt",
		":compose send")
	s.Close() // script output is buffered until the session waits or ends
	for _, want := range []string{"C: MAIL FROM:<alice@example.test>\n", "C: RCPT TO:<bob@example.test>\n",
		"C: RCPT TO:<postmaster@example.test>\n", "C: DATA\n", "S: 250 2.0.0 Ok: queued as"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	msgs := srv.Mailbox().List()
	if len(msgs) != 1 {
		t.Fatalf("mailbox holds %d messages, want 1", len(msgs))
	}
	if diff := cmp.Diff([]string{"bob@example.test", "postmaster@example.test"}, msgs[0].To); diff != "" {
		t.Errorf("envelope recipients (-want +got):\n%s", diff)
	}
	if data := string(msgs[0].Data); strings.Contains(data, "postmaster") || !strings.Contains(data, "Sender: alice@example.test\r\n") {
		t.Errorf("the message must carry Sender and no Bcc:\n%s", data)
	}
}

// TestComposeSendInsideATransaction: with MAIL and RCPT typed by hand,
// :compose send only adds DATA.
func TestComposeSendInsideATransaction(t *testing.T) {
	s, srv, out := composeSession(t)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	execAll(t, s, "EHLO me.example", "MAIL FROM:<carol@example.test>", "RCPT TO:<alice@example.test>",
		":compose header From: bob@example.test", ":compose header To: bob@example.test", ":compose send")
	s.Close()
	if n := strings.Count(out.String(), "C: MAIL FROM"); n != 1 {
		t.Errorf("%d MAIL FROM lines, want only the one typed:\n%s", n, out)
	}
	if msgs := srv.Mailbox().List(); len(msgs) != 1 || msgs[0].From != "carol@example.test" {
		t.Errorf("want one message from carol's envelope, got %+v", msgs)
	}
}

// TestComposeSaveArrangesParts: plain and HTML go in alternative, the
// inline image beside the HTML in related, attachments in mixed.
func TestComposeSaveArrangesParts(t *testing.T) {
	s, _, _ := composeSession(t)
	file := filepath.Join(t.TempDir(), "m.eml")
	execAll(t, s, ":compose header From: a@x.test", ":compose header To: b@x.test",
		":compose text plain hi.txt", ":compose text html hi.html",
		":compose inline dot.png dot@x.test", ":compose attach data.bin application/octet-stream",
		":compose save "+file)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	e, err := message.Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	want := `multipart/mixed
├─ multipart/alternative
│  ├─ text/plain; charset=us-ascii (7bit, 12 bytes)
│  └─ multipart/related
│     ├─ text/html; charset=us-ascii (7bit, 41 bytes)
│     └─ image/png inline "dot.png" <dot@x.test> (base64, 18 bytes)
└─ application/octet-stream attachment "data.bin" (base64, 4 bytes)
`
	if diff := cmp.Diff(want, e.String()); diff != "" {
		t.Errorf("MIME tree (-want +got):\n%s", diff)
	}
	if !bytes.Contains(data, []byte("Message-ID: <fixed@example.test>\r\n")) || !bytes.Contains(data, []byte("Date: Sat, 03 Feb 2001 04:05:06 +0000\r\n")) {
		t.Errorf("fixed Message-ID and Date missing:\n%s", data)
	}
}

func TestComposeRefuses(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  string
	}{
		{"unknown subcommand", []string{":compose frobnicate"}, "no :compose frobnicate"},
		{"header without colon", []string{":compose header Subject Hi"}, "usage: :compose header NAME: VALUE"},
		{"content field", []string{":compose header Content-Type: text/plain"}, "describes a body part"},
		{"text subtype", []string{":compose text rtf hi.txt"}, "usage: :compose text plain|html"},
		{"missing file", []string{":compose attach nowhere.pdf"}, "nowhere.pdf"},
		{"bad quoting", []string{`:compose text plain "unterminated`}, "not a Go-quoted string"},
		{"typed text in a script", []string{":compose text plain"}, "needs the interactive shell"},
		{"inline without html", []string{":compose header From: a@x.test", ":compose inline dot.png d@x.test", ":compose show"}, "add one with :compose text html first"},
		{"nothing to show", []string{":compose show"}, "no message yet"},
		{"send unconnected", []string{":compose header From: a@x.test", ":compose send"}, "not connected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, _ := composeSession(t)
			var err error
			for _, line := range tt.lines {
				err = s.Exec(context.Background(), line)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestComposeSendNeedsRecipientsAndEHLO: :compose send refuses before
// sending anything it cannot finish.
func TestComposeSendNeedsRecipientsAndEHLO(t *testing.T) {
	s, _, out := composeSession(t)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	execAll(t, s, ":compose header From: alice@example.test")
	if err := s.Exec(context.Background(), ":compose send"); err == nil || !strings.Contains(err.Error(), "say EHLO first") {
		t.Errorf("before EHLO: %v", err)
	}
	execAll(t, s, "EHLO me.example")
	if err := s.Exec(context.Background(), ":compose send"); err == nil || !strings.Contains(err.Error(), "no recipients") {
		t.Errorf("without recipients: %v", err)
	}
	s.Close()
	if strings.Contains(out.String(), "C: MAIL") {
		t.Errorf("MAIL was sent for a message that could not go:\n%s", out)
	}
}

// TestComposeEightBitFollowsEHLO: a non-ASCII body goes as 8bit when the
// server offered 8BITMIME, announced with BODY=8BITMIME, and is encoded
// to 7 bits when it did not (HELO: no extensions at all).
func TestComposeEightBitFollowsEHLO(t *testing.T) {
	for _, tc := range []struct {
		hello           string
		wants, unwanted []string
	}{
		{"EHLO me.example", []string{"C: MAIL FROM:<alice@example.test> BODY=8BITMIME\n", "Content-Transfer-Encoding: 8bit"},
			[]string{"quoted-printable"}},
		{"HELO me.example", []string{"C: MAIL FROM:<alice@example.test>\n", "quoted-printable"},
			[]string{"BODY=8BITMIME"}},
	} {
		t.Run(tc.hello, func(t *testing.T) {
			s, srv, out := composeSession(t)
			if err := s.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			execAll(t, s, tc.hello, ":compose new", ":compose header From: alice@example.test",
				":compose header To: bob@example.test", `:compose text plain "Grüße aus Köln"`, ":compose send")
			s.Close()
			msgs := srv.Mailbox().List()
			if len(msgs) != 1 {
				t.Fatalf("mailbox holds %d messages, want 1:\n%s", len(msgs), out)
			}
			got := out.String() + string(msgs[0].Data)
			for _, w := range tc.wants {
				if !strings.Contains(got, w) {
					t.Errorf("output or message lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tc.unwanted {
				if strings.Contains(got, w) {
					t.Errorf("output or message holds %q:\n%s", w, got)
				}
			}
		})
	}
}
