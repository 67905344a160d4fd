// Package mocktest starts an smtprepl mock for a Go test: the server side
// of a recorded SMTP session, played to the code under test, which fails
// the test where the client leaves the recording.
//
//	m := mocktest.Start(t, "testdata/submission.txt", mocktest.User("app", "s3cret"))
//	err := mylib.Send(m.Addr, &tls.Config{RootCAs: m.CertPool, ServerName: "localhost"}, ...)
//	msgs := m.Messages() // what was accepted, envelope and bytes
//
// Deviations (a wrong recipient, a wrong password, a line a C~ pattern
// does not match, a retry that never came) are reported through t.Errorf
// when the test ends, or when it calls [Mock.Stop], at the line that
// called Start or Stop.
package mocktest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/transcripts"
)

// Option changes how the mock plays its recording.
type Option func(*transcripts.MockConfig)

// User makes the mock check AUTH itself, for PLAIN, LOGIN and CRAM-MD5:
// only name and secret get the recorded success.
func User(name, secret string) Option {
	return func(c *transcripts.MockConfig) { c.User = &transcripts.MockUser{Name: name, Secret: secret} }
}

// Strict makes every difference from the recording a failure, even in a
// recording without C~ patterns (which is strict by itself).
func Strict() Option { return func(c *transcripts.MockConfig) { c.Strict = true } }

// ImplicitTLS makes the mock TLS from the first byte, as port 465 is.
func ImplicitTLS() Option { return func(c *transcripts.MockConfig) { c.ImplicitTLS = true } }

// Timeout bounds each wait for the client; default 10 seconds.
func Timeout(d time.Duration) Option { return func(c *transcripts.MockConfig) { c.Timeout = d } }

// Mock is a running mock.
type Mock struct {
	// Addr is the address it listens on, on 127.0.0.1.
	Addr string
	// CertPool trusts the certificate it presents for STARTTLS and
	// implicit TLS, which names localhost, 127.0.0.1 and ::1.
	CertPool *x509.CertPool

	t        testing.TB
	m        *transcripts.Mock
	ln       net.Listener
	grace    time.Duration
	cancel   context.CancelFunc
	done     chan []transcripts.MockReport
	stopOnce sync.Once
	reports  []transcripts.MockReport

	mu       sync.Mutex
	messages []transcripts.Message
}

// certificate is made once per test process, when a mock first needs it.
var certificate = sync.OnceValues(func() (*tls.Certificate, error) {
	cert, _, err := proto.SelfSignedCert("smtprepl mocktest", []string{"localhost"}, time.Now(), 24*time.Hour)
	return &cert, err
})

// Start starts a mock of the transcript file on 127.0.0.1 for t, and
// stops it when the test ends. A file that cannot be read or a port that
// cannot be had ends the test at once (t.Fatal).
func Start(t testing.TB, file string, opts ...Option) *Mock {
	t.Helper()
	cert, err := certificate()
	if err != nil {
		t.Fatalf("mocktest: %v", err)
	}
	m := &Mock{t: t, CertPool: x509.NewCertPool(), done: make(chan []transcripts.MockReport, 1)}
	m.CertPool.AddCert(cert.Leaf)
	cfg := transcripts.MockConfig{Timeout: 10 * time.Second, Certificate: cert, OnMessage: m.received}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	m.m, err = open(file, cfg)
	if err != nil {
		t.Fatalf("mocktest: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mocktest: %v", err)
	}
	m.Addr, m.ln, m.grace = ln.Addr().String(), ln, cfg.Timeout
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	go func() {
		reps, _ := m.m.Serve(ctx, ln, false) // it ends when ctx does
		m.done <- reps
	}()
	t.Cleanup(func() {
		t.Helper()
		m.Stop()
	})
	return m
}

func open(file string, cfg transcripts.MockConfig) (*transcripts.Mock, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tr, err := transcripts.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return transcripts.NewMock(tr, cfg)
}

func (m *Mock) received(msg transcripts.Message) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.messages = append(m.messages, msg)
}

// Messages returns the messages the mock has accepted so far, in order:
// a message is there once its final 250 has been sent.
func (m *Mock) Messages() []transcripts.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]transcripts.Message(nil), m.messages...)
}

// TLSConfig is a client configuration that trusts the mock.
func (m *Mock) TLSConfig() *tls.Config {
	return &tls.Config{RootCAs: m.CertPool, ServerName: "localhost"}
}

// Stop stops the mock, waits for the session under way, and reports
// through t.Errorf every deviation and every recorded session no client
// came for. It returns the reports of the connections; later calls
// return the same and report nothing more.
func (m *Mock) Stop() []transcripts.MockReport {
	m.t.Helper()
	var failures []string
	m.stopOnce.Do(func() { failures = m.stop() })
	// Reported here, not inside Do, so that t.Helper points past this
	// package at the test's own line.
	for _, f := range failures {
		m.t.Errorf("%s", f)
	}
	return m.reports
}

// stop ends the mock and returns what failed.
func (m *Mock) stop() []string {
	// No new connections; the one under way may finish, as a client that
	// was told 221 does at once.
	m.ln.Close()
	select {
	case m.reports = <-m.done:
	case <-time.After(m.grace):
		m.cancel()
		m.reports = <-m.done
	}
	m.cancel()
	var failures []string
	for _, rep := range m.reports {
		for _, d := range rep.Deviations {
			failures = append(failures, fmt.Sprintf("smtprepl mock, connection %d: %s", rep.Session, d))
		}
	}
	if n, want := len(m.reports), m.m.Sessions(); n < want {
		failures = append(failures, fmt.Sprintf("smtprepl mock: the recording has %d session(s), but only %d connection(s) came (a missing retry?)", want, n))
	}
	return failures
}
