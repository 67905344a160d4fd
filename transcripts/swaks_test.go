package transcripts

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the expected transcripts of testdata/*.log and testdata/record")

// TestSwaksGolden reads each swaks log in testdata and compares the
// transcript with the .txt file of the same name; -update rewrites the
// .txt files, never the logs.
func TestSwaksGolden(t *testing.T) {
	logs, err := filepath.Glob("testdata/swaks-*.log")
	if err != nil || len(logs) == 0 {
		t.Fatalf("no swaks logs: %v", err)
	}
	for _, name := range logs {
		t.Run(filepath.Base(name), func(t *testing.T) { importGolden(t, name) })
	}
}

// importGolden imports the log at name (its kind detected) and compares
// the transcript with the .txt file of the same name, which -update
// rewrites. It returns the transcript.
func importGolden(t *testing.T, name string) string {
	t.Helper()
	log, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := Parse(bytes.NewReader(log)) // auto-detected
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if _, err := tr.WriteTo(&got); err != nil {
		t.Fatal(err)
	}
	golden := strings.TrimSuffix(name, ".log") + ".txt"
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got.String()); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", golden, diff)
	}
	return got.String()
}

func TestParseSwaksLines(t *testing.T) {
	tests := []struct {
		name, line string
		want       Entry
	}{
		{"client", " -> EHLO client.example", Entry{Kind: Client, Text: "EHLO client.example"}},
		{"client under TLS", " ~> MAIL FROM:<a@b>", Entry{Kind: Client, Text: "MAIL FROM:<a@b>"}},
		{"server", "<-  250-PIPELINING", Entry{Kind: Server, Text: "250-PIPELINING"}},
		{"server under TLS", "<~  250 2.1.5 Ok", Entry{Kind: Server, Text: "250 2.1.5 Ok"}},
		{"unexpected reply", "<** 550 5.1.1 unknown", Entry{Kind: Server, Text: "550 5.1.1 unknown"}},
		{"unexpected reply under TLS", "<~* 535 5.7.8 failed", Entry{Kind: Server, Text: "535 5.7.8 failed"}},
		{"send error", "**> DATA", Entry{Kind: Client, Text: "DATA"}},
		{"info", "=== Connected to 127.0.0.1.", Entry{Kind: Event, Text: "Connected to 127.0.0.1."}},
		{"indented info", "===               commonName=[localhost]",
			Entry{Kind: Event, Text: "              commonName=[localhost]"}},
		{"swaks error", "*** No authentication type succeeded",
			Entry{Kind: Event, Text: "error: No authentication type succeeded"}},
		{"empty body line", " -> ", Entry{Kind: Client}},
		{"empty body line, CR kept by swaks", " -> \r", Entry{Kind: Client}},
		{"empty body line, space lost in a paste", " ->", Entry{Kind: Client}},
		{"body line with leading spaces", " ~>  The next meeting", Entry{Kind: Client, Text: " The next meeting"}},
		{"leading space lost in a paste", "-> EHLO x", Entry{Kind: Client, Text: "EHLO x"}},
		{"one space after the reply arrow", "<- 220 ready", Entry{Kind: Server, Text: "220 ready"}},
		{"trailing space kept exactly", "<-  250 ", Entry{Kind: Server, Text: "250 \r\n", Exact: true}},
		{"comment", "# pasted from ticket 42", Entry{Kind: Comment, Text: "pasted from ticket 42"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := ParseSwaks([]byte(" -> x\n" + tt.line + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Line = 2
			if diff := cmp.Diff([]Entry{tt.want}, tr.Entries[1:]); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseSwaksSkips(t *testing.T) {
	in := " -> EHLO x\n\n  > 45 48 4c 4f\n<   32 35 30\n   \n<-  250 ok\n"
	tr, err := ParseSwaks([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{{Kind: Client, Text: "EHLO x", Line: 1}, {Kind: Server, Text: "250 ok", Line: 6}}
	if diff := cmp.Diff(want, tr.Entries); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}

func TestParseSwaksErrors(t *testing.T) {
	tests := []struct {
		name, input string
		line        int
	}{
		{"command line pasted", "$ swaks --to a@b\n=== Trying\n", 1},
		{"unknown arrow", " -> EHLO x\n<=  250 ok\n", 2},
		{"our notation mixed in", " -> EHLO x\nS: 250 ok\n", 2},
		{"bare CR", " -> a\rb\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSwaks([]byte(tt.input))
			var se *SyntaxError
			if !errors.As(err, &se) || se.Line != tt.line {
				t.Errorf("err = %v, want a syntax error on line %d", err, tt.line)
			}
		})
	}
}

func TestDetectSwaks(t *testing.T) {
	tests := []struct {
		name, input string
		swaks       bool
	}{
		{"swaks", "=== Trying 127.0.0.1:25...\n=== Connected\n<-  220 hi\n", true},
		{"swaks error first", "*** Error connecting to localhost:25:\n", true},
		{"transcript", "# smtprepl transcript v1\n=== connected\nS: 220 hi\n", false},
		{"exact form", "C= \"x\\n\"\n -> y\n", false},
		{"events only", "=== connected\n=== closed\n", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.input))
			for {
				if _, err := r.Next(); err != nil {
					break
				}
			}
			if got := r.format == swaks; got != tt.swaks {
				t.Errorf("read as swaks = %v, want %v", got, tt.swaks)
			}
		})
	}
}

// TestSwaksRedact checks the advice in ParseSwaks's documentation: a pasted
// log's AUTH answers are redacted before it is kept.
func TestSwaksRedact(t *testing.T) {
	log, err := os.ReadFile("testdata/swaks-postfix-starttls.log")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := ParseSwaks(log)
	if err != nil {
		t.Fatal(err)
	}
	if n := tr.Redact(); n != 2 {
		t.Errorf("Redact() = %d lines, want 2", n)
	}
	var b bytes.Buffer
	if _, err := tr.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"c3R1ZGVudA==", "c2VjcmV0"} {
		if strings.Contains(b.String(), secret) {
			t.Errorf("redacted transcript still holds %q", secret)
		}
	}
	for _, marker := range []string{"C: <redacted: AUTH LOGIN username>\n", "C: <redacted: AUTH LOGIN password>\n"} {
		if !strings.Contains(b.String(), marker) {
			t.Errorf("redacted transcript lacks %q", marker)
		}
	}
}
