package transcripts

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/sandbox"
)

// testTimeout bounds every network wait in these tests.
const testTimeout = 10 * time.Second

func readTestdata(t *testing.T, name string) *Transcript {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return mustParse(t, string(b))
}

// startMock serves a mock of tr on 127.0.0.1 for one session; the returned
// function waits for that session's report.
func startMock(t *testing.T, tr *Transcript) (addr, caFile string, report func() MockReport) {
	t.Helper()
	return startMockConfig(t, tr, MockConfig{Timeout: testTimeout, Logf: t.Logf})
}

// startMockConfig is startMock with a configuration of its own.
func startMockConfig(t *testing.T, tr *Transcript, cfg MockConfig) (addr, caFile string, report func() MockReport) {
	t.Helper()
	m, err := NewMock(tr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(t.TempDir(), "mock.pem")
	if err := os.WriteFile(caFile, m.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	done := make(chan MockReport, 1)
	go func() {
		reps, err := m.Serve(ctx, ln, true)
		if err != nil {
			t.Error(err)
		}
		var rep MockReport
		if len(reps) > 0 {
			rep = reps[0]
		}
		done <- rep
	}()
	t.Cleanup(func() { cancel(); ln.Close() })
	return ln.Addr().String(), caFile, func() MockReport { return <-done }
}

func dialTest(t *testing.T, addr string, tlsOpts proto.TLSOptions) *proto.Client {
	t.Helper()
	c, err := proto.Dial(context.Background(), addr, proto.Options{Timeout: testTimeout, TLS: tlsOpts})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// replayTest replays want against addr and returns the differences under
// rules.
func replayTest(t *testing.T, addr string, tlsOpts proto.TLSOptions, want *Transcript, opts ReplayOptions, rules Rules) ([]Difference, *Transcript) {
	t.Helper()
	c := dialTest(t, addr, tlsOpts)
	got, err := Replay(context.Background(), c, want, opts)
	if err != nil {
		t.Fatalf("Replay: %v", err)
	}
	return Compare(want, got, rules), got
}

// TestMockReplay is the acceptance round trip in the package: the mock of
// each recording in testdata (RFC 5321 D.1 to D.4, RFC 2920, swaks logs of
// Postfix and smtp-sink, ...), replayed by Replay, matches it, even with
// Exact.
func TestMockReplay(t *testing.T) {
	names, err := filepath.Glob("testdata/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	logs, _ := filepath.Glob("testdata/*.log")
	for _, name := range append(names, logs...) {
		for _, strict := range []bool{false, true} {
			name := filepath.Base(name)
			t.Run(fmt.Sprintf("%s/strict=%v", name, strict), func(t *testing.T) {
				want := readTestdata(t, name)
				addr, ca, report := startMockConfig(t, want, MockConfig{Timeout: testTimeout, Logf: t.Logf, Strict: strict})
				exact := DefaultRules()
				exact.Exact = true
				anySecret := ReplayOptions{Secret: func(string) (string, error) { return "c2VjcmV0", nil }}
				diffs, got := replayTest(t, addr, proto.TLSOptions{CAFile: ca}, want, anySecret, exact)
				if len(diffs) > 0 {
					var b bytes.Buffer
					FormatDifferences(&b, diffs)
					t.Errorf("replay differs:\n%s", b.String())
				}
				rep := report()
				if len(rep.Deviations)+len(rep.Notes) > 0 || rep.Steps != len(steps(want)) {
					t.Errorf("mock report = %+v, want no deviations or notes and %d steps", rep, len(steps(want)))
				}
				if strings.HasPrefix(name, "swaks-postfix-") && !hasEventPrefix(got, "TLS established: ") {
					t.Errorf("no TLS event in the replay:\n%s", writeString(t, got))
				}
			})
		}
	}
}

func hasEventPrefix(tr *Transcript, prefix string) bool {
	for _, e := range tr.Entries {
		if e.Kind == Event && strings.HasPrefix(e.Text, prefix) {
			return true
		}
	}
	return false
}

func writeString(t *testing.T, tr *Transcript) string {
	t.Helper()
	var b bytes.Buffer
	if _, err := tr.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestReplayDiffers replays a recording against a mock of an edited one:
// the step that changed, and only it, is reported.
func TestReplayDiffers(t *testing.T) {
	want := readTestdata(t, "rfc5321-d1-typical.txt")
	edited := readTestdata(t, "rfc5321-d1-typical.txt")
	for i, e := range edited.Entries {
		if e.Text == "550 No such user here" {
			edited.Entries[i].Text = "250 OK"
		}
	}
	addr, _, _ := startMock(t, edited)
	diffs, _ := replayTest(t, addr, proto.TLSOptions{}, want, ReplayOptions{}, DefaultRules())
	wantDiffs := []Difference{{Step: 5, Command: "RCPT TO:<Green@foo.com>",
		Want: []string{"550 No such user here"}, Got: []string{"250 OK"}, Why: "reply code: want 550, got 250"}}
	if d := cmp.Diff(wantDiffs, diffs, ignoreAlignment); d != "" {
		t.Errorf("differences (-want +got):\n%s", d)
	}
}

// TestReplaySkipsRefusedText: when today's server refuses a DATA the
// recording had accepted, the message text and its "." are not sent (a
// refused command's lines never are), and the replay goes on to QUIT.
func TestReplaySkipsRefusedText(t *testing.T) {
	want := readTestdata(t, "rfc5321-d1-typical.txt")
	server := mustParse(t, `S: 220 foo.com ready
C: EHLO bar.com
S: 250 foo.com
C: MAIL FROM:<Smith@bar.com>
S: 250 OK
C: RCPT TO:<Jones@foo.com>
S: 250 OK
C: RCPT TO:<Green@foo.com>
S: 550 No such user here
C: RCPT TO:<Brown@foo.com>
S: 250 OK
C: DATA
S: 554 No valid recipients
C: QUIT
S: 221 bye
`)
	addr, _, _ := startMock(t, server)
	diffs, got := replayTest(t, addr, proto.TLSOptions{}, want, ReplayOptions{}, DefaultRules())
	var whys []string
	for _, d := range diffs {
		whys = append(whys, d.Command+": "+d.Why)
	}
	wantWhys := []string{
		"EHLO bar.com: capability only in want: 8BITMIME, SIZE, DSN, HELP",
		"DATA: reply code: want 354, got 554",
		".: missing from got",
	}
	if d := cmp.Diff(wantWhys, whys); d != "" {
		t.Errorf("differences (-want +got):\n%s", d)
	}
	text := writeString(t, got)
	if !strings.Contains(text, "C: QUIT\nS: 221 bye") || strings.Contains(text, "C: .") {
		t.Errorf("the replay did not skip the text and go on to QUIT:\n%s", text)
	}
	if !hasEventPrefix(got, "message text not sent: DATA was answered 554") {
		t.Errorf("no stop event:\n%s", writeString(t, got))
	}
}

// TestReplayServerCloses: a server that hangs up ends the replay without
// error; what was not reached is missing.
func TestReplayServerCloses(t *testing.T) {
	want := readTestdata(t, "rfc5321-d2-aborted.txt")
	server := mustParse(t, "S: 220 foo.com ready\nC: EHLO bar.com\nS: 421 4.3.2 going down\n")
	addr, _, _ := startMock(t, server)
	diffs, got := replayTest(t, addr, proto.TLSOptions{}, want, ReplayOptions{}, DefaultRules())
	if len(diffs) != 6 || diffs[0].Why != `reply code: want 250, got 421; enhanced code: want "", got "4.3.2"; reply lines: want 5, got 1` {
		t.Errorf("differences = %+v", diffs)
	}
	if !hasEventPrefix(got, "connection closed by server") {
		t.Errorf("no close event:\n%s", writeString(t, got))
	}
}

func TestRedactions(t *testing.T) {
	tr := readTestdata(t, "auth-mechanisms.txt")
	want := []string{"AUTH PLAIN credentials", "AUTH LOGIN username", "AUTH LOGIN password",
		"AUTH CRAM-MD5 response", "AUTH XOAUTH2 token", "AUTH OAUTHBEARER token"}
	if d := cmp.Diff(want, tr.Redactions()); d != "" {
		t.Errorf("Redactions (-want +got):\n%s", d)
	}
}

func TestReplayMissingSecret(t *testing.T) {
	want := readTestdata(t, "design-example.txt")
	srv := testSandbox(t, nil)
	c := dialTest(t, srv.Addr().String(), proto.TLSOptions{Insecure: true})
	_, err := Replay(context.Background(), c, want, ReplayOptions{})
	if err == nil || !strings.Contains(err.Error(), `needs the secret "AUTH LOGIN username"`) {
		t.Errorf("Replay error = %v, want one naming the secret", err)
	}
}

func testSandbox(t *testing.T, mod func(*sandbox.Config)) *sandbox.Server {
	t.Helper()
	cfg := sandbox.DefaultConfig()
	cfg.Logf = t.Logf
	if mod != nil {
		mod(&cfg)
	}
	srv, err := sandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// recordSandbox drives a session with STARTTLS, AUTH PLAIN, a message and
// RSET through proto.Client, recording it from the tap.
func recordSandbox(t *testing.T, srv *sandbox.Server) []byte {
	t.Helper()
	var out bytes.Buffer
	rec := NewRecorder(&out, KV{"server", "sandbox"})
	tap := func(l proto.TapLine) {
		switch l.Kind {
		case proto.Sent:
			rec.Client(l.Data)
		case proto.Received:
			rec.Server(l.Data)
		default:
			rec.Event(string(l.Data))
		}
	}
	ctx := context.Background()
	c, err := proto.Dial(ctx, srv.Addr().String(), proto.Options{Timeout: testTimeout, Tap: tap, TLS: proto.TLSOptions{Insecure: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ok := replyOK(t)
	ok(c.ReadReply(ctx))
	creds := base64.StdEncoding.EncodeToString([]byte("\x00student\x00secret"))
	for _, line := range []string{"EHLO client.example", "STARTTLS", "EHLO client.example", "AUTH PLAIN " + creds,
		"MAIL FROM:<student@example.test>", "RCPT TO:<alice@example.test>", "RCPT TO:<carol@example.test>", "DATA"} {
		ok(c.Cmd(ctx, line))
		if line == "STARTTLS" {
			if _, err := c.StartTLS(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	w, _ := c.Body()
	w.Write([]byte("Subject: hello\r\n\r\n.a line that starts with a dot\r\n"))
	w.Close()
	for _, line := range []string{"", "RSET", "QUIT"} {
		if line != "" {
			c.Send(line)
		}
		ok(c.ReadReply(ctx))
	}
	rec.Close()
	return out.Bytes()
}

// replyOK returns a check that a reply arrived and is no 4xx or 5xx.
func replyOK(t *testing.T) func(*proto.Reply, error) {
	return func(r *proto.Reply, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if r.Code >= 400 {
			t.Fatalf("reply %s", r)
		}
	}
}

// TestReplaySandbox records a sandbox session with STARTTLS and AUTH PLAIN,
// checks that it keeps no secret, replays it against a fresh sandbox (all
// match) and against one without carol (that RCPT differs).
func TestReplaySandbox(t *testing.T) {
	recorded := recordSandbox(t, testSandbox(t, nil))
	for _, secret := range []string{"secret", "c2VjcmV0", "AHN0dWRlbnQAc2VjcmV0"} {
		if bytes.Contains(recorded, []byte(secret)) {
			t.Fatalf("the recording holds %q:\n%s", secret, recorded)
		}
	}
	want := mustParse(t, string(recorded))
	opts := ReplayOptions{Secret: func(name string) (string, error) {
		return base64.StdEncoding.EncodeToString([]byte("\x00student\x00secret")), nil
	}}
	exact := DefaultRules()
	exact.Exact = true
	fresh := testSandbox(t, nil)
	if diffs, _ := replayTest(t, fresh.Addr().String(), proto.TLSOptions{Insecure: true}, want, opts, exact); len(diffs) > 0 {
		t.Errorf("replay against a fresh sandbox differs: %+v\nrecording:\n%s", diffs, recorded)
	}
	noCarol := testSandbox(t, func(c *sandbox.Config) { c.Mailboxes = []string{"alice", "bob", "postmaster"} })
	diffs, _ := replayTest(t, noCarol.Addr().String(), proto.TLSOptions{Insecure: true}, want, opts, DefaultRules())
	if len(diffs) != 1 || diffs[0].Command != "RCPT TO:<carol@example.test>" {
		t.Errorf("replay against a sandbox without carol: %+v, want the carol RCPT alone", diffs)
	}
}

// TestReplayStartTLSOption upgrades a plaintext recording with
// ReplayOptions.StartTLS.
func TestReplayStartTLSOption(t *testing.T) {
	want := mustParse(t, "S: 220 sandbox.smtprepl.test ESMTP\nC: HELO client.example\nS: 250 sandbox.smtprepl.test\nC: NOOP\nS: 250 2.0.0 Ok\nC: QUIT\nS: 221 2.0.0 Bye\n")
	srv := testSandbox(t, nil)
	// The upgrade is asked for, so the TLS it brings is no difference.
	rules := DefaultRules()
	rules.Ignore = []string{"tls"}
	diffs, got := replayTest(t, srv.Addr().String(), proto.TLSOptions{Insecure: true}, want, ReplayOptions{StartTLS: true}, rules)
	if len(diffs) > 0 {
		t.Errorf("differences: %+v", diffs)
	}
	if !hasEventPrefix(got, "TLS established: ") || !hasEventPrefix(got, "EHLO client.example and STARTTLS sent outside") {
		t.Errorf("no upgrade in:\n%s", writeString(t, got))
	}
}

// TestSurveyEHLOName: the name --starttls sends again is one short
// printable word from the recording, else "localhost".
func TestSurveyEHLOName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"C: EHLO bar.com\n", "bar.com"},
		{"C: HELO [192.0.2.1]\nC: EHLO later.test\n", "[192.0.2.1]"},
		{`C= "EHLO a\r\nRSET\r\n"` + "\n", "localhost"},
		{"C: EHLO " + strings.Repeat("x", 300) + "\n", "localhost"},
		{"C: EHLO \x1b[2J\n", "localhost"},
		{"C: EHLO\nC: EHLO second.test\n", "second.test"},
	}
	for _, tc := range tests {
		sv, err := SurveyStream(mustParse(t, "S: 220 x\n"+tc.in).Stream())
		if err != nil || sv.EHLOName != tc.want {
			t.Errorf("%q: EHLO name %q, %v; want %q", tc.in, sv.EHLOName, err, tc.want)
		}
	}
}
