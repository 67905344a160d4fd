package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// storedPart is one leaf of a stored message's MIME tree, as a test reads it.
type storedPart struct {
	Type      string // media type
	ContentID string
	Filename  string
	Body      string // decoded
}

// coursePrograms are the Python programs of testdata/course, as students
// write them, each with the listener it talks to and a check of what the
// sandbox stored.
var coursePrograms = []struct {
	file     string
	listener string // "tls" or "submission"
	mailbox  string
	check    func(t *testing.T, h mail.Header, parts []storedPart)
}{
	{"ssl_send.py", "tls", "alice", func(t *testing.T, h mail.Header, parts []storedPart) {
		wantSubject(t, h, "Hello over SMTP_SSL")
		wantReceived(t, h, "ESMTPSA", "alice")
		wantTypes(t, parts, "text/plain")
	}},
	{"starttls_login.py", "submission", "bob", func(t *testing.T, h mail.Header, parts []storedPart) {
		wantSubject(t, h, "Hello after STARTTLS")
		wantReceived(t, h, "ESMTPSA", "bob")
	}},
	{"docmd_auth_login.py", "submission", "carol", func(t *testing.T, h mail.Header, parts []storedPart) {
		wantSubject(t, h, "Logged in with docmd")
		wantReceived(t, h, "ESMTPSA", "carol")
	}},
	{"alternative.py", "submission", "alice", func(t *testing.T, h mail.Header, parts []storedPart) {
		wantTypes(t, parts, "text/plain", "text/html")
		if !strings.Contains(parts[1].Body, "<b>new</b>") {
			t.Errorf("the HTML part reads %q", parts[1].Body)
		}
	}},
	{"attachment.py", "submission", "bob", func(t *testing.T, h mail.Header, parts []storedPart) {
		wantTypes(t, parts, "text/plain", "text/csv")
		if parts[1].Filename != "figures.csv" || parts[1].Body != "month,sales\njan,10\nfeb,12\n" {
			t.Errorf("the attachment is %q, %q", parts[1].Filename, parts[1].Body)
		}
	}},
	{"related.py", "submission", "carol", func(t *testing.T, h mail.Header, parts []storedPart) {
		wantTypes(t, parts, "text/plain", "text/html", "image/png")
		if parts[2].ContentID != "<image>" || !strings.Contains(parts[1].Body, `src="cid:image"`) || !strings.HasPrefix(parts[2].Body, "\x89PNG") {
			t.Errorf("the image's Content-ID is %q, the HTML %q", parts[2].ContentID, parts[1].Body)
		}
	}},
	{"utf8_headers.py", "submission", "alice", func(t *testing.T, h mail.Header, parts []storedPart) {
		wantSubject(t, h, "Grüße aus Köln – καλημέρα")
		from, err := h.AddressList("From")
		if err != nil || len(from) != 1 || from[0].Name != "Zoë Ünal" {
			t.Errorf("From: %q reads as %v, %v", h.Get("From"), from, err)
		}
		if raw := h.Get("Subject"); !strings.HasPrefix(raw, "=?utf-8?") {
			t.Errorf("Subject: %q, want RFC 2047 encoded words", raw)
		}
	}},
}

// TestCoursePrograms runs the course's Python programs with
// /usr/bin/python3 against "smtprepl sandbox" with --listen-tls,
// --submission and --maildir, and reads what each one left in the Maildir
// with net/mail and mime/multipart, as a mail client would.
func TestCoursePrograms(t *testing.T) {
	if _, err := os.Stat(python3); err != nil {
		t.Skipf("skipped: %s is not installed (%v)", python3, err)
	}
	dir := t.TempDir()
	cert, maildir := filepath.Join(dir, "sandbox.pem"), filepath.Join(dir, "Maildir")
	r := startSandbox(t, 2, "--listen-tls", "127.0.0.1:0", "--submission", "127.0.0.1:0", "--write-cert", cert, "--maildir", maildir)
	for _, p := range coursePrograms {
		t.Run(strings.TrimSuffix(p.file, ".py"), func(t *testing.T) {
			before := maildirFiles(t, maildir, p.mailbox)
			runCourseProgram(t, p.file, port(t, r.addrs[p.listener]), cert)
			var added []string
			for _, f := range maildirFiles(t, maildir, p.mailbox) {
				if !slices.Contains(before, f) {
					added = append(added, f)
				}
			}
			if len(added) != 1 {
				t.Fatalf("%s/new gained %d files, want 1", p.mailbox, len(added))
			}
			h, parts := readStored(t, added[0])
			p.check(t, h, parts)
		})
	}
}

func port(t *testing.T, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func runCourseProgram(t *testing.T, file, port, cert string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, python3, filepath.Join("testdata", "course", file), port, cert).CombinedOutput()
	if err != nil {
		t.Fatalf("python3 %s: %v\n%s", file, err, out)
	}
}

func maildirFiles(t *testing.T, maildir, mailbox string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(maildir, mailbox, "new", "*"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// readStored reads a stored .eml: its header and its MIME leaves in order.
func readStored(t *testing.T, file string) (mail.Header, []storedPart) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s does not read as a message: %v", file, err)
	}
	var parts []storedPart
	walkParts(t, m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), "", "", m.Body, &parts)
	return m.Header, parts
}

func walkParts(t *testing.T, ctype, cte, cid, disp string, body io.Reader, out *[]storedPart) {
	t.Helper()
	if ctype == "" {
		ctype = "text/plain"
	}
	media, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		t.Fatalf("Content-Type %q: %v", ctype, err)
	}
	if strings.HasPrefix(media, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", media, err)
			}
			walkParts(t, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p.Header.Get("Content-ID"), p.FileName(), p, out)
		}
	}
	data, err := io.ReadAll(decoding(cte, body))
	if err != nil {
		t.Fatalf("%s body (%s): %v", media, cte, err)
	}
	*out = append(*out, storedPart{Type: media, ContentID: cid, Filename: disp, Body: string(data)})
}

func wantSubject(t *testing.T, h mail.Header, want string) {
	t.Helper()
	got, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil || got != want {
		t.Errorf("Subject reads %q (%v), want %q", got, err, want)
	}
}

// wantReceived checks the sandbox's own trace header (RFC 5321 §4.4).
func wantReceived(t *testing.T, h mail.Header, with, mailbox string) {
	t.Helper()
	got := h.Get("Received")
	if !strings.Contains(got, "by sandbox.smtprepl.test (smtprepl sandbox) with "+with+" id ") || !strings.Contains(got, "for <"+mailbox+"@example.test>;") {
		t.Errorf("Received: %q, want the sandbox's, with %s, for %s", got, with, mailbox)
	}
}

func wantTypes(t *testing.T, parts []storedPart, want ...string) {
	t.Helper()
	var got []string
	for _, p := range parts {
		got = append(got, p.Type)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("MIME leaves %q, want %q", got, want)
	}
}

// decoding undoes a Content-Transfer-Encoding.
func decoding(cte string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, newlineSkipper{r})
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}

// newlineSkipper drops CR and LF, which base64 bodies break lines with.
type newlineSkipper struct{ r io.Reader }

func (s newlineSkipper) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	kept := 0
	for _, c := range p[:n] {
		if c != '\r' && c != '\n' {
			p[kept] = c
			kept++
		}
	}
	return kept, err
}
