package transcripts

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRoundTrip checks that every transcript in testdata is in canonical
// form: parsing and writing it gives the same bytes.
func TestRoundTrip(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			want, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := ParseBytes(want)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if _, err := tr.WriteTo(&got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), got.String()); diff != "" {
				t.Errorf("parse and write (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseLines(t *testing.T) {
	tests := []struct {
		name string
		line string
		want Entry
	}{
		{"client", "C: EHLO bar.com", Entry{Kind: Client, Text: "EHLO bar.com"}},
		{"server", "S: 250 OK", Entry{Kind: Server, Text: "250 OK"}},
		{"empty client line", "C:", Entry{Kind: Client}},
		{"empty client line with space", "C: ", Entry{Kind: Client}},
		{"leading spaces kept", "C:     05:33:29 -0700", Entry{Kind: Client, Text: "    05:33:29 -0700"}},
		{"exact", `C= "a\nb"`, Entry{Kind: Client, Text: "a\nb", Exact: true}},
		{"exact server", `S= "334 \r\n"`, Entry{Kind: Server, Text: "334 \r\n", Exact: true}},
		{"exact empty", `C= ""`, Entry{Kind: Client, Exact: true}},
		{"event", "=== TLS established: TLSv1.3 TLS_AES_128_GCM_SHA256",
			Entry{Kind: Event, Text: "TLS established: TLSv1.3 TLS_AES_128_GCM_SHA256"}},
		{"empty event", "===", Entry{Kind: Event}},
		{"comment", "# hello", Entry{Kind: Comment, Text: "hello"}},
		{"empty comment", "#", Entry{Kind: Comment}},
		{"blank", "", Entry{Kind: Blank}},
		{"elision", "...", Entry{Kind: Elision, Text: "..."}},
		{"redacted answer", "C: <redacted: AUTH LOGIN password>",
			Entry{Kind: Client, Text: "<redacted: AUTH LOGIN password>", Redacted: "AUTH LOGIN password"}},
		{"redacted initial response", "C: AUTH PLAIN <redacted: AUTH PLAIN credentials>",
			Entry{Kind: Client, Text: "AUTH PLAIN <redacted: AUTH PLAIN credentials>", Redacted: "AUTH PLAIN credentials"}},
		{"server lines are never redacted", "S: 250 <redacted: x>", Entry{Kind: Server, Text: "250 <redacted: x>"}},
		{"RFC pseudo-line", "C: <open connection to server>", Entry{Kind: Client, Text: "<open connection to server>"}},
		{"body placeholder", "C: <The message data (body text, subject, e-mail headers, etc.)>",
			Entry{Kind: Client, Text: "<The message data (body text, subject, e-mail headers, etc.)>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A dialogue line first keeps "#" lines out of the metadata.
			tr, err := ParseBytes([]byte("C: x\n" + tt.line + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Line = 2
			if diff := cmp.Diff(tt.want, tr.Entries[1]); diff != "" {
				t.Errorf("entry (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, input string
		line        int
		msg         string
	}{
		{"unknown prefix", "S: 220 ok\nX: what\n", 2, "unknown line prefix"},
		{"lower case prefix", "c: EHLO x\n", 1, "unknown line prefix"},
		{"swaks-like line in a transcript", "S: 220 ok\n<-- 250 ok\n", 2, "unknown line prefix"},
		{"no space after C:", "S: 220 ok\nC:EHLO x\n", 2, `want a space after "C:"`},
		{"no space after #", "#comment\n", 1, `want a space after "#"`},
		{"bad pattern", "S: 220 ok\nC~ MAIL FROM:<(.*>\n", 2, `bad regular expression after "C~": missing closing ): ` + "`" + `^(?:MAIL FROM:<(.*>)$` + "`"},
		{"empty pattern", "C~\n", 1, `want a space and a regular expression after "C~"`},
		{"server pattern", "S~ 250 .*\n", 1, `only client lines are patterns`},
		{"no space after ===", "===connected\n", 1, `want a space after "==="`},
		{"unquoted exact", "S: 220 ok\nC= abc\n", 2, "want a double-quoted Go string"},
		{"bad escape", "S: 220 ok\n\nC= \"\\q\"\n", 3, "bad quoting"},
		{"unterminated quote", "C= \"abc\n", 1, "bad quoting"},
		{"text after the quote", "C= \"abc\" x\n", 1, "bad quoting"},
		{"backquotes", "C= `abc`\n", 1, "want a double-quoted Go string"},
		{"bare CR", "S: 220 ok\r\nC: a\rb\r\n", 2, "carriage return"},
		{"version", "# smtprepl transcript v2\n", 1, "unsupported transcript version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseBytes([]byte(tt.input))
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *SyntaxError", err)
			}
			if se.Line != tt.line || !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("got line %d %q, want line %d %q", se.Line, se.Msg, tt.line, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), "transcripts: line ") {
				t.Errorf("error %q lacks the package prefix and line", err)
			}
		})
	}
}

func TestParseMetadata(t *testing.T) {
	in := "# smtprepl transcript v1\n# server: 127.0.0.1:2525\n# empty:\n# Step 1: prose\n# late: comment\nS: 220 ok\n"
	tr, err := ParseBytes([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := &Transcript{
		Version: 1,
		Meta:    []KV{{"server", "127.0.0.1:2525"}, {"empty", ""}},
		Entries: []Entry{
			{Kind: Comment, Text: "Step 1: prose", Line: 4},
			{Kind: Comment, Text: "late: comment", Line: 5},
			{Kind: Server, Text: "220 ok", Line: 6},
		},
	}
	if diff := cmp.Diff(want, tr); diff != "" {
		t.Errorf("transcript (-want +got):\n%s", diff)
	}
	if v, ok := tr.Lookup("server"); !ok || v != "127.0.0.1:2525" {
		t.Errorf("Lookup(server) = %q, %v", v, ok)
	}
}

func TestParseCRLF(t *testing.T) {
	lf, err := ParseBytes([]byte("# a: b\nS: 220 ok\nC: EHLO x\n=== closed\n"))
	if err != nil {
		t.Fatal(err)
	}
	crlf, err := ParseBytes([]byte("# a: b\r\nS: 220 ok\r\nC: EHLO x\r\n=== closed"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(lf, crlf); diff != "" {
		t.Errorf("CRLF file (-LF +CRLF):\n%s", diff)
	}
}

func TestFromWire(t *testing.T) {
	tests := []struct {
		name string
		wire string
		want Entry
	}{
		{"text and CRLF", "EHLO x\r\n", Entry{Kind: Client, Text: "EHLO x"}},
		{"empty line", "\r\n", Entry{Kind: Client}},
		{"UTF-8", "Subject: café\r\n", Entry{Kind: Client, Text: "Subject: café"}},
		{"bare LF", "EHLO x\n", Entry{Kind: Client, Text: "EHLO x\n", Exact: true}},
		{"bare CR inside", "a\rb\r\n", Entry{Kind: Client, Text: "a\rb\r\n", Exact: true}},
		{"no line ending", "EHLO", Entry{Kind: Client, Text: "EHLO", Exact: true}},
		{"trailing space", "334 \r\n", Entry{Kind: Client, Text: "334 \r\n", Exact: true}},
		{"trailing tab", "x\t\r\n", Entry{Kind: Client, Text: "x\t\r\n", Exact: true}},
		{"tab inside", "a\tb\r\n", Entry{Kind: Client, Text: "a\tb\r\n", Exact: true}},
		{"NUL", "a\x00\r\n", Entry{Kind: Client, Text: "a\x00\r\n", Exact: true}},
		{"DEL", "a\x7f\r\n", Entry{Kind: Client, Text: "a\x7f\r\n", Exact: true}},
		{"invalid UTF-8", "a\xff\r\n", Entry{Kind: Client, Text: "a\xff\r\n", Exact: true}},
		{"line separator", "a\u2028b\r\n", Entry{Kind: Client, Text: "a\u2028b\r\n", Exact: true}},
		{"two lines", "a\r\nb\r\n", Entry{Kind: Client, Text: "a\r\nb\r\n", Exact: true}},
		{"marker", "<redacted: AUTH LOGIN password>\r\n",
			Entry{Kind: Client, Text: "<redacted: AUTH LOGIN password>", Redacted: "AUTH LOGIN password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FromWire(Client, []byte(tt.wire))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FromWire(%q) (-want +got):\n%s", tt.wire, diff)
			}
			if string(got.Bytes()) != tt.wire {
				t.Errorf("Bytes() = %q, want %q", got.Bytes(), tt.wire)
			}
		})
	}
}

func TestBytes(t *testing.T) {
	tests := []struct {
		e    Entry
		want []byte
	}{
		{Entry{Kind: Server, Text: "250 OK"}, []byte("250 OK\r\n")},
		{Entry{Kind: Client, Text: "\n.\n", Exact: true}, []byte("\n.\n")},
		{Entry{Kind: Client}, []byte("\r\n")},
		{Entry{Kind: Event, Text: "closed"}, nil},
		{Entry{Kind: Comment, Text: "x"}, nil},
		{Entry{Kind: Elision, Text: "..."}, nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.e.Bytes()); diff != "" {
			t.Errorf("%+v.Bytes() (-want +got):\n%s", tt.e, diff)
		}
	}
}

func TestKindString(t *testing.T) {
	got := []string{Client.String(), Server.String(), Event.String(), Comment.String(),
		Blank.String(), Elision.String(), Kind(0).String()}
	want := []string{"client", "server", "event", "comment", "blank", "elision", "Kind(0)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Kind.String (-want +got):\n%s", diff)
	}
}

func TestWithSecret(t *testing.T) {
	e := FromWire(Client, []byte("AUTH PLAIN <redacted: AUTH PLAIN credentials>\r\n"))
	got := e.WithSecret("AGFsaWNlAHNlY3JldA==")
	want := Entry{Kind: Client, Text: "AUTH PLAIN AGFsaWNlAHNlY3JldA=="}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("WithSecret (-want +got):\n%s", diff)
	}
	plain := Entry{Kind: Client, Text: "QUIT"}
	if diff := cmp.Diff(plain, plain.WithSecret("x")); diff != "" {
		t.Errorf("WithSecret on a plain line (-want +got):\n%s", diff)
	}
}

func TestWriteCanonical(t *testing.T) {
	tr := &Transcript{
		Version: 1,
		Meta:    []KV{{"server", "sandbox"}},
		Entries: []Entry{
			{Kind: Client, Text: "two\nlines"}, // would break the file: written exactly
			{Kind: Client, Text: "ends in CR\r"},
			{Kind: Server, Text: "250 OK"},
			{Kind: Event, Text: "multi\nline event"},
			{Kind: Comment, Text: ""},
			{Kind: Blank},
			{Kind: Elision, Text: "..."},
		},
	}
	want := "# smtprepl transcript v1\n# server: sandbox\n" +
		"C= \"two\\nlines\\r\\n\"\nC= \"ends in CR\\r\\r\\n\"\nS: 250 OK\n=== multi line event\n#\n\n...\n"
	var b bytes.Buffer
	if _, err := tr.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("WriteTo (-want +got):\n%s", diff)
	}
}

// TestWriteShowsNoControls: whatever a server, a script or a file put in
// an entry, the written line holds nothing a terminal acts on. A wire line
// is written exactly (Go-quoted) so it still says what was sent; prose
// and a redacted line, which have no exact form, are shown escaped.
func TestWriteShowsNoControls(t *testing.T) {
	tr := &Transcript{
		Meta: []KV{{"server", "mx\x1b]0;PWN\x07"}},
		Entries: []Entry{
			{Kind: Comment, Text: "skipped, not sent: AUTH PL\x1b]0;PWN\x07AIN\u202e x"},
			{Kind: Event, Text: "closed \x9b2J"},
			{Kind: Client, Text: "NOOP \x1b[2J"},
			{Kind: Server, Text: "250 ok\u2067"},
			{Kind: Client, Text: "AUTH PL\x1b]0;PWN\x07AIN <redacted: AUTH SASL response>", Redacted: "AUTH SASL response"},
			{Kind: Client, Text: `NOOP a\x1b is four bytes`},
		},
	}
	want := "# server: mx\\x1b]0;PWN\\x07\n" +
		"# skipped, not sent: AUTH PL\\x1b]0;PWN\\x07AIN\\u202e x\n" +
		"=== closed \\x9b2J\n" +
		"C= \"NOOP \\x1b[2J\\r\\n\"\n" +
		"S= \"250 ok\\u2067\\r\\n\"\n" +
		"C: AUTH PL\\x1b]0;PWN\\x07AIN <redacted: AUTH SASL response>\n" +
		"C: NOOP a\\x1b is four bytes\n"
	var b bytes.Buffer
	if _, err := tr.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("WriteTo (-want +got):\n%s", diff)
	}
}

func TestWriteErrors(t *testing.T) {
	tests := []struct {
		name string
		tr   *Transcript
	}{
		{"bad key", &Transcript{Meta: []KV{{"two words", "x"}}}},
		{"value with newline", &Transcript{Meta: []KV{{"k", "a\nb"}}}},
		{"no kind", &Transcript{Entries: []Entry{{Text: "x"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.tr.WriteTo(&bytes.Buffer{})
			if err == nil || !strings.HasPrefix(err.Error(), "transcripts: ") {
				t.Errorf("err = %v, want a transcripts: error", err)
			}
		})
	}
}
