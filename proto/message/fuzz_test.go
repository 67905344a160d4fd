package message

import (
	"bytes"
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		string(render(f, fullMessage(f))),
		nested(40),
		many(50),
		"Content-Type: message/rfc822\r\n\r\nContent-Type: message/rfc822\r\n\r\nSubject: x\r\n\r\ny",
		"Content-Type: multipart/digest; boundary=D\r\n\r\n--D\r\n\r\nSubject: a\r\n\r\nb\r\n--D--",
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n=C3=BC=\r\n=ZZ",
		"Subject: =?UTF-8?B?w7w=?= =?ISO-8859-1?Q?=FC?=\r\n\r\n",
	} {
		f.Add([]byte(seed))
	}
	lim := Limits{MaxDepth: 8, MaxParts: 64, MaxHeaderBytes: 8 << 10, MaxBodyBytes: 64 << 10}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseLimits(bytes.NewReader(data), lim)
		if err != nil {
			return
		}
		s := shapeOf(e)
		switch {
		case s.Entities > lim.MaxParts:
			t.Errorf("%d entities, limit %d", s.Entities, lim.MaxParts)
		case s.MaxDepth > lim.MaxDepth+1: // +1: the message inside a message/rfc822 at the limit
			t.Errorf("depth %d, limit %d", s.MaxDepth, lim.MaxDepth)
		case int64(s.Kept) > lim.MaxBodyBytes:
			t.Errorf("kept %d body bytes, limit %d", s.Kept, lim.MaxBodyBytes)
		}
		_ = e.String()
	})
}

func FuzzRoundTrip(f *testing.F) {
	f.Add("Hello", "Hi there\n", []byte("attachment"))
	f.Add("Grüße aus Köln — ein recht langer Betreff, der gefaltet werden muss", "Zoë\r\n", []byte{0, 0xff})
	f.Add("=?UTF-8?B?eA==?=", strings.Repeat("x", 1200), []byte{})
	f.Add(" leading and  double  spaces ", "--=_boundary\n.\n", []byte("\r\n"))
	f.Fuzz(func(t *testing.T, subject, body string, att []byte) {
		m := New(Options{})
		if _, err := m.From("ann@smtprepl.test"); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Subject(subject); err != nil {
			return // line breaks and invalid UTF-8 are refused by design
		}
		body = strings.ToValidUTF8(body, "\uFFFD")
		m.SetBody(m.Mixed(m.Plain(body), m.Attachment("f.bin", "", Bytes(att))))
		raw := render(t, m)
		checkWire(t, raw)
		want := roundTrip{Subject: subject, Leaves: []leaf{
			{Type: "text/plain", Body: canonicalText(body)},
			{Type: "application/octet-stream", Filename: "f.bin", Body: string(att)},
		}}
		for name, got := range map[string]roundTrip{"own": ownParse(t, raw), "std": stdParse(t, raw)} {
			if got.Subject != want.Subject || len(got.Leaves) != 2 ||
				got.Leaves[0] != want.Leaves[0] || got.Leaves[1] != want.Leaves[1] {
				t.Fatalf("%s parser:\n got %+q\nwant %+q", name, got, want)
			}
		}
	})
}

// FuzzCIDLinks: whatever the HTML and the Content-ID, the links found and
// the step's words about them are printable ASCII and bounded, since they
// reach the terminal in a step's explanation.
func FuzzCIDLinks(f *testing.F) {
	f.Add(`<img src="cid:logo"><img src='CID:image%40x'>`, "image")
	f.Add("cid:\x1b[2J cid:%1b%5b2J cid:a%", "<a@b>")
	f.Add(strings.Repeat("cid:x ", 50), "x")
	f.Fuzz(func(t *testing.T, html, id string) {
		m := New(fixedOptions())
		h := m.HTML(html)
		for _, l := range CIDLinks(h) {
			if l == "" || strings.ContainsFunc(l, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
				t.Errorf("link %q from %q", l, html)
			}
		}
		step := m.Related(h, m.Inline("a.png", id, "", Bytes(nil))).Describe()
		if strings.Count(step.Explanation, "Warning:")+strings.Count(step.Explanation, "Note:") > maxLinks {
			t.Errorf("more than %d remarks: %q", maxLinks, step.Explanation)
		}
		if i := strings.IndexFunc(step.Explanation, func(r rune) bool { return r < ' ' || r == 0x7f }); i >= 0 {
			t.Errorf("control character in %q", step.Explanation)
		}
	})
}
