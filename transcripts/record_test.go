package transcripts

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// feed is one call on a Recorder: "C" client bytes, "S" server bytes, "E"
// an event.
type feed struct{ side, data string }

func record(t *testing.T, feeds []feed) string {
	t.Helper()
	var b bytes.Buffer
	r := NewRecorder(&b, KV{"server", "test"})
	for _, f := range feeds {
		switch f.side {
		case "C":
			r.Client([]byte(f.data))
		case "S":
			r.Server([]byte(f.data))
		case "E":
			r.Event(f.data)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(b.String(), "# smtprepl transcript v1\n# server: test\n")
}

// TestRecorderTranscripts plays the cases in testdata/record: "feed" is
// the calls on a Recorder, one a line, the side ("C" client bytes, "S"
// server bytes, "E" an event) and the Go-quoted bytes; "want" is what it
// must record; "secrets" (optional) are strings that must not appear in
// it. A new case is a new file; -update rewrites "want".
func TestRecorderTranscripts(t *testing.T) {
	paths, err := filepath.Glob("testdata/record/*.txtar")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no recorder cases: %v", err)
	}
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			a := ParseTxtar(data)
			got := record(t, parseFeeds(t, archiveFile(a, "feed")))
			if *update {
				setArchiveFile(a, "want", got)
				if err := os.WriteFile(path, FormatTxtar(a), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if diff := cmp.Diff(archiveFile(a, "want"), got); diff != "" {
				t.Errorf("recorded (-want +got):\n%s", diff)
			}
			checkRecorded(t, got, strings.Fields(archiveFile(a, "secrets")))
		})
	}
}

// checkRecorded checks that a recording holds none of the secrets, parses,
// and leaves Redact nothing to do.
func checkRecorded(t *testing.T, got string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(got, s) {
			t.Errorf("the secret %q was recorded", s)
		}
	}
	tr, err := ParseBytes([]byte(got))
	if err != nil {
		t.Fatalf("recorded transcript does not parse: %v", err)
	}
	if n := tr.Redact(); n != 0 {
		t.Errorf("Redact found %d secrets left in the recording", n)
	}
}

// parseFeeds reads a "feed" section: a side letter and a Go-quoted string
// on each line.
func parseFeeds(t *testing.T, text string) []feed {
	t.Helper()
	var out []feed
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		side, quoted, _ := strings.Cut(line, " ")
		data, err := strconv.Unquote(quoted)
		if err != nil || !strings.Contains("CSE", side) || len(side) != 1 {
			t.Fatalf("feed line %d: %q is not a side (C, S or E) and a quoted string", i+1, line)
		}
		out = append(out, feed{side, data})
	}
	return out
}

func archiveFile(a *Archive, name string) string {
	for _, f := range a.Files {
		if f.Name == name {
			return string(f.Data)
		}
	}
	return ""
}

func setArchiveFile(a *Archive, name, data string) {
	for i := range a.Files {
		if a.Files[i].Name == name {
			a.Files[i].Data = []byte(data)
			return
		}
	}
	a.Files = append(a.Files, File{Name: name, Data: []byte(data)})
}

func TestRecorderMarkersParse(t *testing.T) {
	got := record(t, []feed{{"C", "AUTH LOGIN\r\n"}, {"S", "334 VXNlcm5hbWU6\r\n"}, {"C", "YWxpY2U=\r\n"}})
	tr, err := ParseBytes([]byte(got))
	if err != nil {
		t.Fatal(err)
	}
	last := tr.Entries[len(tr.Entries)-1]
	if last.Redacted != "AUTH LOGIN username" {
		t.Errorf("Redacted = %q, want %q", last.Redacted, "AUTH LOGIN username")
	}
	if got := string(last.WithSecret("YWxpY2U=").Bytes()); got != "YWxpY2U=\r\n" {
		t.Errorf("WithSecret().Bytes() = %q", got)
	}
}

// flushCounter counts flushes, to check that every line is flushed.
type flushCounter struct {
	*bufio.Writer
	flushes int
}

func (f *flushCounter) Flush() error {
	f.flushes++
	return f.Writer.Flush()
}

func TestRecorderFlushesEachLine(t *testing.T) {
	var b bytes.Buffer
	w := &flushCounter{Writer: bufio.NewWriter(&b)}
	r := NewRecorder(w)
	r.Server([]byte("220 hi\r\n"))
	r.Client([]byte("EHLO x\r\nNOOP\r\n"))
	if w.flushes != 4 { // the header, then one per entry
		t.Errorf("flushes = %d, want 4", w.flushes)
	}
	if want := "# smtprepl transcript v1\nS: 220 hi\nC: EHLO x\nC: NOOP\n"; b.String() != want {
		t.Errorf("written before Close = %q, want %q", b.String(), want)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

type failWriter struct{ after int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.after == 0 {
		return 0, errors.New("disk full")
	}
	f.after--
	return len(p), nil
}

func TestRecorderErrors(t *testing.T) {
	r := NewRecorder(&failWriter{after: 1})
	r.Server([]byte("220 hi\r\n"))
	r.Client([]byte("QUIT\r\n"))
	err := r.Close()
	if err == nil || err.Error() != "transcripts: disk full" {
		t.Errorf("Close() = %v, want the first write error", err)
	}
	bad := NewRecorder(&bytes.Buffer{}, KV{"two words", "x"})
	if err := bad.Close(); err == nil {
		t.Error("Close() = nil for bad metadata")
	}
}

func TestRecorderClosed(t *testing.T) {
	var b bytes.Buffer
	r := NewRecorder(&b)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r.Client([]byte("QUIT\r\n"))
	r.Event("late")
	if got := b.String(); got != "# smtprepl transcript v1\n" {
		t.Errorf("recorded after Close: %q", got)
	}
}

// TestRecorderConcurrent feeds both directions from two goroutines, as a
// tap on a connection does; run it with -race.
func TestRecorderConcurrent(t *testing.T) {
	var b bytes.Buffer
	r := NewRecorder(&b)
	var wg sync.WaitGroup
	for side := range 2 {
		wg.Go(func() {
			for i := range 100 {
				line := []byte(fmt.Sprintf("NOOP %d\r\n", i))
				if side == 0 {
					r.Client(line)
				} else {
					r.Server([]byte(fmt.Sprintf("250 %d\r\n", i)))
				}
			}
		})
	}
	wg.Wait()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	tr, err := ParseBytes(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Entries) != 200 {
		t.Errorf("recorded %d entries, want 200", len(tr.Entries))
	}
}
