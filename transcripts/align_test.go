package transcripts

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// steps of a transcript as "C: ..." and "S: ..." lines, for the table.
func script(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

// TestCompareAligns: the comparison pairs steps by command, so a command
// one side has and the other lacks is one difference, not all that follow.
func TestCompareAligns(t *testing.T) {
	base := []string{"S: 220 mx", "C: EHLO a", "S: 250 mx", "C: MAIL FROM:<a@b>", "S: 250 ok",
		"C: RCPT TO:<c@d>", "S: 250 ok", "C: QUIT", "S: 221 bye"}
	tests := []struct {
		name string
		got  []string
		want []string // "step W/G COMMAND: WHY"
	}{
		{name: "identical", got: base},
		{name: "an extra NOOP", got: []string{"S: 220 mx", "C: EHLO a", "S: 250 mx", "C: NOOP", "S: 250 ok", "C: MAIL FROM:<a@b>", "S: 250 ok",
			"C: RCPT TO:<c@d>", "S: 250 ok", "C: QUIT", "S: 221 bye"},
			want: []string{"step 3 0/3 NOOP: not in want"}},
		{name: "a missing RCPT", got: []string{"S: 220 mx", "C: EHLO a", "S: 250 mx", "C: MAIL FROM:<a@b>", "S: 250 ok", "C: QUIT", "S: 221 bye"},
			want: []string{"step 4 4/0 RCPT TO:<c@d>: missing from got"}},
		{name: "a changed command in place", got: []string{"S: 220 mx", "C: EHLO a", "S: 250 mx", "C: MAIL FROM:<x@y>", "S: 250 ok",
			"C: RCPT TO:<c@d>", "S: 250 ok", "C: QUIT", "S: 221 bye"},
			want: []string{`step 3 3/3 MAIL FROM:<a@b>: command: want "MAIL FROM:<a@b>", got "MAIL FROM:<x@y>"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, d := range Compare(mustParse(t, script(base...)), mustParse(t, script(tt.got...)), DefaultRules()) {
				got = append(got, strings.Join([]string{"step", itoa(d.Step), itoa(d.WantStep) + "/" + itoa(d.GotStep), d.Command + ":", d.Why}, " "))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestCompareEHLOAsASet: capabilities are compared as keywords with
// parameters; order alone is one note, which --ignore ehlo-order drops.
func TestCompareEHLOAsASet(t *testing.T) {
	want := script("C: EHLO a", "S: 250-mx", "S: 250-SIZE 10240000", "S: 250-VRFY", "S: 250 PIPELINING")
	tests := []struct {
		name   string
		got    string
		ignore []string
		why    string
	}{
		{name: "same", got: want},
		{name: "another order", got: script("C: EHLO a", "S: 250-mx", "S: 250-VRFY", "S: 250-SIZE 10240000", "S: 250 PIPELINING"),
			why: "capabilities: the same, in another order"},
		{name: "another order, ignored", got: script("C: EHLO a", "S: 250-mx", "S: 250-VRFY", "S: 250-SIZE 10240000", "S: 250 PIPELINING"),
			ignore: []string{"ehlo-order"}},
		{name: "SIZE changed, VRFY gone", got: script("C: EHLO a", "S: 250-mx", "S: 250-SIZE 4000000", "S: 250 PIPELINING"),
			why: "capability changed: SIZE 10240000 -> 4000000; capability only in want: VRFY"},
		{name: "one added, lower case", got: script("C: EHLO a", "S: 250-mx", "S: 250-SIZE 10240000", "S: 250-vrfy", "S: 250-PIPELINING", "S: 250 SMTPUTF8"),
			why: "capability only in got: SMTPUTF8"},
		{name: "ehlo ignored", got: script("C: EHLO a", "S: 250-mx", "S: 250 SIZE 1"), ignore: []string{"ehlo"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules := DefaultRules()
			rules.Ignore = tt.ignore
			diffs := Compare(mustParse(t, want), mustParse(t, tt.got), rules)
			why := ""
			if len(diffs) > 0 {
				why = diffs[0].Why
			}
			if len(diffs) > 1 || why != tt.why {
				t.Errorf("got %+v, want %q", diffs, tt.why)
			}
		})
	}
}

// TestCompareTLS: the TLS version is compared on the first step after
// the handshake, in either spelling.
func TestCompareTLS(t *testing.T) {
	rec := func(event string) string {
		return script("C: STARTTLS", "S: 220 go", "=== "+event, "C: EHLO a", "S: 250 mx", "C: QUIT", "S: 221 bye")
	}
	tests := []struct {
		name, want, got, why string
	}{
		{name: "same", want: "TLS established: TLS 1.3 TLS_AES_128_GCM_SHA256", got: "TLS established: TLS 1.3 TLS_AES_256_GCM_SHA384"},
		{name: "swaks spelling", want: "TLS started with cipher TLSv1.3:TLS_AES_256_GCM_SHA384:256", got: "TLS established: TLS 1.3 TLS_AES_128_GCM_SHA256"},
		{name: "downgraded", want: "TLS established: TLS 1.3 TLS_AES_128_GCM_SHA256", got: "TLS established: TLS 1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
			why: `TLS: want "TLS 1.3 TLS_AES_128_GCM_SHA256", got "TLS 1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"`},
		{name: "another 1.2 suite", want: "TLS established: TLS 1.2 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", got: "TLS established: TLS 1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
			why: `TLS: want "TLS 1.2 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", got "TLS 1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diffs := Compare(mustParse(t, rec(tt.want)), mustParse(t, rec(tt.got)), DefaultRules())
			var whys []string
			for _, d := range diffs {
				whys = append(whys, d.Command+": "+d.Why)
			}
			var want []string
			if tt.why != "" {
				want = []string{"EHLO a: " + tt.why}
			}
			if diff := cmp.Diff(want, whys); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestSummarise: a refused MAIL is one divergence with RCPT, DATA and the
// dot under it; a server without enhanced codes is one note.
func TestSummarise(t *testing.T) {
	want := script("S: 220 2.0.0 mx", "C: EHLO a", "S: 250 mx", "C: MAIL FROM:<a@b> SIZE=5000000", "S: 250 2.1.0 Ok",
		"C: RCPT TO:<c@d>", "S: 250 2.1.5 Ok", "C: DATA", "S: 354 go", "C: hi", "C: .", "S: 250 2.0.0 queued",
		"C: VRFY c@d", "S: 252 2.0.0 c@d", "C: QUIT", "S: 221 2.0.0 Bye")
	got := script("S: 220 mx", "C: EHLO a", "S: 250 mx", "C: MAIL FROM:<a@b> SIZE=5000000", "S: 552 Message size exceeds fixed limit",
		"C: RCPT TO:<c@d>", "S: 503 need MAIL", "C: DATA", "S: 503 need RCPT",
		"C: VRFY c@d", "S: 502 VRFY disabled", "C: QUIT", "S: 221 Bye")
	var diffs []Difference
	st, err := CompareStream(mustParse(t, want).Stream(), mustParse(t, got).Stream(), DefaultRules(), func(d Difference) error {
		diffs = append(diffs, d)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sum := Summarise(diffs, st, DefaultRules())
	var lines []string
	for _, d := range sum.Differences {
		lines = append(lines, d.Command+" <- "+itoa(d.Consequence)+": "+d.Why)
	}
	wantLines := []string{
		"MAIL FROM:<a@b> SIZE=5000000 <- 0: reply code: want 250, got 552",
		"RCPT TO:<c@d> <- 3: reply code: want 250, got 503",
		"DATA <- 3: reply code: want 354, got 503",
		". <- 3: missing from got",
		"VRFY c@d <- 0: reply code: want 252, got 502",
	}
	if diff := cmp.Diff(wantLines, lines); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if len(sum.Notes) != 1 || !strings.HasPrefix(sum.Notes[0], "got sends no enhanced status codes (RFC 3463) at all; want had them on 6 replies") || sum.Causes != 2 {
		t.Errorf("notes %q, causes %d", sum.Notes, sum.Causes)
	}
}

func TestCertFields(t *testing.T) {
	got := certFields("subject CN=mx.example.test,O=a; b; issuer CN=R3,O=Let's Encrypt; names mx.example.test, example.test; expires 2027-03-01")
	want := map[string]string{"subject": "CN=mx.example.test,O=a; b", "issuer": "CN=R3,O=Let's Encrypt", "names": "mx.example.test, example.test", "expires": "2027-03-01"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestCompareCertificate: the certificate recorded after the handshake is
// compared: another issuer or names is a difference, a renewal is not.
func TestCompareCertificate(t *testing.T) {
	rec := func(cert string) string {
		return script("C: STARTTLS", "S: 220 go", "=== TLS established: TLS 1.3 TLS_AES_128_GCM_SHA256", "=== certificate: "+cert, "C: EHLO a", "S: 250 mx")
	}
	base := "subject CN=mx; issuer CN=Old CA; names mx.example.test; expires 2027-01-01"
	tests := []struct{ name, got, why string }{
		{"same", base, ""},
		{"renewed", "subject CN=mx; issuer CN=Old CA; names mx.example.test; expires 2027-06-01", ""},
		{"new issuer and names", "subject CN=mx; issuer CN=New CA; names mx.example.test, mail.example.test; expires 2027-06-01",
			`certificate issuer: want "CN=Old CA", got "CN=New CA"; certificate names: want "mx.example.test", got "mx.example.test, mail.example.test"`},
		{"expires sooner", "subject CN=mx; issuer CN=Old CA; names mx.example.test; expires 2026-12-20",
			`certificate expires: earlier than recorded: want "2027-01-01", got "2026-12-20"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diffs := Compare(mustParse(t, rec(base)), mustParse(t, rec(tt.got)), DefaultRules())
			why := ""
			if len(diffs) > 0 {
				why = diffs[0].Why
			}
			if len(diffs) > 1 || why != tt.why {
				t.Errorf("got %+v\nwant %q", diffs, tt.why)
			}
		})
	}
}
