package pop3d

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// memDrop is a Backend and Maildrop in memory: alice/secret holds msgs.
type memDrop struct {
	msgs    []Message
	deleted []string
}

func (m *memDrop) Login(user, pass string) (Maildrop, bool) {
	return m, user == "alice" && pass == "secret"
}
func (m *memDrop) Messages() []Message  { return m.msgs }
func (m *memDrop) Delete(uids []string) { m.deleted = append(m.deleted, uids...) }

// converse sends the client's part in one write (as a pipelining client
// may), then hangs up its side, and returns everything the server said.
func converse(t *testing.T, cfg Config, client string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if s, err := ln.Accept(); err == nil {
			Serve(s, cfg)
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, strings.ReplaceAll(client, "\n", "\r\n"))
	c.(*net.TCPConn).CloseWrite()
	out, _ := io.ReadAll(bufio.NewReader(c))
	<-done
	return strings.ReplaceAll(string(out), "\r\n", "\n")
}

func TestSession(t *testing.T) {
	msgs := []Message{{UID: "u1", Data: []byte("Subject: a\r\n\r\nx\r\n")}, {UID: "u2", Data: []byte("Subject: b\r\n\r\ny\r\n")}}
	tests := []struct {
		name, client, server string
		deleted              []string
		cfg                  func(*Config)
	}{
		{name: "pipelined-batch", client: "USER alice\nPASS secret\nSTAT\nUIDL\nQUIT\n",
			server: "+OK G\n+OK\n+OK Logged in.\n+OK 2 34\n+OK\n1 u1\n2 u2\n.\n+OK Logging out.\n"},
		{name: "dele-then-quit-deletes", client: "USER alice\nPASS secret\nDELE 2\nQUIT\n",
			server: "+OK G\n+OK\n+OK Logged in.\n+OK Marked to be deleted.\n+OK Logging out, messages deleted.\n", deleted: []string{"u2"}},
		{name: "hang-up-deletes-nothing", client: "USER alice\nPASS secret\nDELE 2\n",
			server: "+OK G\n+OK\n+OK Logged in.\n+OK Marked to be deleted.\n"},
		{name: "authzid-for-another-refused", client: "AUTH PLAIN Ym9iAGFsaWNlAHNlY3JldA==\nQUIT\n",
			server: "+OK G\n-ERR [AUTH] Authentication failed.\n+OK Logging out\n"},
		{name: "authzid-same-accepted", client: "AUTH PLAIN YWxpY2UAYWxpY2UAc2VjcmV0\nQUIT\n",
			server: "+OK G\n+OK Logged in.\n+OK Logging out.\n"},
		{name: "command-limit", client: "NOOP\nNOOP\nNOOP\n", cfg: func(c *Config) { c.MaxCommands = 2 },
			server: "+OK G\n-ERR Unknown command.\n-ERR Unknown command.\n-ERR Too many commands.\n"},
		{name: "stls-without-tls-config-is-unknown", client: "STLS\nQUIT\n",
			server: "+OK G\n-ERR Unknown command.\n+OK Logging out\n"},
		{name: "password-with-spaces", client: "USER alice\nPASS sec ret\nQUIT\n",
			server: "+OK G\n+OK\n-ERR [AUTH] Authentication failed.\n+OK Logging out\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := &memDrop{msgs: msgs}
			cfg := Config{Greeting: "G", Backend: be}
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			if diff := cmp.Diff(tt.server, converse(t, cfg, tt.client)); diff != "" {
				t.Errorf("server said (-want +got):\n%s", diff)
			}
			if !slices.Equal(be.deleted, tt.deleted) {
				t.Errorf("deleted %q, want %q", be.deleted, tt.deleted)
			}
		})
	}
}

// TestSTLSInjection: commands pipelined behind STLS, in plaintext, are
// not obeyed after the handshake (the CVE-2011-0411 pattern): the session
// ends instead.
func TestSTLSInjection(t *testing.T) {
	cfg := Config{Greeting: "G", Backend: &memDrop{}, TLS: testTLSConfig(t)}
	got := converse(t, cfg, "STLS\nUSER alice\n")
	if want := "+OK G\n+OK Begin TLS negotiation now.\n"; got != want {
		t.Errorf("server said %q, want %q and a hang-up", got, want)
	}
}

func testTLSConfig(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pop3d.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

// memConn is a connection that reads a fixed input and keeps what was
// written: the fuzzer drives a whole session without sockets.
type memConn struct {
	in  *strings.Reader
	out strings.Builder
}

func (c *memConn) Read(p []byte) (int, error)       { return c.in.Read(p) }
func (c *memConn) Write(p []byte) (int, error)      { return c.out.Write(p) }
func (c *memConn) Close() error                     { return nil }
func (c *memConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *memConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c *memConn) SetDeadline(time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }

// FuzzServe: whatever a client sends, the session ends (at the input's
// end) without a panic, every line it writes ends in CRLF, and a message
// is never deleted unless QUIT came after login.
func FuzzServe(f *testing.F) {
	for _, s := range []string{
		"USER alice\r\nPASS secret\r\nRETR 1\r\nTOP 1 0\r\nDELE 1\r\nQUIT\r\n",
		"AUTH PLAIN\r\nAGFsaWNlAHNlY3JldA==\r\nLIST\r\nUIDL 1\r\n",
		"STLS\r\nCAPA\r\nUSER\r\nPASS\r\n\r\n \r\nLIST 99999999999\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, input string) {
		be := &memDrop{msgs: []Message{{UID: "u1", Data: []byte("A: b\r\n\r\n.x\r\n")}}}
		c := &memConn{in: strings.NewReader(input)}
		Serve(c, Config{Greeting: "G", Backend: be, MaxCommands: 100})
		out := c.out.String()
		if !strings.HasSuffix(out, "\r\n") || strings.Contains(strings.ReplaceAll(out, "\r\n", ""), "\n") {
			t.Fatalf("output not in CRLF lines: %q", out)
		}
		if len(be.deleted) > 0 && !strings.Contains(strings.ToUpper(input), "QUIT") {
			t.Fatalf("deleted %q without QUIT, input %q", be.deleted, input)
		}
	})
}
