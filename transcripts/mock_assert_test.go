package transcripts

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/proto/visible"
)

// serveMock serves m on 127.0.0.1 until the test ends; reports waits for
// it to stop and returns a report per connection.
func serveMock(t *testing.T, m *Mock) (addr string, reports func() []MockReport) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	done := make(chan []MockReport, 1)
	go func() {
		reps, _ := m.Serve(ctx, ln, false)
		done <- reps
	}()
	t.Cleanup(cancel)
	return ln.Addr().String(), func() []MockReport { ln.Close(); return <-done }
}

// dialMock serves the recording with cfg and connects to it; the
// connection closes when the test ends.
func dialMock(t *testing.T, recording string, cfg MockConfig) (net.Conn, func() []MockReport) {
	t.Helper()
	m, err := NewMock(mustParse(t, recording), cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr, reports := serveMock(t, m)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn, reports
}

// dialogue is a client's side: each line sent (none for ""), then the
// reply lines awaited, each matched as a prefix.
type dialogue []struct{ send, want string }

func (d dialogue) run(t *testing.T, conn net.Conn) {
	t.Helper()
	conn.SetDeadline(time.Now().Add(testTimeout))
	br := bufio.NewReader(conn)
	for _, x := range d {
		if x.send != "" {
			fmt.Fprintf(conn, "%s\r\n", x.send)
		}
		line, err := br.ReadString('\n')
		if err != nil || !strings.HasPrefix(line, x.want) {
			t.Fatalf("after %q: got %q (%v), want %q…", x.send, line, err, x.want)
		}
	}
}

const patternRecording = `S: 220 mx.test ESMTP
C: EHLO localhost
S: 250 mx.test
C~ MAIL FROM:<[a-z]+@app\.example>
S: 250 2.1.0 Ok
C: RCPT TO:<alice@customer.example>
S: 250 2.1.5 Ok
C: DATA
S: 354 go on
C: Subject: Report
C~ Date: .+
C:
C: Hello
C: .
S: 250 2.0.0 Ok: queued
C: QUIT
S: 221 2.0.0 Bye
`

// TestMockPatterns: a recording with C~ lines is strict, matches commands
// and message lines by pattern, and reports what was received.
func TestMockPatterns(t *testing.T) {
	tests := []struct {
		name       string
		from, rcpt string
		body       string
		devs       []string
	}{
		{name: "as recorded", from: "reports@app.example", rcpt: "alice@customer.example", body: "Subject: Report\r\nDate: today\r\n\r\nHello\r\n"},
		{name: "sender the pattern refuses", from: "Reports@other.example", rcpt: "alice@customer.example", body: "Subject: Report\r\nDate: today\r\n\r\nHello\r\n",
			devs: []string{`step 3: got "mail FROM:<Reports@other.example>", which the recorded pattern "C~ MAIL FROM:<[a-z]+@app\\.example>" does not match`}},
		{name: "other recipient, strict", from: "reports@app.example", rcpt: "bob@customer.example", body: "Subject: Report\r\nDate: today\r\n\r\nHello\r\n",
			devs: []string{`step 4: got "RCPT TO:<bob@customer.example>", recorded "RCPT TO:<alice@customer.example>"`}},
		{name: "changed Subject", from: "reports@app.example", rcpt: "alice@customer.example", body: "Subject: Other\r\nDate: today\r\n\r\nHello\r\n",
			devs: []string{`step 6: message line 1 is "Subject: Other", recorded "Subject: Report"`}},
		{name: "no Date", from: "reports@app.example", rcpt: "alice@customer.example", body: "Subject: Report\r\n\r\nHello\r\n",
			devs: []string{`step 6: message line 2 is "", recorded "Date: .+"`}},
		{name: "a line more", from: "reports@app.example", rcpt: "alice@customer.example", body: "Subject: Report\r\nDate: x\r\n\r\nHello\r\n.hidden\r\n",
			devs: []string{"step 6: the message has 5 line(s), the recording 4"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewMock(mustParse(t, patternRecording), MockConfig{Timeout: testTimeout})
			if err != nil {
				t.Fatal(err)
			}
			if !m.Strict() {
				t.Fatal("a recording with patterns is not strict")
			}
			addr, reports := serveMock(t, m)
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			dialogue{{"", "220"}, {"EHLO localhost", "250"}, {"mail FROM:<" + tc.from + ">", "250"}, {"RCPT TO:<" + tc.rcpt + ">", "250"},
				{"DATA", "354"}, {strings.ReplaceAll(tc.body, "\r\n.", "\r\n..") + ".", "250"}, {"QUIT", "221"}}.run(t, conn)
			reps := reports()
			if len(reps) != 1 {
				t.Fatalf("%d reports, want 1", len(reps))
			}
			if d := cmp.Diff(tc.devs, reps[0].Deviations); d != "" {
				t.Errorf("deviations (-want +got):\n%s", d)
			}
			want := []Message{{Session: 1, MailFrom: tc.from, RcptTo: []string{tc.rcpt}, Size: int64(len(tc.body)), Data: []byte(tc.body)}}
			if d := cmp.Diff(want, reps[0].Messages); d != "" {
				t.Errorf("messages (-want +got):\n%s", d)
			}
		})
	}
}

const authRecording = `S: 220 mx.test ESMTP
C: EHLO localhost
S: 250-mx.test
S: 250 AUTH PLAIN LOGIN CRAM-MD5
C: AUTH LOGIN
S: 334 VXNlcm5hbWU6
C: <redacted: AUTH LOGIN username>
S: 334 UGFzc3dvcmQ6
C: <redacted: AUTH LOGIN password>
S: 235 2.7.0 Authentication successful
C: QUIT
S: 221 2.0.0 Bye
`

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// TestMockUser: with a user, the mock runs AUTH itself for PLAIN, LOGIN
// and CRAM-MD5 (a fresh challenge each time), sends the recorded 235 for
// the right credentials and 535 5.7.8 for wrong ones, names the mechanism
// and never the secret, and lets the client try again.
func TestMockUser(t *testing.T) {
	const secret = "s3cret-Never-Shown"
	cram := func(user, pass string) func(challenge string) string {
		return func(challenge string) string {
			c, _ := base64.StdEncoding.DecodeString(challenge)
			mac := hmac.New(md5.New, []byte(pass))
			mac.Write(c)
			return b64(user + " " + hex.EncodeToString(mac.Sum(nil)))
		}
	}
	tests := []struct {
		name    string
		auth    string                // the AUTH command
		answers []func(string) string // each answers a 334's challenge
		want    string                // the final reply's start
		devs    []string
	}{
		{"PLAIN with an initial response", "AUTH PLAIN " + b64("\x00reports\x00"+secret), nil, "235 2.7.0", nil},
		{"PLAIN after an empty challenge", "AUTH PLAIN", []func(string) string{func(c string) string { return b64("\x00reports\x00" + secret) }}, "235", nil},
		{"LOGIN", "AUTH LOGIN", []func(string) string{func(string) string { return b64("reports") }, func(string) string { return b64(secret) }}, "235", nil},
		{"CRAM-MD5", "AUTH CRAM-MD5", []func(string) string{cram("reports", secret)}, "235", nil},
		{"CRAM-MD5, wrong secret", "AUTH CRAM-MD5", []func(string) string{cram("reports", "guess")}, "535 5.7.8",
			[]string{"step 3: AUTH CRAM-MD5: wrong credentials"}},
		{"PLAIN, wrong user", "AUTH PLAIN " + b64("\x00root\x00"+secret), nil, "535 5.7.8", []string{"step 3: AUTH PLAIN: wrong credentials"}},
		{"cancelled", "AUTH LOGIN", []func(string) string{func(string) string { return "*" }}, "501 5.7.0", []string{"step 3: AUTH LOGIN: the client cancelled"}},
		{"XOAUTH2", "AUTH XOAUTH2 " + b64("token"), nil, "504 5.5.4",
			[]string{"step 3: AUTH XOAUTH2: a mechanism the mock does not check (PLAIN, LOGIN, CRAM-MD5)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logged strings.Builder
			conn, reports := dialMock(t, authRecording, MockConfig{Timeout: testTimeout,
				User: &MockUser{Name: "reports", Secret: secret}, Logf: func(f string, a ...any) { fmt.Fprintf(&logged, f+"\n", a...) }})
			conn.SetDeadline(time.Now().Add(testTimeout))
			br := bufio.NewReader(conn)
			read := func() string { l, _ := br.ReadString('\n'); return l }
			read()
			fmt.Fprintf(conn, "EHLO localhost\r\n%s\r\n", tc.auth)
			read()
			read()
			var challenges []string
			for _, answer := range tc.answers {
				line := read()
				challenge, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "334 ")
				if !ok {
					t.Fatalf("got %q, want a 334", line)
				}
				challenges = append(challenges, challenge)
				fmt.Fprintf(conn, "%s\r\n", answer(challenge))
			}
			if got := read(); !strings.HasPrefix(got, tc.want) {
				t.Errorf("AUTH answered %q, want %q…", got, tc.want)
			}
			if tc.auth == "AUTH CRAM-MD5" && strings.Contains(authRecording, challenges[0]) {
				t.Errorf("the CRAM-MD5 challenge %q is the recorded one", challenges[0])
			}
			fmt.Fprintf(conn, "QUIT\r\n")
			read()
			reps := reports()
			if d := cmp.Diff(tc.devs, reps[0].Deviations); d != "" {
				t.Errorf("deviations (-want +got):\n%s", d)
			}
			if strings.Contains(logged.String(), secret) || strings.Contains(logged.String(), b64("\x00reports\x00"+secret)) {
				t.Errorf("the log shows the secret:\n%s", logged.String())
			}
		})
	}
}

// TestMockUserRetry: after a refused AUTH the client may try another
// mechanism, and the right credentials then get the recorded 235.
func TestMockUserRetry(t *testing.T) {
	conn, reports := dialMock(t, authRecording, MockConfig{Timeout: testTimeout, User: &MockUser{Name: "u", Secret: "p"}})
	dialogue{{"", "220"}, {"EHLO localhost", "250-"}, {"", "250 AUTH"}, {"AUTH PLAIN " + b64("\x00u\x00wrong"), "535 5.7.8"},
		{"AUTH PLAIN " + b64("\x00u\x00p"), "235 2.7.0"}, {"QUIT", "221 2.0.0 Bye"}}.run(t, conn)
	want := []string{"step 3: AUTH PLAIN: wrong credentials"}
	if d := cmp.Diff(want, reports()[0].Deviations); d != "" {
		t.Errorf("deviations (-want +got):\n%s", d)
	}
}

// TestMockUserRecordingEndsInAuth: a recording cut inside its AUTH
// exchange still answers the client's AUTH, by the credentials.
func TestMockUserRecordingEndsInAuth(t *testing.T) {
	for _, tc := range []struct{ pass, want string }{{"p", "235 2.7.0"}, {"wrong", "535 5.7.8"}} {
		conn, reports := dialMock(t, "S: 220 x\nC: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\n", MockConfig{Timeout: testTimeout, User: &MockUser{Name: "u", Secret: "p"}})
		dialogue{{"", "220"}, {"AUTH PLAIN " + b64("\x00u\x00"+tc.pass), tc.want}}.run(t, conn)
		conn.Close()
		devs := reports()[0].Deviations
		if wrong := tc.pass != "p"; wrong != slices.Contains(devs, "step 2: AUTH PLAIN: wrong credentials") {
			t.Errorf("password %q: deviations %q", tc.pass, devs)
		}
	}
}

// TestMockSessionsPerConnection: connection n plays session n; one more
// is told 421; a session's message is received with its number.
func TestMockSessionsPerConnection(t *testing.T) {
	rec := "=== connected to mx\nS: 220 first\nC: EHLO a\nS: 451 4.3.0 later\nC: QUIT\nS: 221 bye\n" +
		"=== connected to mx\nS: 220 second\nC: EHLO a\nS: 250 ok\nC: QUIT\nS: 221 bye\n"
	m, err := NewMock(mustParse(t, rec), MockConfig{Timeout: testTimeout})
	if err != nil {
		t.Fatal(err)
	}
	if m.Sessions() != 2 || m.SessionSteps(1) != 3 || m.SessionSteps(2) != 3 {
		t.Fatalf("%d sessions of %d and %d steps, want 2 of 3", m.Sessions(), m.SessionSteps(1), m.SessionSteps(2))
	}
	addr, reports := serveMock(t, m)
	for _, d := range []dialogue{
		{{"", "220 first"}, {"EHLO a", "451"}, {"QUIT", "221"}},
		{{"", "220 second"}, {"EHLO a", "250"}, {"QUIT", "221"}},
		{{"", "421 4.3.0 smtprepl mock: the recording has only 2 session(s); this is connection 3"}},
	} {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		d.run(t, conn)
		conn.Close()
	}
	var got []string
	for _, r := range reports() {
		got = append(got, fmt.Sprint(r.Session, r.Steps, r.Deviations))
	}
	want := []string{"1 3 []", "2 3 []", "3 0 [connection 3: the recording has only 2 session(s)]"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("reports (-want +got):\n%s", d)
	}
}

// TestMockImplicitTLS: --tls speaks TLS from the first byte; a client on
// the wrong side of that is one sentence, not the bytes it sent.
func TestMockImplicitTLS(t *testing.T) {
	tr := mustParse(t, "S: 220 mx.test ESMTP\nC: EHLO a\nS: 250 mx.test\nC: QUIT\nS: 221 bye\n")
	tests := []struct {
		name     string
		implicit bool
		client   func(conn net.Conn, pool *x509.CertPool)
		devs     []string
	}{
		{"TLS client, TLS mock", true, func(conn net.Conn, pool *x509.CertPool) {
			tc := tls.Client(conn, &tls.Config{RootCAs: pool, ServerName: "localhost"})
			dialogue{{"", "220 mx.test"}, {"EHLO a", "250"}, {"QUIT", "221"}}.run(t, tc)
		}, nil},
		{"plaintext client, TLS mock", true, func(conn net.Conn, _ *x509.CertPool) {
			fmt.Fprintf(conn, "EHLO a\r\n")
			conn.SetDeadline(time.Now().Add(testTimeout))
			bufio.NewReader(conn).ReadString('\n')
		}, []string{"the client spoke plaintext, but the mock is TLS from the first byte (--tls): the recording was made on port 465"}},
		{"TLS client, plaintext mock", false, func(conn net.Conn, pool *x509.CertPool) {
			tc := tls.Client(conn, &tls.Config{RootCAs: pool, ServerName: "localhost"})
			tc.SetDeadline(time.Now().Add(testTimeout))
			tc.Handshake()
		}, []string{"the client began a TLS handshake, but the recording starts in plaintext: use --tls"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewMock(tr, MockConfig{Timeout: testTimeout, ImplicitTLS: tc.implicit})
			if err != nil {
				t.Fatal(err)
			}
			pool := x509.NewCertPool()
			pool.AppendCertsFromPEM(m.CertPEM())
			addr, reports := serveMock(t, m)
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			tc.client(conn, pool)
			conn.Close()
			if d := cmp.Diff(tc.devs, reports()[0].Deviations); d != "" {
				t.Errorf("deviations (-want +got):\n%s", d)
			}
		})
	}
}

// TestComparePattern: diff takes a pattern as matching what it matches.
func TestComparePattern(t *testing.T) {
	want := mustParse(t, "S: 220 x\nC~ MAIL FROM:<.*@app\\.example>\nS: 250 ok\n")
	for got, differs := range map[string]bool{"MAIL FROM:<a@app.example>": false, "MAIL FROM:<a@app.exampleX>": true} {
		d := Compare(want, mustParse(t, "S: 220 x\nC: "+got+"\nS: 250 ok\n"), Rules{})
		if (len(d) > 0) != differs {
			t.Errorf("%s: %d differences, want differs=%v", got, len(d), differs)
		}
	}
}

// TestMockAuthOtherMechanism: without a user, an AUTH with another
// mechanism than recorded is answered 504 (the recorded 334s and 235
// would not fit it), and the client may go on with the recorded one.
func TestMockAuthOtherMechanism(t *testing.T) {
	conn, reports := dialMock(t, authRecording, MockConfig{Timeout: testTimeout})
	dialogue{{"", "220"}, {"EHLO localhost", "250-"}, {"", "250 AUTH"}, {"AUTH CRAM-MD5", "504 5.5.4 smtprepl mock: the recording has AUTH LOGIN"},
		{"AUTH LOGIN", "334 VXNlcm5hbWU6"}, {b64("u"), "334 UGFzc3dvcmQ6"}, {b64("p"), "235"}, {"QUIT", "221"}}.run(t, conn)
	rep := reports()[0]
	want := []string{"step 3: AUTH CRAM-MD5, recorded AUTH LOGIN (--user checks any mechanism)"}
	if d := cmp.Diff(want, rep.Notes); d != "" || len(rep.Deviations) > 0 {
		t.Errorf("notes (-want +got):\n%s\ndeviations: %v", d, rep.Deviations)
	}
}

// FuzzMockClient: whatever a client sends to a strict mock that checks
// AUTH, the session ends, its reports are one line each, escaped, and
// never hold the secret.
func FuzzMockClient(f *testing.F) {
	const secret = "fuzz-Secret-42"
	for i, s := range []string{
		"EHLO localhost\r\nAUTH PLAIN " + b64("\x00reports\x00"+secret) + "\r\nQUIT\r\n",
		"EHLO a\r\nAUTH LOGIN\r\n" + b64("reports") + "\r\n" + b64(secret) + "\r\nMAIL FROM:<a@app.example>\r\nRCPT TO:<b@c>\r\nDATA\r\nDate: x\r\n.\r\n",
		"EHLO a\r\nAUTH CRAM-MD5\r\n*\r\nAUTH PLAIN\r\n=\r\n",
		"\x16\x03\x01\x00",
		"EHLO a\r\nAUTH PLAIN !!!\r\nMAIL FROM:<\x1b[31m>\r\n",
	} {
		f.Add([]byte(s), uint8(i))
	}
	full := strings.Replace(authRecording, "C: QUIT\n",
		"C~ MAIL FROM:<[a-z]+@app\\.example>\nS: 250 ok\nC: RCPT TO:<b@c>\nS: 250 ok\nC: DATA\nS: 354 go\nC~ Date: .+\nC: .\nS: 250 ok\nC: QUIT\n", 1)
	var mocks []*Mock
	for _, rec := range []string{
		full,
		authRecording[:strings.Index(authRecording, "C: <redacted: AUTH LOGIN password>")], // cut inside AUTH
		"S: 220 x\nC: EHLO a\nS: 250 x\n=== connected to x\n" + full,                       // two sessions
	} {
		m, err := NewMock(mustParse(f, rec), MockConfig{Timeout: 20 * time.Millisecond, User: &MockUser{Name: "reports", Secret: secret}})
		if err != nil {
			f.Fatal(err)
		}
		mocks = append(mocks, m)
	}
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		m := mocks[int(which)%len(mocks)]
		server, client := net.Pipe()
		go func() {
			client.Write(data)
			client.Close()
		}()
		go io.Copy(io.Discard, client)
		m.conns.Store(0)
		rep := m.ServeConn(context.Background(), server)
		for _, line := range append(rep.Deviations, rep.Notes...) {
			if strings.Contains(line, secret) || strings.Contains(line, b64(secret)) || strings.Contains(line, "\n") || !visible.Safe(strings.ReplaceAll(line, `\`, "")) {
				t.Fatalf("report line %q", line)
			}
		}
	})
}
