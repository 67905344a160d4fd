package message

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFoldField(t *testing.T) {
	long := strings.Repeat("word ", 30) + "end"
	tests := []struct {
		name, field, value string
		want               string
		wantErr            bool
	}{
		{name: "short", field: "Subject", value: "hi there", want: "Subject: hi there\r\n"},
		{name: "empty", field: "Subject", value: "", want: "Subject: \r\n"},
		{name: "folds at 78", field: "Subject", value: long,
			want: "Subject: " + strings.Repeat("word ", 13) + "word\r\n " +
				strings.Repeat("word ", 14) + "word\r\n word end\r\n"},
		{name: "never folds inside a run of spaces", field: "X", value: strings.Repeat("a", 70) + "  " + strings.Repeat("b", 20),
			want: "X: " + strings.Repeat("a", 70) + "  " + strings.Repeat("b", 20) + "\r\n"},
		{name: "lone long token stays on the name line", field: "X", value: strings.Repeat("a", 90),
			want: "X: " + strings.Repeat("a", 90) + "\r\n"},
		{name: "token over 998", field: "X", value: strings.Repeat("a", 1000), wantErr: true},
		{name: "header injection", field: "Subject", value: "hi\r\nBcc: x@y", wantErr: true},
		{name: "bad name", field: "Sub ject", value: "x", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := foldField(tt.field, tt.value)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("foldField (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHeaderSetKeepsPosition(t *testing.T) {
	h := Header{{"From", "a@x"}, {"X-A", "1"}, {"Subject", "s"}, {"x-a", "2"}}
	h.Set("X-A", "3")
	h.Add("Comments", "c")
	h.Del("subject")
	want := Header{{"From", "a@x"}, {"X-A", "3"}, {"Comments", "c"}}
	if diff := cmp.Diff(want, h); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
}

func TestEncodeText(t *testing.T) {
	tests := []struct {
		name, value, want string
	}{
		{name: "ascii", value: "Quarterly figures", want: "Quarterly figures"},
		{name: "mostly ascii uses Q", value: "Café au lait", want: "=?UTF-8?Q?Caf=C3=A9_au_lait?="},
		{name: "mostly non-ascii uses B", value: "Привет", want: "=?UTF-8?B?0J/RgNC40LLQtdGC?="},
		{name: "looks like an encoded word", value: "=?x?=", want: "=?UTF-8?B?PT94Pz0=?="},
		{name: "leading space", value: " x", want: "=?UTF-8?Q?_x?="},
		{name: "tab", value: "a\tb", want: "=?UTF-8?Q?a=09b?="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := encodeText("Subject", tt.value)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("encodeText (-want +got):\n%s", diff)
			}
			if back := (Field{Value: got}).Decoded(); back != tt.value {
				t.Errorf("decodes to %q, want %q", back, tt.value)
			}
		})
	}
}

func TestEncodedWordsFitLines(t *testing.T) {
	subject := strings.Repeat("Grüße aus Köln und überall ", 8)
	wire, _ := encodeText("Subject", subject)
	for _, w := range strings.Fields(wire) {
		if len(w) > maxWordLen {
			t.Errorf("encoded word of %d characters: %s", len(w), w)
		}
	}
	folded, err := foldField("Subject", wire)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(folded) {
		if len(line)-2 > foldWidth {
			t.Errorf("line of %d octets: %q", len(line)-2, line)
		}
	}
	if !strings.HasPrefix(folded, "Subject: =?UTF-8?") {
		t.Errorf("first word should share the name's line: %q", folded[:20])
	}
	if back := (Field{Value: wire}).Decoded(); back != subject {
		t.Errorf("decodes to %q, want %q", back, subject)
	}
}

func TestSetRejects(t *testing.T) {
	tests := []struct{ name, field, value string }{
		{"line break", "Subject", "a\nb"},
		{"invalid utf-8", "Subject", "a\xffb"},
		{"content field", "Content-Type", "text/plain"},
		{"bad message-id", "Message-ID", "no-at-sign"},
		{"message-id with space", "Message-ID", "<a b@c>"},
		{"two senders", "Sender", "a@x, b@x"},
		{"non-ascii address", "To", "zoë@example.org"},
		{"unparseable address", "To", "not an address"},
		{"bad date", "Date", "yesterday"},
		{"mime version", "MIME-Version", "2.0"},
		{"field name", "Bad Name", "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New(Options{})
			if _, err := m.Set(tt.field, tt.value); err == nil || !strings.HasPrefix(err.Error(), "message: ") {
				t.Errorf("Set(%q, %q) error = %v, want a message: error", tt.field, tt.value, err)
			}
			if len(m.Header()) != 0 {
				t.Errorf("a rejected value was stored: %v", m.Header())
			}
		})
	}
}

func TestAddressFields(t *testing.T) {
	m := newFixed(t, "hi")
	if _, err := m.Cc(`"Smith, J." <j@smtprepl.test>, bob@smtprepl.test`); err != nil {
		t.Fatal(err)
	}
	if _, err := m.ReplyTo("Zoë Ünal <zoe@smtprepl.test>"); err != nil {
		t.Fatal(err)
	}
	want := Header{
		{"From", `"Ann Example" <ann@smtprepl.test>`},
		{"To", `=?UTF-8?Q?Zo=C3=AB_=C3=9Cnal?= <zoe@smtprepl.test>, bob@smtprepl.test`},
		{"Subject", "hi"},
		{"Message-ID", "<fixed-1@smtprepl.test>"},
		{"Cc", `"Smith, J." <j@smtprepl.test>, bob@smtprepl.test`},
		{"Reply-To", `=?UTF-8?Q?Zo=C3=AB_=C3=9Cnal?= <zoe@smtprepl.test>`},
	}
	if diff := cmp.Diff(want, m.Header()); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	wantRcpt := []string{"zoe@smtprepl.test", "bob@smtprepl.test", "j@smtprepl.test", "audit@smtprepl.test"}
	if diff := cmp.Diff(wantRcpt, m.Recipients()); diff != "" {
		t.Errorf("Recipients (-want +got):\n%s", diff)
	}
}

func TestBccNeverWritten(t *testing.T) {
	m := newFixed(t, "hi")
	m.SetBody(m.Plain("x"))
	out := string(render(t, m))
	if strings.Contains(strings.ToLower(out), "bcc") || strings.Contains(out, "audit@") {
		t.Errorf("Bcc leaked into the message:\n%s", out)
	}
}

func TestWriteToNeedsFrom(t *testing.T) {
	m := New(Options{})
	if _, err := m.WriteTo(new(strings.Builder)); err == nil {
		t.Error("WriteTo without From succeeded")
	}
	if _, err := m.From("a@x.test, b@x.test"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.WriteTo(new(strings.Builder)); err == nil {
		t.Error("WriteTo with two authors and no Sender succeeded")
	}
}

func TestCompleteFillsDefaults(t *testing.T) {
	m := New(Options{})
	if _, err := m.From("ann@smtprepl.test"); err != nil {
		t.Fatal(err)
	}
	m.SetBody(m.Plain("x"))
	first := string(render(t, m))
	second := string(render(t, m))
	if first != second {
		t.Error("writing twice gave different bytes")
	}
	var names []string
	for _, f := range m.Header() {
		names = append(names, f.Name)
	}
	if diff := cmp.Diff([]string{"From", "Date", "Message-ID", "MIME-Version"}, names); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	if id := m.Header().Get("Message-ID"); !strings.HasSuffix(id, "@smtprepl.test>") {
		t.Errorf("Message-ID %q is not at the From domain", id)
	}
}
