package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/proto/sandbox"
)

// TestReplaySuite records two sessions against the practice server,
// spoils one, and replays the directory: one summary, an exit code for
// all, and JUnit and JSON reports that say which one differed.
func TestReplaySuite(t *testing.T) {
	dir := t.TempDir()
	script := "EHLO me.example\nMAIL FROM:<bob@example.test>\nRCPT TO:<alice@example.test>\nRCPT TO:<carol@example.test>\nDATA\nSubject: hi\n\nhello\n.\nQUIT\n"
	// Both are good recordings; a greylisting server refuses the first
	// RCPT of each sender and recipient once, so the first replay differs
	// and the second, coming back, matches.
	good, bad := filepath.Join(dir, "a-two-recipients.txt"), filepath.Join(dir, "b-one-recipient.txt")
	if code, _, errOut := runCLI(t, script, "--record", good); code != exitOK {
		t.Fatalf("recording: exit %d: %s", code, errOut)
	}
	rec, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	one := strings.Replace(string(rec), "C: RCPT TO:<carol@example.test>\nS: 250 2.1.5 Ok\n", "", 1)
	if err := os.WriteFile(bad, []byte(one), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := sandbox.DefaultConfig()
	cfg.Greylist = true
	srv, err := sandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	addr, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	junit, js := filepath.Join(dir, "report.xml"), filepath.Join(dir, "report.json")
	code, out, errOut := runCmd(t, "", "replay", dir, "--against", addr.String(), "--junit", junit, "--json", js)
	if code != exitReplies {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, w := range []string{
		"=== " + good, "=== " + bad,
		"step 4   RCPT TO:<alice@example.test>\n         reply code: want 250, got 451",
		"what follows from it:\n           step 5   RCPT TO:<carol@example.test>: reply code: want 250, got 451",
		"           step 6   DATA: reply code: want 354, got 554",
		"           step 7   .: missing from got",
		"replay of 2 transcript(s):",
		"a-two-recipients.txt    8 steps  1 differ (+3 follow)", "b-one-recipient.txt    7 steps  match",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("stdout lacks %q:\n%s", w, out)
		}
	}

	b, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var suites junitSuites
	if err := xml.Unmarshal(b, &suites); err != nil {
		t.Fatalf("the JUnit report is not XML: %v\n%s", err, b)
	}
	if !strings.HasPrefix(string(b), `<?xml version="1.0" encoding="UTF-8"?>`) || len(suites.Suites) != 1 {
		t.Fatalf("JUnit report:\n%s", b)
	}
	s := suites.Suites[0]
	if s.Tests != 2 || s.Failures != 1 || s.Errors != 0 || len(s.Cases) != 2 || s.Cases[0].Failure == nil || s.Cases[1].Failure != nil {
		t.Errorf("JUnit suite %+v", s)
	}
	if f := s.Cases[0].Failure; f != nil && !strings.Contains(f.Text, "what follows from it") {
		t.Errorf("the failure does not carry the report: %q", f.Text)
	}

	b, err = os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var rep suiteJSON
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("the JSON report: %v\n%s", err, b)
	}
	if rep.Version != 1 || len(rep.Files) != 2 || rep.Files[0].Outcome != "differ" || rep.Files[1].Outcome != "match" {
		t.Fatalf("JSON report %+v", rep)
	}
	diffs := rep.Files[0].Differences
	if len(diffs) < 2 || diffs[0].Command != "RCPT TO:<alice@example.test>" || diffs[0].Consequence != 0 || diffs[1].Consequence != diffs[0].Step {
		t.Errorf("JSON differences %+v", diffs)
	}
}

// TestReplayJSONLines: -v --jsonl prints the replayed session as JSON
// Lines on stdout, one object per line, and the report on stderr.
func TestReplayJSONLines(t *testing.T) {
	code, out, errOut := runCmd(t, "", "replay", testdata+"rfc5321-d1-typical.txt", "-v", "--jsonl", "--against", "sandbox")
	if code != exitReplies {
		t.Fatalf("exit %d, want 1 (the sandbox is not foo.com)\n%s", code, errOut)
	}
	kinds := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var obj struct {
			V    int    `json:"v"`
			Kind string `json:"kind"`
		}
		if err := json.Unmarshal([]byte(line), &obj); err != nil || obj.V != 1 {
			t.Fatalf("not a JSON line: %q (%v)", line, err)
		}
		kinds[obj.Kind]++
	}
	if kinds["client"] == 0 || kinds["server"] == 0 || !strings.Contains(errOut, "steps differ") {
		t.Errorf("kinds %v, stderr %q", kinds, errOut)
	}
}

// junitSuites reads writeJUnit's output back, as a CI's test reporter
// would.
type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

// xmlSafe is what an XML document can carry of s: every rune outside XML
// 1.0's Char production (an invalid byte ranges as U+FFFD) is U+FFFD.
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 {
			return r
		}
		return '\uFFFD'
	}, s)
}

// checkJUnitRoundTrip writes a suite whose names and texts are the given
// strings and reads it back with encoding/xml: it must parse, and every
// string must come back as it went in, bar what XML cannot carry.
func checkJUnitRoundTrip(t *testing.T, name, message, text string) {
	t.Helper()
	in := junitSuite{Name: name, Tests: 2, Failures: 1, Errors: 1, Time: "0.010", Cases: []junitCase{
		{Name: name, Classname: "smtprepl.replay", Time: "0.004", Failure: &junitProblem{Message: message, Type: "difference", Text: text}},
		{Name: text, Classname: "smtprepl.replay", Time: "0.006", Error: &junitProblem{Message: text, Type: "replay"}},
	}}
	doc := junitXML(in)
	var got junitSuites
	if err := xml.Unmarshal([]byte(doc), &got); err != nil {
		t.Fatalf("not XML: %v\n%s", err, doc)
	}
	want := in
	want.Name = xmlSafe(name)
	want.Cases = []junitCase{
		{Name: xmlSafe(name), Classname: "smtprepl.replay", Time: "0.004", Failure: &junitProblem{Message: xmlSafe(message), Type: "difference", Text: xmlSafe(text)}},
		{Name: xmlSafe(text), Classname: "smtprepl.replay", Time: "0.006", Error: &junitProblem{Message: xmlSafe(text), Type: "replay"}},
	}
	if len(got.Suites) != 1 {
		t.Fatalf("%d suites in\n%s", len(got.Suites), doc)
	}
	if diff := cmp.Diff(want, got.Suites[0]); diff != "" {
		t.Errorf("read back (-want +got):\n%s\n%s", diff, doc)
	}
}

// TestJUnitXML: what a transcript's name or a failure's report may hold
// reaches the JUnit file escaped and reads back the same.
func TestJUnitXML(t *testing.T) {
	for _, tc := range []struct{ name, message, text string }{
		{"plain.txt", "1 of 8 steps differ", "step 4 RCPT TO:<alice@example.test>\n  reply code: want 250, got 451\n"},
		{`a&b<c>"d'e.txt`, `quotes " and ' and & and <tags>`, "]]> ends no CDATA here"},
		{"crlf.txt", "line\r\nends", "tab\there\r\nCR LF, lone CR\r and LF\n"},
		{"ctl\x00\x1b[31m.txt", "bell\a", "NUL \x00, ESC \x1b, DEL \x7f and C1 \u0085 stay text or become U+FFFD"},
		{"bad-utf8-\xff\xfe.txt", "U+FFFE \ufffe U+FFFF \uffff", "emoji 📬 and é"},
		{"", "", ""},
	} {
		checkJUnitRoundTrip(t, tc.name, tc.message, tc.text)
	}
}

func FuzzJUnitXML(f *testing.F) {
	f.Add("a&b<c>.txt", "1 of 2 steps differ", "want 250\r\ngot 451\n")
	f.Add("\x00\xff", "\ufffe", "\t\"'")
	f.Fuzz(func(t *testing.T, name, message, text string) {
		checkJUnitRoundTrip(t, name, message, text)
	})
}
