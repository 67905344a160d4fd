package mocktest_test

import (
	"crypto/tls"
	"fmt"
	"net/smtp"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/smtprepl/smtprepl/transcripts/mocktest"
)

// TestApp: the app passes against its recordings, and a test of it fails
// for each change the recordings do not allow.
func TestApp(t *testing.T) {
	for _, tc := range appCases {
		t.Run(tc.name, func(t *testing.T) {
			rt := &recordingT{TB: t}
			m := mocktest.Start(rt, tc.file, mocktest.User("reports", "s3cret"))
			app := weekly
			if tc.change != nil {
				tc.change(&app)
			}
			err := app.send(m.Addr, m.TLSConfig())
			m.Stop()
			failures := rt.failures()
			switch {
			case tc.fails == "" && (err != nil || len(failures) > 0):
				t.Errorf("app as recorded: send: %v; the mock failed the test with:\n%s", err, strings.Join(failures, "\n"))
			case tc.fails != "" && !slices.ContainsFunc(failures, func(f string) bool { return strings.Contains(f, tc.fails) }):
				t.Errorf("the mock did not fail the test with %q; it said:\n%s", tc.fails, strings.Join(failures, "\n"))
			}
		})
	}
}

// TestWeeklyReport is the README's Go example, as it is there.
func TestWeeklyReport(t *testing.T) {
	m := mocktest.Start(t, "testdata/submission.txt", mocktest.User("reports", "s3cret"))
	if err := weekly.send(m.Addr, m.TLSConfig()); err != nil {
		t.Fatal(err)
	}
	msgs := m.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages received, want 1", len(msgs))
	}
	p, err := msgs[0].Parse()
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Header.Get("Subject"); got != "Your weekly report" {
		t.Errorf("Subject %q", got)
	}
}

// TestMessages: what the app sent can be asserted on, envelope and
// headers.
func TestMessages(t *testing.T) {
	m := mocktest.Start(t, "testdata/submission.txt", mocktest.User("reports", "s3cret"))
	if err := weekly.send(m.Addr, m.TLSConfig()); err != nil {
		t.Fatal(err)
	}
	msgs := m.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages received, want 1", len(msgs))
	}
	msg := msgs[0]
	p, err := msg.Parse()
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintln(msg.Session, msg.MailFrom, msg.RcptTo, msg.AuthUser, msg.AuthMechanism, msg.TLS, p.Header.Get("Subject"))
	if want := "1 reports@app.example [alice@customer.example] reports PLAIN true Your weekly report\n"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// recordingT keeps what a mock reports, to check that it fails a test.
type recordingT struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recordingT) Helper()          {}
func (r *recordingT) Cleanup(f func()) { r.TB.Cleanup(f) }
func (r *recordingT) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recordingT) failures() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.errs)
}

// TestREADME: the README's examples are the ones CI runs, literally: the
// Python app is testdata/app.py, and the Go example is TestWeeklyReport.
func TestREADME(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	app, err := os.ReadFile("testdata/app.py")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```python\n"+string(app)+"```\n") {
		t.Errorf("README.md does not show testdata/app.py as it is")
	}
	src, err := os.ReadFile("mocktest_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(src), "// TestWeeklyReport is the README's Go example, as it is there.\n")
	example, _, _ := strings.Cut(rest, "\n}\n")
	if example == "" || !strings.Contains(string(readme), "```go\n"+example+"\n}\n```\n") {
		t.Errorf("README.md does not show TestWeeklyReport as it is:\n%s", example)
	}
}

// TestImplicitTLS: a mock started with ImplicitTLS is TLS from the first
// byte, with the process's certificate that CertPool trusts.
func TestImplicitTLS(t *testing.T) {
	file := filepath.Join(t.TempDir(), "465.txt")
	os.WriteFile(file, []byte("S: 220 mx.test ESMTP\nC: EHLO localhost\nS: 250 mx.test\nC: QUIT\nS: 221 2.0.0 Bye\n"), 0o600)
	m := mocktest.Start(t, file, mocktest.ImplicitTLS())
	conn, err := tls.Dial("tcp", m.Addr, m.TLSConfig())
	if err != nil {
		t.Fatal(err)
	}
	c, err := smtp.NewClient(conn, "localhost")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
	if reps := m.Stop(); len(reps) != 1 || reps[0].Steps != 3 {
		t.Errorf("reports %+v, want one of 3 steps", reps)
	}
}
