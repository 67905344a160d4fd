package export

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/transcripts"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/* from what the exports write now")

func readSession(t *testing.T) *transcripts.Transcript {
	t.Helper()
	b, err := os.ReadFile("testdata/session.txt")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := transcripts.ParseBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestFormats keeps each export of one session in a golden file; the
// cmd package's tests run them against real servers.
func TestFormats(t *testing.T) {
	tr := readSession(t)
	for _, f := range Formats() {
		t.Run(f.Name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, f.Name, tr, "session.txt", ""); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "golden", f.Name)
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./export -update writes it)", err)
			}
			if diff := cmp.Diff(string(want), b.String()); diff != "" {
				t.Errorf("%s export (-golden +got):\n%s", f.Name, diff)
			}
			if strings.Contains(b.String(), "secret") || strings.Contains(b.String(), "AHN0dWRlbnQAc2VjcmV0") {
				t.Errorf("a secret reached the %s export", f.Name)
			}
		})
	}
}

func TestSession(t *testing.T) {
	s, err := FromTranscript(readSession(t), "")
	if err != nil {
		t.Fatal(err)
	}
	want := Message{From: "bob@example.test", To: []string{"alice@example.test", "carol@example.test"},
		Text: []string{"Subject: export", "From: bob@example.test", "", "hello", ".dot line"}}
	if diff := cmp.Diff([]Message{want}, s.Messages); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	if s.Server != "mx.example.test:587" || s.Implicit || !s.StartTLS() || s.AuthMechanism() != "PLAIN" || s.EHLOName() != "client.example" {
		t.Errorf("session %+v", s)
	}
}

func TestExportErrors(t *testing.T) {
	noServer, _ := transcripts.ParseBytes([]byte("S: 220 hi\nC: QUIT\nS: 221 bye\n"))
	noMessage, _ := transcripts.ParseBytes([]byte("# server: a.test:25\nS: 220 hi\nC: EHLO x\nS: 250 a\nC: QUIT\nS: 221 bye\n"))
	tests := []struct {
		name, format string
		tr           *transcripts.Transcript
		err          string
	}{
		{"unknown format", "perl", noMessage, `no export called "perl" (formats: swaks, curl, python, go, mermaid, eml)`},
		{"no server", "swaks", noServer, `the transcript names no server (no "# server:" line): give one with --server HOST:PORT`},
		{"no message for swaks", "swaks", noMessage, errNoMessage.Error()},
		{"no message for eml", "eml", noMessage, errNoMessage.Error()},
		{"a diagram needs no server", "mermaid", noServer, ""},
		{"python repeats any session", "python", noMessage, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Write(&bytes.Buffer{}, tt.format, tt.tr, "x.txt", "")
			if got := errText(err); got != tt.err {
				t.Errorf("error %q, want %q", got, tt.err)
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestMermaidText(t *testing.T) {
	for in, want := range map[string]string{
		"MAIL FROM:<a@b>":   "MAIL FROM:#lt;a@b#gt;",
		"a;b#c":             "a#59;b#35;c",
		"esc\x1b[2Jnow":     "esc#27;[2Jnow",
		"tab\there":         "tab#9;here",
		"plain text 250 ok": "plain text 250 ok",
	} {
		if got := mermaidText(in); got != want {
			t.Errorf("mermaidText(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzExport: a transcript is a file from anywhere; every export of it
// either fails with an error or writes text without control characters
// but for newlines and tabs.
func FuzzExport(f *testing.F) {
	b, err := os.ReadFile("testdata/session.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("# server: h:25\nS: 220 x\nC: MAIL FROM:<a\x01>\nS: 250 ok\nC: DATA\nS: 354 go\nC: SMTPREPL_MESSAGE\nC: .\nS: 250 ok\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := transcripts.ParseBytes(data)
		if err != nil {
			return
		}
		for _, fm := range Formats() {
			var out bytes.Buffer
			if Write(&out, fm.Name, tr, "f\x1b.txt", "") != nil {
				continue
			}
			if fm.Name == "eml" {
				continue // the message itself, as sent
			}
			for _, r := range out.String() {
				if r < ' ' && r != '\n' && r != '\t' || r == 0x7f {
					t.Fatalf("%s export holds %U:\n%s", fm.Name, r, out.String())
				}
			}
		}
	})
}
