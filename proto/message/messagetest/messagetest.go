// Package messagetest reads messages the way a receiving program would,
// with the standard library alone (net/mail, mime/multipart), for tests
// that check what smtprepl builds against an independent reader. Only
// tests import it.
package messagetest

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"testing"
)

// Leaf is one non-multipart part of a message, decoded: what a mail
// client would show or offer to save.
type Leaf struct {
	Type        string
	Disposition string
	Filename    string
	ContentID   string
	Body        string // decoded bytes, line ends as sent
}

// Message is a message's decoded Subject and its leaves in order.
type Message struct {
	Subject string
	Leaves  []Leaf
}

// Parse reads raw with net/mail and walks its MIME tree.
func Parse(t testing.TB, raw []byte) Message {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("mail.ReadMessage: %v", err)
	}
	var d mime.WordDecoder
	subject, err := d.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("decoding Subject: %v", err)
	}
	return Message{Subject: subject, Leaves: Walk(t, textproto.MIMEHeader(msg.Header), msg.Body)}
}

// Walk returns the leaves under one part: itself, or its children's.
func Walk(t testing.TB, h textproto.MIMEHeader, body io.Reader) []Leaf {
	t.Helper()
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type %q: %v", h.Get("Content-Type"), err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		return []Leaf{decode(t, mt, h, body)}
	}
	var out []Leaf
	r := multipart.NewReader(body, params["boundary"])
	for {
		// Raw: the transfer encoding is decoded below, for every part alike.
		p, err := r.NextRawPart()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", mt, err)
		}
		out = append(out, Walk(t, p.Header, p)...)
	}
}

func decode(t testing.TB, mt string, h textproto.MIMEHeader, body io.Reader) Leaf {
	t.Helper()
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("decoding a %s part: %v", mt, err)
	}
	p := Leaf{Type: mt, Body: string(data), ContentID: strings.Trim(h.Get("Content-Id"), "<>")}
	if d, params, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil {
		p.Disposition, p.Filename = d, params["filename"]
	}
	return p
}
