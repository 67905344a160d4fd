package repl

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/proto/message"
	"github.com/smtprepl/smtprepl/proto/message/messagetest"
)

var sendClock = func() time.Time { return time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC) }

// fixedDraft is a draft whose bytes are the same on every run.
func fixedDraft(d Draft) Draft {
	d.Now, d.Boundary = sendClock, message.CounterBoundary("b")
	d.Headers = append([][2]string{{"Message-ID", "<1@client.example>"}}, d.Headers...)
	return d
}

// The attachment's type is guessed from its name, and the name is given
// in both places readers look.
func TestDraftAttachmentTypes(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ file, wantType string }{
		{"report.pdf", "application/pdf"},
		{"photo.png", "image/png"},
		{"notes.txt", "text/plain"},
		{"page.html", "text/html"},
		{"data.json", "application/json"},
		{"archive.unknownext", "application/octet-stream"},
		{"README", "application/octet-stream"},
	}
	d := Draft{From: "bob@example.test", To: []string{"alice@example.test"}, Subject: "files", Body: "see attached\n"}
	for _, tc := range cases {
		path := filepath.Join(dir, tc.file)
		if err := os.WriteFile(path, []byte("bytes of "+tc.file), 0o644); err != nil {
			t.Fatal(err)
		}
		d.Attach = append(d.Attach, path)
	}
	m, err := fixedDraft(d).Build()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	got := messagetest.Parse(t, buf.Bytes())
	if len(got.Leaves) != len(cases)+1 || got.Leaves[0].Body != "see attached\r\n" {
		t.Fatalf("leaves: %+v", got.Leaves)
	}
	for i, tc := range cases {
		leaf := got.Leaves[i+1]
		if leaf.Type != tc.wantType || leaf.Filename != tc.file || leaf.Disposition != "attachment" || leaf.Body != "bytes of "+tc.file {
			t.Errorf("%s: got type %q, file %q, disposition %q, body %q; want %q", tc.file, leaf.Type, leaf.Filename, leaf.Disposition, leaf.Body, tc.wantType)
		}
	}
}

// send's transcripts, golden: go test ./repl -run TestSendGolden -update
// rewrites testdata/send/*.golden.
func TestSendGolden(t *testing.T) {
	attach := []string{filepath.Join("testdata", "send", "report.pdf"), filepath.Join("testdata", "send", "counts.csv")}
	base := Draft{From: "bob@example.test", To: []string{"alice@example.test", "carol@example.test"}, Subject: "Quarterly report", Body: "The report is attached.\n.\n.. and two dots\n"}
	cases := []struct {
		name  string
		draft Draft
		cfg   Config
	}{
		{"header-and-attachments", withHeaderAndFiles(base, attach), Config{}},
		{"show-headers", withHeaderAndFiles(base, attach), Config{Show: ShowHeaders}},
		{"show-none-pipelined", base, Config{Show: ShowNone, Pipeline: true}},
		{"quit-after-rcpt", base, Config{StopAfter: StageRcpt}},
		{"drop-after-data", base, Config{StopAfter: StageData, DropAfter: true}},
		{"null-sender", Draft{To: []string{"alice@example.test"}, Subject: "bounce", Body: "undeliverable\n", Host: "client.example"}, Config{}},
		{"one-refused-recipient", Draft{From: "bob@example.test", To: []string{"nobody@example.test", "alice@example.test"}, Subject: "hi", Body: "hi\n"}, Config{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := startSandbox(t) // its own, for the same queue ids alone or not
			m, err := fixedDraft(tc.draft).Build()
			if err != nil {
				t.Fatal(err)
			}
			cfg := tc.cfg
			cfg.Addr, cfg.Timeout, cfg.EHLOName = srv.Addr().String(), 5*time.Second, "client.example"
			var out, errOut bytes.Buffer
			s := NewScriptSession(cfg, &out, &errOut)
			text := MessageReader(m)
			defer text.Close()
			err = s.Send(context.Background(), Mail{From: tc.draft.From, To: tc.draft.To, Text: text, Summary: Summary(m)})
			s.Close()
			got := portRE.ReplaceAllString(out.String(), "127.0.0.1:PORT")
			if err != nil {
				got += "error: " + err.Error() + "\n"
			}
			path := filepath.Join("testdata", "send", tc.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s differs (-want +got):\n%s", path, diff)
			}
		})
	}
}

func withHeaderAndFiles(d Draft, files []string) Draft {
	d.Headers = [][2]string{{"X-Campaign", "q4"}, {"Subject", "Quarterly report, final"}}
	d.Attach = files
	return d
}

// A missing attachment fails the build, before any command is sent.
func TestDraftMissingAttachment(t *testing.T) {
	d := Draft{From: "bob@example.test", To: []string{"alice@example.test"}, Attach: []string{filepath.Join(t.TempDir(), "none.pdf")}}
	if _, err := d.Build(); err == nil || !strings.Contains(err.Error(), "none.pdf") {
		t.Errorf("Build = %v, want an error naming the file", err)
	}
}

// BenchmarkSendMessage builds and writes a message with a 1 MiB
// attachment, what send does before and during DATA.
func BenchmarkSendMessage(b *testing.B) {
	path := filepath.Join(b.TempDir(), "data.bin")
	if err := os.WriteFile(path, bytes.Repeat([]byte("0123456789abcdef"), 1<<16), 0o644); err != nil {
		b.Fatal(err)
	}
	d := fixedDraft(Draft{From: "bob@example.test", To: []string{"alice@example.test"}, Subject: "bench", Body: "hello\n", Attach: []string{path}})
	b.SetBytes(1 << 20)
	b.ReportAllocs()
	for b.Loop() {
		m, err := d.Build()
		if err != nil {
			b.Fatal(err)
		}
		r := MessageReader(m)
		if _, err := bytes.NewBuffer(nil).ReadFrom(r); err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
}
