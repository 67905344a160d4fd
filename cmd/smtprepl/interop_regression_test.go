//go:build interop

package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestInteropRegression is the Postfix upgrade story: a session recorded
// against Postfix, replayed against the same Postfix after an upgrade that
// lowered message_size_limit, set disable_vrfy_command and dropped TLS 1.3
// (SMTPREPL_POSTFIX_CHANGED). The report names those three changes, each
// once, with the 552's consequences grouped under it, and the JUnit file
// is well-formed JUnit.
func TestInteropRegression(t *testing.T) {
	before, after, ca := os.Getenv("SMTPREPL_POSTFIX"), os.Getenv("SMTPREPL_POSTFIX_CHANGED"), os.Getenv("SMTPREPL_PEERS_CA")
	if before == "" || after == "" || ca == "" {
		t.Skip("SMTPREPL_POSTFIX, SMTPREPL_POSTFIX_CHANGED and SMTPREPL_PEERS_CA are not all set: start the peers (.ci/peers/start.sh)")
	}
	dir := t.TempDir()
	rec := filepath.Join(dir, "upgrade.txt")
	script := "EHLO client.example.test\nSTARTTLS\nEHLO client.example.test\nMAIL FROM:<bob@example.test> SIZE=5000000\n" +
		"RCPT TO:<alice@example.test>\nDATA\nSubject: upgrade\n\nhello\n.\nVRFY alice@example.test\nQUIT\n"
	if code, out := runBinary(t, iopBinary, script, "--timeout", iopReplyTimeout, "--cafile", ca, "--record", rec, before); code != exitOK {
		t.Fatalf("recording against Postfix: exit %d\n%s", code, out)
	}
	junit, js := filepath.Join(dir, "report.xml"), filepath.Join(dir, "report.json")
	code, out := runBinary(t, iopBinary, "", "replay", rec, "--against", after, "--cafile", ca, "--timeout", iopReplyTimeout, "--junit", junit, "--json", js)
	if code != exitReplies {
		t.Fatalf("replay: exit %d, want 1\n%s", code, out)
	}
	var rep suiteJSON
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil || len(rep.Files) != 1 {
		t.Fatalf("JSON report: %v\n%s", err, b)
	}
	var got []string
	for _, d := range rep.Files[0].Differences {
		line := d.Command + ": " + strings.Join(d.Why, "; ")
		if d.Consequence != 0 {
			line = "  follows: " + line
		}
		got = append(got, line)
	}
	want := []string{
		"EHLO client.example.test: capability changed: SIZE 10240000 -> 4000000; capability only in want: VRFY",
		`EHLO client.example.test: TLS: want "TLS 1.3 TLS_AES_128_GCM_SHA256", got "TLS 1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"`,
		`MAIL FROM:<bob@example.test> SIZE=5000000: reply code: want 250, got 552; enhanced code: want "2.1.0", got "5.3.4"`,
		`  follows: RCPT TO:<alice@example.test>: reply code: want 250, got 503; enhanced code: want "2.1.5", got "5.5.1"`,
		`  follows: DATA: reply code: want 354, got 503; enhanced code: want "", got "5.5.1"`,
		"  follows: .: missing from got",
		`VRFY alice@example.test: reply code: want 252, got 502; enhanced code: want "2.0.0", got "5.5.1"`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the regression report (-want +got):\n%s\n%s", diff, out)
	}
	if !strings.Contains(out, "the same capability differences as step 2") {
		t.Errorf("the second EHLO's capability differences are said again:\n%s", out)
	}

	b, err = os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var suites junitSuites
	if err := xml.Unmarshal(b, &suites); err != nil || len(suites.Suites) != 1 {
		t.Fatalf("JUnit report: %v\n%s", err, b)
	}
	s := suites.Suites[0]
	if s.Tests != 1 || s.Failures != 1 || len(s.Cases) != 1 || s.Cases[0].Failure == nil || s.Cases[0].Name != rec {
		t.Errorf("JUnit suite %+v", s)
	}
}

// TestInteropProviders replays a Postfix recording against Exim: what
// differs is the EHLO capabilities (said once for both EHLOs) and VRFY
// (Postfix 252, Exim 250); that Exim sends no enhanced status codes is
// one note, not a difference at each of the 9 replies that had one.
func TestInteropProviders(t *testing.T) {
	postfix, exim, ca := os.Getenv("SMTPREPL_POSTFIX"), os.Getenv("SMTPREPL_EXIM"), os.Getenv("SMTPREPL_PEERS_CA")
	if postfix == "" || exim == "" || ca == "" {
		t.Skip("SMTPREPL_POSTFIX, SMTPREPL_EXIM and SMTPREPL_PEERS_CA are not all set (Exim is optional)")
	}
	rec := filepath.Join(t.TempDir(), "postfix.txt")
	script := "EHLO client.example.test\nSTARTTLS\nEHLO client.example.test\nMAIL FROM:<bob@example.test>\nRCPT TO:<alice@example.test>\n" +
		"RCPT TO:<nobody@example.test>\nDATA\nSubject: compare\n\nhello\n.\nVRFY alice@example.test\nNOOP\nRSET\nQUIT\n"
	if code, out := runBinary(t, iopBinary, script, "--timeout", iopReplyTimeout, "--cafile", ca, "--record", rec, postfix); code != exitReplies {
		t.Fatalf("recording against Postfix: exit %d (want 1: nobody@ is refused)\n%s", code, out)
	}
	code, out := runBinary(t, iopBinary, "", "replay", rec, "--against", exim, "--cafile", ca, "--timeout", iopReplyTimeout)
	if code != exitReplies {
		t.Fatalf("replay: exit %d, want 1\n%s", code, out)
	}
	for _, w := range []string{
		"note: got sends no enhanced status codes (RFC 3463) at all",
		"replay: 3 of 13 steps differ, 1 note(s) on the whole session",
		"step 2   EHLO client.example.test\n         capability changed: SIZE 10240000 -> 10485760\n         capability only in want: ETRN, ENHANCEDSTATUSCODES, DSN\n         capability only in got: PIPECONNECT, HELP\n",
		"step 4   EHLO client.example.test\n         the same capability differences as step 2",
		"step 10  VRFY alice@example.test\n         reply code: want 252, got 250",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("the report lacks %q:\n%s", w, out)
		}
	}
}
