package transcripts

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func mustParse(t testing.TB, s string) *Transcript {
	t.Helper()
	tr, err := ParseBytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// session is a Postfix-like session; the tests change parts of it.
const session = `S: 220 mx.example.test ESMTP Postfix (Debian/GNU)
C: EHLO client.example
S: 250-mx.example.test
S: 250-PIPELINING
S: 250 ENHANCEDSTATUSCODES
C: MAIL FROM:<a@example.org>
S: 250 2.1.0 Ok
C: RCPT TO:<b@example.test>
S: 250 2.1.5 Ok
C: DATA
S: 354 End data with <CR><LF>.<CR><LF>
C: Date: Thu, 21 May 1998 05:33:29 -0700
C: .
S: 250 2.0.0 Ok: queued as 4XyZ12ab
C: QUIT
S: 221 2.0.0 Bye
`

// ignoreAlignment leaves out what TestCompareAligns checks, so the
// tables here read as the reports do.
var ignoreAlignment = cmpopts.IgnoreFields(Difference{}, "WantStep", "GotStep", "Reasons")

func TestCompare(t *testing.T) {
	noQueueID := DefaultRules()
	noQueueID.Exact = true
	noQueueID.Volatile = noQueueID.Volatile[1:] // drop "queue-id"
	exact := DefaultRules()
	exact.Exact = true
	tests := []struct {
		name  string
		edits []string // old, new, old, new...: how got differs from session
		rules Rules
		want  []Difference
	}{
		{name: "identical", rules: Rules{}},
		{
			name:  "reply code",
			edits: []string{"250 2.1.5 Ok", "550 5.1.1 <b@example.test>: Recipient address rejected"},
			rules: Rules{},
			want: []Difference{{Step: 4, Command: "RCPT TO:<b@example.test>", Want: []string{"250 2.1.5 Ok"},
				Got: []string{"550 5.1.1 <b@example.test>: Recipient address rejected"},
				Why: `reply code: want 250, got 550; enhanced code: want "2.1.5", got "5.1.1"`}},
		},
		{
			name:  "line count",
			edits: []string{"250 ENHANCEDSTATUSCODES", "250-ENHANCEDSTATUSCODES\nS: 250 SMTPUTF8"},
			rules: Rules{},
			want: []Difference{{Step: 2, Command: "EHLO client.example",
				Want: []string{"250-mx.example.test", "250-PIPELINING", "250 ENHANCEDSTATUSCODES"},
				Got:  []string{"250-mx.example.test", "250-PIPELINING", "250-ENHANCEDSTATUSCODES", "250 SMTPUTF8"},
				Why:  "capability only in got: SMTPUTF8"}},
		},
		{name: "text ignored by default", edits: []string{"221 2.0.0 Bye", "221 2.0.0 See you"}, rules: DefaultRules()},
		{
			name: "text compared when exact", edits: []string{"221 2.0.0 Bye", "221 2.0.0 See you"}, rules: exact,
			want: []Difference{{Step: 7, Command: "QUIT", Want: []string{"221 2.0.0 Bye"},
				Got: []string{"221 2.0.0 See you"}, Why: `line 1: want "221 2.0.0 Bye", got "221 2.0.0 See you"`}},
		},
		{
			name: "volatile parts masked",
			edits: []string{"Ok: queued as 4XyZ12ab", "Ok: queued as 9QrS34tu",
				"ESMTP Postfix (Debian/GNU)", "ESMTP Postfix 3.7.11",
				"250-mx.example.test", "250-mx.example.test Hello client.example [127.0.0.1]"},
			rules: exact,
		},
		{
			name:  "a dropped rule counts again",
			edits: []string{"Ok: queued as 4XyZ12ab", "Ok: queued as 9QrS34tu"},
			rules: noQueueID,
			want: []Difference{{Step: 6, Command: ".", Want: []string{"250 2.0.0 Ok: queued as 4XyZ12ab"},
				Got: []string{"250 2.0.0 Ok: queued as 9QrS34tu"},
				Why: `line 1: want "250 2.0.0 Ok: queued as 4XyZ12ab", got "250 2.0.0 Ok: queued as 9QrS34tu"`}},
		},
		{
			name:  "command differs",
			edits: []string{"C: MAIL FROM:<a@example.org>", "C: MAIL FROM:<c@example.org>"},
			want: []Difference{{Step: 3, Command: "MAIL FROM:<a@example.org>", Want: []string{"250 2.1.0 Ok"},
				Got: []string{"250 2.1.0 Ok"},
				Why: `command: want "MAIL FROM:<a@example.org>", got "MAIL FROM:<c@example.org>"`}},
		},
		{
			name: "missing reply", edits: []string{"S: 221 2.0.0 Bye\n", ""},
			want: []Difference{{Step: 7, Command: "QUIT", Want: []string{"221 2.0.0 Bye"},
				Why: "no reply in got"}},
		},
		{
			name:  "extra reply",
			edits: []string{"S: 221 2.0.0 Bye\n", "S: 221 2.0.0 Bye\nS: 421 4.4.2 gone\n"},
			want: []Difference{{Step: 8, Command: Unsolicited, Got: []string{"421 4.4.2 gone"},
				Why: "not in want"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.NewReplacer(tt.edits...).Replace(session)
			diffs := Compare(mustParse(t, session), mustParse(t, got), tt.rules)
			if diff := cmp.Diff(tt.want, diffs, ignoreAlignment); diff != "" {
				t.Errorf("Compare (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCompareVolatileDefaults(t *testing.T) {
	tests := []struct{ name, want, got string }{
		{"exim id", "C: DATA\nS: 250 OK id=1n59wq-00068T-DY\n", "C: DATA\nS: 250 OK id=1pQ3rs-0007aB-XY\n"},
		{"date", "S: 220 mx ESMTP\nC: NOOP\nS: 250 ok Tue, 2 Mar 1999 09:44:33 +0000\n",
			"S: 220 mx ESMTP\nC: NOOP\nS: 250 ok Mon, 23 Nov 2026 11:06:29 +0000\n"},
		{"hex blob", "S: 220 mx ESMTP\nC: NOOP\nS: 250 ok (2cca12787012f064281cf8557700560b)\n",
			"S: 220 mx ESMTP\nC: NOOP\nS: 250 ok (0123456789abcdef0123456789abcdef)\n"},
		{"gmail session", "S: 220 mx.google.com ESMTP c32si1909532plj.38 - gsmtp\n",
			"S: 220 mx.google.com ESMTP 4fb4d7f45d1cf-6aa67d1108csi.33 - gsmtp\n"},
		{"greeting text", "S: 220 mx.example.test ESMTP Postfix\n", "S: 220 mx.example.test ESMTP Exim 4.96\n"},
		{"ehlo first line", "C: EHLO x\nS: 250-mx greets x\nS: 250 SIZE 1000\n",
			"C: EHLO x\nS: 250-mx Hello x [127.0.0.1]\nS: 250 SIZE 1000\n"},
		{"helo", "C: HELO x\nS: 250 mx greets x\n", "C: HELO x\nS: 250 mx Hello x\n"},
	}
	rules := DefaultRules()
	rules.Exact = true
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, g := mustParse(t, tt.want), mustParse(t, tt.got)
			if diffs := Compare(w, g, rules); len(diffs) != 0 {
				t.Errorf("with the default volatile rules: %+v", diffs)
			}
			if diffs := Compare(w, g, Rules{Exact: true}); len(diffs) != 1 {
				t.Errorf("without volatile rules: %d differences, want 1", len(diffs))
			}
		})
	}
}

func TestCompareScoping(t *testing.T) {
	rules := DefaultRules()
	rules.Exact = true
	// The greeting and EHLO rules must not swallow other replies' text.
	tests := []struct{ name, want, got string }{
		{"STARTTLS reply is not a greeting", "S: 220 mx ESMTP\nC: STARTTLS\nS: 220 2.0.0 Ready to start TLS\n",
			"S: 220 mx ESMTP\nC: STARTTLS\nS: 220 2.0.0 Go ahead\n"},
		{"later EHLO lines are compared", "C: EHLO x\nS: 250-mx hi\nS: 250 SIZE 1000\n",
			"C: EHLO x\nS: 250-mx hi\nS: 250 SIZE 2000\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diffs := Compare(mustParse(t, tt.want), mustParse(t, tt.got), rules); len(diffs) != 1 {
				t.Errorf("%d differences, want 1: %+v", len(diffs), diffs)
			}
		})
	}
}

// TestComparePipelined pairs replies with commands in the order sent, so
// the pipelined and the lock-step RFC 2920 dialogues differ only where
// their texts do: HELO against EHLO, and its one-line reply.
func TestComparePipelined(t *testing.T) {
	plain := parseFile(t, "testdata/rfc2920-without-pipelining.txt")
	piped := parseFile(t, "testdata/rfc2920-pipelining.txt")
	want := []Difference{{
		Step: 2, Command: "HELO dbc.mtview.ca.us",
		Want: []string{"250 Innosoft.com"}, Got: []string{"250-innosoft.com", "250 PIPELINING"},
		Why: `command: want "HELO dbc.mtview.ca.us", got "EHLO dbc.mtview.ca.us"; reply lines: want 1, got 2`,
	}}
	if diff := cmp.Diff(want, Compare(plain, piped, Rules{}), ignoreAlignment); diff != "" {
		t.Errorf("Compare (-want +got):\n%s", diff)
	}
}

func TestCompareClientDidNotWait(t *testing.T) {
	// RCPT's reply arrives after DATA was sent: it still answers RCPT.
	want := mustParse(t, "C: MAIL FROM:<a@b>\nS: 250 ok\nC: RCPT TO:<c@d>\nS: 550 no\nC: DATA\nS: 554 no rcpt\n")
	got := mustParse(t, "C: MAIL FROM:<a@b>\nC: RCPT TO:<c@d>\nS: 250 ok\nC: DATA\nS: 550 no\nS: 554 no rcpt\n")
	if diffs := Compare(want, got, DefaultRules()); len(diffs) != 0 {
		t.Errorf("differences: %+v", diffs)
	}
}

func TestCompareRedacted(t *testing.T) {
	want := mustParse(t, "C: AUTH PLAIN <redacted: AUTH PLAIN credentials>\nS: 235 ok\n"+
		"C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: <redacted: AUTH LOGIN username>\nS: 535 no\n")
	got := mustParse(t, "C: AUTH PLAIN AGFsaWNlAHNlY3JldA==\nS: 235 ok\n"+
		"C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: <redacted: AUTH LOGIN username>\nS: 535 no\n")
	if diffs := Compare(want, got, DefaultRules()); len(diffs) != 0 {
		t.Errorf("differences: %+v", diffs)
	}
	other := mustParse(t, "C: AUTH LOGIN AGFsaWNl\nS: 235 ok\nC: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: x\nS: 535 no\n")
	if diffs := Compare(want, other, DefaultRules()); len(diffs) != 1 || diffs[0].Step != 1 {
		t.Errorf("want one difference at step 1, got %+v", diffs)
	}
}

func TestFormatDifferences(t *testing.T) {
	diffs := []Difference{
		{Step: 4, Command: "RCPT TO:<Green@foo.com>", Want: []string{"550 No such user here"},
			Got: []string{"250 OK"}, Why: "reply code: want 550, got 250"},
		{Step: 7, Command: "QUIT", Want: []string{"221-bye", "221 really"},
			Why: "no reply in got"},
	}
	want := `step 4   RCPT TO:<Green@foo.com>
         reply code: want 550, got 250
         want                  | got
         550 No such user here | 250 OK
step 7   QUIT
         no reply in got
         want       | got
         221-bye    | (none)
         221 really |
`
	var b bytes.Buffer
	if err := FormatDifferences(&b, diffs); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("FormatDifferences (-want +got):\n%s", diff)
	}
	if err := FormatDifferences(&failWriter{}, diffs); err == nil || !strings.HasPrefix(err.Error(), "transcripts: ") {
		t.Errorf("FormatDifferences to a failing writer = %v", err)
	}
}
