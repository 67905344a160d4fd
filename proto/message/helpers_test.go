package message

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// fixedOptions makes output byte-exact.
func fixedOptions() Options {
	return Options{
		Boundary: CounterBoundary("b"),
		Now:      func() time.Time { return time.Date(2024, 3, 1, 9, 30, 0, 0, time.FixedZone("", 3600)) },
	}
}

// png is a tiny real PNG header plus filler, enough for type checks.
var pngBytes = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0, 1, 2, 250, 251, 252}, 200)...)

const htmlBody = "<html><body><p>Hello <b>Zoë</b>,</p><img src=\"cid:logo@smtprepl.test\"></body></html>\n"

const plainBody = "Hello Zoë,\n\nthe quarterly figures are attached. Grüße!\n"

// newFixed starts a deterministic message with the usual header fields.
func newFixed(t testing.TB, subject string) *Message {
	t.Helper()
	m := New(fixedOptions())
	for _, kv := range [][2]string{
		{"From", `"Ann Example" <ann@smtprepl.test>`},
		{"To", `Zoë Ünal <zoe@smtprepl.test>, bob@smtprepl.test`},
		{"Bcc", `audit@smtprepl.test`},
		{"Subject", subject},
		{"Message-ID", "<fixed-1@smtprepl.test>"},
	} {
		if _, err := m.Set(kv[0], kv[1]); err != nil {
			t.Fatalf("Set(%q): %v", kv[0], err)
		}
	}
	return m
}

// fullMessage is mixed(related(alternative(plain, html), image), attachment).
func fullMessage(t testing.TB) *Message {
	m := newFixed(t, "Quartalszahlen für Zoë — bitte prüfen")
	m.SetBody(m.Mixed(
		m.Related(
			m.Alternative(m.Plain(plainBody), m.HTML(htmlBody)),
			m.Inline("logo.png", "logo@smtprepl.test", "", Bytes(pngBytes)),
		),
		m.Attachment("Übersicht 2024.pdf", "", Bytes(pdfBytes)),
	))
	return m
}

func render(t testing.TB, m *Message) []byte {
	t.Helper()
	var b bytes.Buffer
	n, err := m.WriteTo(&b)
	if err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	if n != int64(b.Len()) {
		t.Fatalf("WriteTo returned %d, wrote %d bytes", n, b.Len())
	}
	return b.Bytes()
}

func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }
