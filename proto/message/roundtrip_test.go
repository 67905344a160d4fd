package message

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/proto/message/messagetest"
)

// leaf is what a reader gets out of one body part.
type leaf = messagetest.Leaf

type roundTrip struct {
	Subject string
	Leaves  []leaf
}

var (
	pdfBytes = []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
	binBytes = []byte{0, 1, 2, 0xff, 0xfe, '\r', '\n', '-', '-', 'b', '\n', 0x80}
)

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		subject string
		opts    func(*Options)
		body    func(m *Message) *Part
		want    []leaf
	}{
		{name: "plain ascii", subject: "Hello",
			body: func(m *Message) *Part { return m.Plain("Hello world.\n.\nBye\n") },
			want: []leaf{{Type: "text/plain", Body: "Hello world.\r\n.\r\nBye\r\n"}}},
		{name: "plain utf-8", subject: "Grüße",
			body: func(m *Message) *Part { return m.Plain("Grüße aus Köln\n") },
			want: []leaf{{Type: "text/plain", Body: "Grüße aus Köln\r\n"}}},
		{name: "mostly non-ascii", subject: "Привет",
			body: func(m *Message) *Part { return m.Plain("Привет, как дела?\n") },
			want: []leaf{{Type: "text/plain", Body: "Привет, как дела?\r\n"}}},
		{name: "8bit", subject: "8bit", opts: func(o *Options) { o.EightBitMIME = true },
			body: func(m *Message) *Part { return m.Plain("Grüße\n") },
			want: []leaf{{Type: "text/plain", Body: "Grüße\r\n"}}},
		{name: "long line", subject: "long",
			body: func(m *Message) *Part { return m.Plain(strings.Repeat("x", 2000) + " \n") },
			want: []leaf{{Type: "text/plain", Body: strings.Repeat("x", 2000) + " \r\n"}}},
		{name: "html only", subject: "html",
			body: func(m *Message) *Part { return m.HTML("<p>Zoë</p>") },
			want: []leaf{{Type: "text/html", Body: "<p>Zoë</p>"}}},
		{name: "alternative", subject: "alt",
			body: func(m *Message) *Part { return m.Alternative(m.Plain(plainBody), m.HTML(htmlBody)) },
			want: []leaf{{Type: "text/plain", Body: crlf(plainBody)}, {Type: "text/html", Body: crlf(htmlBody)}}},
		{name: "mixed with attachment", subject: "mixed",
			body: func(m *Message) *Part {
				return m.Mixed(m.Plain("see attached"), m.Attachment("data.bin", "", Bytes(binBytes)))
			},
			want: []leaf{{Type: "text/plain", Body: "see attached"},
				{Type: "application/octet-stream", Filename: "data.bin", Body: string(binBytes)}}},
		{name: "related with inline image", subject: "related",
			body: func(m *Message) *Part {
				return m.Related(m.HTML(htmlBody), m.Inline("logo.png", "logo@smtprepl.test", "", Bytes(pngBytes)))
			},
			want: []leaf{{Type: "text/html", Body: crlf(htmlBody)},
				{Type: "image/png", Filename: "logo.png", ContentID: "logo@smtprepl.test", Body: string(pngBytes)}}},
		{name: "full nesting, non-ascii subject and filename", subject: "Quartalszahlen für Zoë — bitte prüfen",
			body: func(m *Message) *Part { return fullMessage(t).Body() },
			want: []leaf{{Type: "text/plain", Body: crlf(plainBody)}, {Type: "text/html", Body: crlf(htmlBody)},
				{Type: "image/png", Filename: "logo.png", ContentID: "logo@smtprepl.test", Body: string(pngBytes)},
				{Type: "application/pdf", Filename: "Übersicht 2024.pdf", Body: string(pdfBytes)}}},
		{name: "japanese subject and filename", subject: "四半期の報告書について、ご確認ください。長い件名はいくつかのエンコード語に分割されます。",
			body: func(m *Message) *Part {
				return m.Mixed(m.Plain("添付をご覧ください。\n"), m.Attachment("報告書.pdf", "", Bytes(pdfBytes)))
			},
			want: []leaf{{Type: "text/plain", Body: "添付をご覧ください。\r\n"},
				{Type: "application/pdf", Filename: "報告書.pdf", Body: string(pdfBytes)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := fixedOptions()
			if tt.opts != nil {
				tt.opts(&opts)
			}
			m := New(opts)
			if _, err := m.From("ann@smtprepl.test"); err != nil {
				t.Fatal(err)
			}
			if _, err := m.Subject(tt.subject); err != nil {
				t.Fatal(err)
			}
			m.SetBody(tt.body(m))
			raw := render(t, m)
			checkWire(t, raw)
			want := roundTrip{Subject: tt.subject, Leaves: tt.want}
			if diff := cmp.Diff(want, ownParse(t, raw)); diff != "" {
				t.Errorf("own parser (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want, stdParse(t, raw)); diff != "" {
				t.Errorf("net/mail + mime/multipart (-want +got):\n%s", diff)
			}
		})
	}
}

// checkWire checks what every message must be on the wire: CRLF only,
// lines within 998 octets, and no 8-bit bytes in the header.
func checkWire(t *testing.T, raw []byte) {
	t.Helper()
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	for i, c := range head {
		if c >= 0x80 {
			t.Errorf("8-bit byte %#x in the header at %d", c, i)
			break
		}
	}
	for i, line := range bytes.Split(raw, []byte("\r\n")) {
		if bytes.ContainsAny(line, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, line)
		}
		if len(line) > maxLine {
			t.Errorf("line %d is %d octets long", i+1, len(line))
		}
	}
}

func ownParse(t *testing.T, raw []byte) roundTrip {
	t.Helper()
	e, err := Parse(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	got := roundTrip{Subject: Field{Value: e.Header.Get("Subject")}.Decoded()}
	e.Walk(func(e *Entity, _ int) {
		if e.Err != nil {
			t.Errorf("%s: %v", e.MediaType, e.Err)
		}
		if len(e.Children) == 0 {
			got.Leaves = append(got.Leaves, leaf{Type: e.MediaType, Filename: e.Filename, ContentID: e.ContentID, Body: string(e.Body)})
		}
	})
	return got
}

// stdParse reads the message with the standard library alone, the way a
// Go program receiving it would.
func stdParse(t *testing.T, raw []byte) roundTrip {
	t.Helper()
	m := messagetest.Parse(t, raw)
	for i := range m.Leaves {
		m.Leaves[i].Disposition = "" // the own parser's leaves are compared without it
	}
	return roundTrip{Subject: m.Subject, Leaves: m.Leaves}
}
