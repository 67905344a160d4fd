package transcripts

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestMockSessions plays RFC 5321 D.1 to clients that send raw bytes, all
// at once (so pipelined), and checks what they get back and the report.
func TestMockSessions(t *testing.T) {
	const (
		greeting = "220 foo.com Simple Mail Transfer Service Ready\r\n"
		ehlo     = "250-foo.com greets bar.com\r\n250-8BITMIME\r\n250-SIZE\r\n250-DSN\r\n250 HELP\r\n"
		rest     = "MAIL FROM:<Smith@bar.com>\r\nRCPT TO:<Jones@foo.com>\r\nRCPT TO:<Green@foo.com>\r\nRCPT TO:<Brown@foo.com>\r\nDATA\r\n"
	)
	tests := []struct {
		name     string
		send     string
		want     string
		devs     []string
		notes    []string
		wantStep int
	}{{
		name: "followed, pipelined, lower case, any body",
		send: "ehlo bar.com\r\nmail" + rest[4:] + "Hi\r\n..dot\r\n.\r\nQUIT\r\n",
		want: greeting + ehlo + "250 OK\r\n250 OK\r\n550 No such user here\r\n250 OK\r\n" +
			"354 Start mail input; end with <CRLF>.<CRLF>\r\n250 OK\r\n221 foo.com Service closing transmission channel\r\n",
		wantStep: 9,
	}, {
		name:     "other arguments are notes",
		send:     "EHLO client.test\r\nQUIT\r\n",
		want:     greeting + ehlo + "221 2.0.0 Bye\r\n",
		devs:     []string{"step 3: the client sent QUIT; the recording expected MAIL FROM:<Smith@bar.com>"},
		notes:    []string{`step 2: got "EHLO client.test", recorded "EHLO bar.com"`},
		wantStep: 2,
	}, {
		name: "QUIT after a deviation still gets 221",
		send: "HELO bar.com\r\nQUIT\r\n",
		want: greeting + "503 5.5.1 Error: expected EHLO (recorded: EHLO bar.com)\r\n221 2.0.0 Bye\r\n",
		devs: []string{`step 2: got "HELO bar.com", expected EHLO (recorded: EHLO bar.com)`,
			"step 2: the client sent QUIT; the recording expected EHLO bar.com"},
		wantStep: 1,
	}, {
		name: "a wrong verb is answered 503, then the right one goes on",
		send: "HELO bar.com\r\nEHLO bar.com\r\n",
		want: greeting + "503 5.5.1 Error: expected EHLO (recorded: EHLO bar.com)\r\n" + ehlo,
		devs: []string{`step 2: got "HELO bar.com", expected EHLO (recorded: EHLO bar.com)`,
			"step 3: the client closed the connection; the recording expected MAIL FROM:<Smith@bar.com>"},
		wantStep: 2,
	}, {
		name: "more after the end",
		send: "EHLO bar.com\r\n" + rest + ".\r\nQUIT\r\nNOOP\r\n",
		want: greeting + ehlo + "250 OK\r\n250 OK\r\n550 No such user here\r\n250 OK\r\n" +
			"354 Start mail input; end with <CRLF>.<CRLF>\r\n250 OK\r\n221 foo.com Service closing transmission channel\r\n",
		devs:     []string{"the client sent 6 more byte(s) after the recording's last step"},
		wantStep: 9,
	}}
	d1 := readTestdata(t, "rfc5321-d1-typical.txt")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr, _, report := startMock(t, d1)
			conn, err := net.DialTimeout("tcp", addr, testTimeout)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(testTimeout))
			if _, err := io.WriteString(conn, tc.send); err != nil {
				t.Fatal(err)
			}
			conn.(*net.TCPConn).CloseWrite()
			got, err := io.ReadAll(conn)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, string(got)); d != "" {
				t.Errorf("replies (-want +got):\n%s", d)
			}
			rep := report()
			wantRep := MockReport{Session: 1, Deviations: tc.devs, Notes: tc.notes, Steps: tc.wantStep}
			if d := cmp.Diff(wantRep, rep, cmpopts.IgnoreFields(MockReport{}, "Messages")); d != "" {
				t.Errorf("report (-want +got):\n%s", d)
			}
		})
	}
}

// TestMockSASL: answers to 334 challenges have no verb; a redacted one
// accepts anything, and no report shows what the client sent.
func TestMockSASL(t *testing.T) {
	tr := readTestdata(t, "design-example.txt")
	addr, ca, report := startMock(t, tr)
	conn, err := net.DialTimeout("tcp", addr, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(testTimeout))
	br := bufio.NewReader(conn)
	expect := func(conn io.Writer, send string, want ...string) {
		t.Helper()
		if send != "" {
			io.WriteString(conn, send+"\r\n")
		}
		for _, w := range want {
			line, err := br.ReadString('\n')
			if err != nil || line != w+"\r\n" {
				t.Fatalf("after %q: got %q, %v; want %q", send, line, err, w)
			}
		}
	}
	expect(conn, "", "220 sandbox.smtprepl.test ESMTP smtprepl sandbox")
	expect(conn, "EHLO student.example", "250-sandbox.smtprepl.test", "250-PIPELINING", "250 STARTTLS")
	expect(conn, "STARTTLS", "220 2.0.0 Ready to start TLS")
	tc := tls.Client(conn, &tls.Config{ServerName: "localhost", RootCAs: pool(t, ca)})
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	br = bufio.NewReader(tc)
	expect(tc, "AUTH LOGIN", "334 VXNlcm5hbWU6")
	expect(tc, "dXNlcg==", "334 UGFzc3dvcmQ6")
	expect(tc, "cGFzc3dvcmQ=", "235 2.7.0 Authentication successful")
	expect(tc, "QUIT", "221 2.0.0 Bye")
	rep := report()
	if d := cmp.Diff(MockReport{Session: 1, Steps: 7}, rep); d != "" {
		t.Errorf("report (-want +got):\n%s", d)
	}
}

func pool(t *testing.T, caFile string) *x509.CertPool {
	t.Helper()
	p := x509.NewCertPool()
	b, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	if !p.AppendCertsFromPEM(b) {
		t.Fatal("no certificate in " + caFile)
	}
	return p
}

func TestGreetingHost(t *testing.T) {
	tests := []struct{ in, want string }{
		{"S: 220 foo.com Simple Mail Transfer Service Ready\n", "foo.com"},
		{"S: 220 mx.example.test\n", "mx.example.test"},
		{"S: 220 [127.0.0.1] ready\n", ""},
		{"S: 220\n", ""},
		{"C: EHLO x\nS: 250 ok\n", ""},
	}
	for _, tc := range tests {
		if got := greetingHost(&steps(mustParse(t, tc.in))[0]); got != tc.want {
			t.Errorf("greetingHost(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestMockServeStops: Serve returns when its context ends.
func TestMockServeStops(t *testing.T) {
	m, err := NewMock(readTestdata(t, "rfc5321-d2-aborted.txt"), MockConfig{Timeout: testTimeout})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := m.Serve(ctx, ln, false); done <- err }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("Serve did not return after cancel")
	}
}

// TestMockLongReply: a recorded reply of more lines than a mock keeps is
// played as its first maxKeptLines lines and its last, well formed.
func TestMockLongReply(t *testing.T) {
	rec := "S: 220 x\nC: EHLO me\n" + strings.Repeat("S: 250-line\n", maxKeptLines+5) + "S: 250 end\nC: QUIT\nS: 221 bye\n"
	addr, _, report := startMock(t, mustParse(t, rec))
	conn, err := net.DialTimeout("tcp", addr, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(testTimeout))
	io.WriteString(conn, "EHLO me\r\nQUIT\r\n")
	conn.(*net.TCPConn).CloseWrite()
	got, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	want := "220 x\r\n" + strings.Repeat("250-line\r\n", maxKeptLines) + "250 end\r\n221 bye\r\n"
	if string(got) != want {
		t.Errorf("got %d bytes ending %q, want %d bytes ending %q", len(got), tail(string(got), 40), len(want), tail(want, 40))
	}
	if rep := report(); len(rep.Deviations) > 0 {
		t.Errorf("deviations: %v", rep.Deviations)
	}
}

func tail(s string, n int) string { return s[max(0, len(s)-n):] }
