package transcripts

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/smtprepl/smtprepl/proto/visible"
)

func addFiles(f *testing.F, pattern string) {
	files, err := filepath.Glob(pattern)
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// asWritten is t as writing keeps it when it holds controls: a wire line
// in its exact form, with the same bytes; prose, metadata and redacted
// lines, which have no exact form, escaped.
func asWritten(t *Transcript) *Transcript {
	out := &Transcript{Version: t.Version}
	for _, kv := range t.Meta {
		out.Meta = append(out.Meta, KV{kv.Key, safeText(kv.Value)})
	}
	for _, e := range t.Entries {
		switch {
		case e.Wire() && !e.Exact && e.Redacted == "" && !visible.TextSafe(e.Text):
			e = Entry{Kind: e.Kind, Text: string(e.Bytes()), Exact: true}
		case e.Wire() && !e.Exact && e.Redacted != "":
			e.Text = safeText(e.Text)
			e.Redacted = redactedName(e.Text)
		case e.Kind == Comment, e.Kind == Event:
			e.Text = safeText(e.Text)
		}
		out.Entries = append(out.Entries, e)
	}
	return out
}

// checkStable writes t1, parses the result and writes it again: the
// transcript must come back as written (the same, unless it held
// controls) and the bytes the same.
func checkStable(t *testing.T, t1 *Transcript) {
	b1, err := t1.appendText(nil)
	if err != nil {
		t.Fatalf("writing a parsed transcript: %v", err)
	}
	t2, err := ParseBytes(b1)
	if err != nil {
		t.Fatalf("parsing what was written: %v\n%q", err, b1)
	}
	ignoreLines := cmpopts.IgnoreFields(Entry{}, "Line")
	if diff := cmp.Diff(asWritten(t1), t2, ignoreLines, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("parse, write, parse (-first +second):\n%s", diff)
	}
	b2, err := t2.appendText(nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(b1) != string(b2) {
		t.Fatalf("second write differs:\n%q\n%q", b1, b2)
	}
}

func FuzzParse(f *testing.F) {
	addFiles(f, "testdata/*.txt")
	for _, s := range []string{"", "C:\n", "C= \"\\x00\"\n", "# a: b\n#\n\n...\n===\n", "S: 250-a\n=== x\nS: 250 b\n",
		"C~ MAIL FROM:<.*@app\\.example>\nS: 250 ok\n", "C~ (\n", "C~\n", "S~ 250\n", "C: DATA\nS: 354 go\nC~ Subject: .*\nC~ \\.\nC: .\nS: 250 ok\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		t1, err := ParseBytes(data)
		// The stream, a byte at a time through a buffer shorter than
		// most lines, must read the same.
		t0, err0 := collect(newReaderSize(iotest.OneByteReader(bytes.NewReader(data)), 16))
		if (err == nil) != (err0 == nil) || err != nil && err.Error() != err0.Error() {
			t.Fatalf("whole: %v; a byte at a time: %v", err, err0)
		}
		if err != nil {
			return
		}
		if diff := cmp.Diff(t1, t0, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("whole vs a byte at a time (-whole +stream):\n%s", diff)
		}
		checkStable(t, t1)
		t1.Exchanges()
		if d := Compare(t1, t1, Rules{Exact: true, Volatile: DefaultVolatile()}); len(d) > 0 {
			t.Fatalf("a transcript differs from itself: %v", d)
		}
		t1.Redact()
	})
}

func FuzzParseSwaks(f *testing.F) {
	addFiles(f, "testdata/*.log")
	for _, s := range []string{" -> \r\n", "<- 220 x\n", "*** oops\n", "===\n", "-> a\n<** 5\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		t1, err := ParseSwaks(data)
		if err != nil {
			return
		}
		checkStable(t, t1)
	})
}

func FuzzTxtar(f *testing.F) {
	addFiles(f, "testdata/txtar/*.txtar")
	for _, s := range []string{"", "-- a --", "x\n-- a --\r", "-- --\n--  --\n-- a -- --\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a1 := ParseTxtar(data)
		b1 := FormatTxtar(a1)
		a2 := ParseTxtar(b1)
		if diff := cmp.Diff(a1, a2, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("parse, format, parse (-first +second):\n%s", diff)
		}
		if b2 := FormatTxtar(a2); string(b1) != string(b2) {
			t.Fatalf("second format differs:\n%q\n%q", b1, b2)
		}
	})
}

// FuzzShown: whatever a file or a server holds, what a report shows of it
// has no byte a terminal acts on (escapes are backslashed) and stays
// within a bound, however long the text.
func FuzzShown(f *testing.F) {
	for _, s := range []string{"250 ok", "\x1b]52;c;eA==\a", "\u202eevil", "\xc2\x85\x9b", strings.Repeat("\x00", 500)} {
		f.Add(s, s+"x", true)
	}
	f.Fuzz(func(t *testing.T, a, b string, exact bool) {
		e := Entry{Kind: Server, Text: a, Exact: exact}
		for _, out := range []string{shown(e), e.Shown(), contrast(a, b), quoteClip(a, maxShown), strings.Join(shownLines([]Entry{e, e}, 50), "\n")} {
			if !visible.Safe(strings.ReplaceAll(strings.ReplaceAll(out, `\`, ""), "\n", "")) {
				t.Fatalf("unsafe output %q", out)
			}
			if len(out) > 25*maxShown {
				t.Fatalf("%d bytes shown of %d and %d", len(out), len(a), len(b))
			}
		}
	})
}

// FuzzPattern: a client line always matches the pattern that quotes it,
// and a C~ line either parses to a pattern that is written back as read or
// is one error sentence.
func FuzzPattern(f *testing.F) {
	for _, s := range []string{"MAIL FROM:<a@b>", `RCPT TO:<(x|y)@z>`, "a{1000}", "\\", "(?i)ehlo .*", strings.Repeat("(", 50)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if visible.TextSafe(text) && len(regexp.QuoteMeta(text)) <= MaxPattern && !matchPattern(regexp.QuoteMeta(text), text) {
			t.Fatalf("%q does not match its own quoted pattern", text)
		}
		tr, err := ParseBytes([]byte("C~ " + text + "\n"))
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		checkStable(t, tr)
	})
}

// FuzzCompare aligns and summarises two hostile transcripts: nothing may
// panic, rows count up, and every difference names a side it comes from.
func FuzzCompare(f *testing.F) {
	f.Add("S: 220 a\nC: EHLO x\nS: 250-a\nS: 250 SIZE 1\nC: QUIT\nS: 221 b\n", "S: 220 a\nC: NOOP\nS: 250 ok\nC: EHLO x\nS: 250 a\nC: QUIT\nS: 221 b\n")
	f.Add("C: STARTTLS\nS: 220 go\n=== TLS established: TLS 1.3 X\nC: EHLO a\nS: 250 b\n", "C: MAIL FROM:<a>\nS: 552 no\nC: RCPT TO:<b>\nS: 503 no\n")
	f.Fuzz(func(t *testing.T, a, b string) {
		ta, err := Parse(strings.NewReader(a))
		if err != nil {
			return
		}
		tb, err := Parse(strings.NewReader(b))
		if err != nil {
			return
		}
		var diffs []Difference
		st, err := CompareStream(ta.Stream(), tb.Stream(), DefaultRules(), func(d Difference) error {
			diffs = append(diffs, d)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		last := 0
		for _, d := range diffs {
			if d.Step <= last || d.Step > st.Steps || (d.WantStep == 0 && d.GotStep == 0) {
				t.Fatalf("difference %+v after step %d of %d", d, last, st.Steps)
			}
			last = d.Step
		}
		sum := Summarise(diffs, st, DefaultRules())
		for _, d := range sum.Differences {
			if d.Consequence >= d.Step || d.Repeats >= d.Step {
				t.Fatalf("step %d follows from or repeats a later step: %+v", d.Step, d)
			}
		}
		var sb strings.Builder
		if err := FormatSummary(&sb, sum); err != nil {
			t.Fatal(err)
		}
	})
}
