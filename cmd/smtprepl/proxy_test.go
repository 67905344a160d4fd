package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smtprepl/smtprepl/proto/sandbox"
)

// freeAddr is a loopback address nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// listening waits a little for addr to be taken, and says whether it was.
func listening(addr string) bool {
	for range 250 {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return true
		}
		ln.Close()
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// waitListening waits until addr is taken, without connecting: a server
// started with --once would take a test connection for its one session.
func waitListening(t *testing.T, addr string) {
	t.Helper()
	for range 250 {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return
		}
		ln.Close()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("nothing listens on %s", addr)
}

// TestProxyRecordsAnApp: smtplib's real session, through the proxy to
// the practice server, STARTTLS (or TLS from the first byte) and AUTH
// included, is recorded; played back by mock, the same program follows it
// with no deviation.
func TestProxyRecordsAnApp(t *testing.T) {
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	app := `import smtplib, ssl, sys
host, port = sys.argv[1].rsplit(":", 1)
ctx = ssl.create_default_context(cafile=sys.argv[2])
if sys.argv[3] == "implicit":
    s = smtplib.SMTP_SSL(host, int(port), context=ctx)
else:
    s = smtplib.SMTP(host, int(port))
    s.ehlo("app.example")
    s.starttls(context=ctx)
s.ehlo("app.example")
s.login("student", "secret")
s.sendmail("app@example.test", ["alice@example.test", "bob@example.test"], "Subject: from the app\r\n\r\nhello\r\n.dot\r\n")
s.quit()
`
	for _, mode := range []string{"starttls", "implicit"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			appFile := filepath.Join(dir, "app.py")
			os.WriteFile(appFile, []byte(app), 0o644)
			srv, err := sandbox.New(sandbox.DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			listen := srv.Listen
			if mode == "implicit" {
				listen = srv.ListenTLS
			}
			upstream, err := listen("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ca := filepath.Join(dir, "sandbox.pem")
			os.WriteFile(ca, srv.CertPEM(), 0o644)
			rec, proxyCert := filepath.Join(dir, "app.txt"), filepath.Join(dir, "proxy.pem")
			// A free port may be taken by a parallel test before the proxy
			// binds it: then another is tried.
			var proxyAddr string
			var done chan string
			for try := 0; ; try++ {
				proxyAddr = freeAddr(t)
				args := []string{"proxy", "--to", upstream.String(), "--cafile", ca, "--record", rec, "--write-cert", proxyCert, "--listen", proxyAddr, "--once", "--timeout", "20s"}
				if mode == "implicit" {
					args = append(args, "--tls")
				}
				done = make(chan string, 1)
				go func() {
					code, _, errOut := runCLI(t, "", args...)
					if code != exitOK {
						errOut = fmt.Sprintf("exit %d: %s", code, errOut)
					}
					done <- errOut
				}()
				var errOut string
				if listening(proxyAddr) {
					// The port is taken: by the proxy, or by someone else,
					// in which case the proxy says so at once.
					select {
					case errOut = <-done:
					case <-time.After(100 * time.Millisecond):
					}
					if errOut == "" {
						break
					}
				} else {
					errOut = <-done
				}
				if try == 3 || !strings.Contains(errOut, "address already in use") {
					t.Fatalf("the proxy does not listen on %s: %s", proxyAddr, errOut)
				}
			}
			runApp := func(addr, cert string) {
				t.Helper()
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				out, err := exec.CommandContext(ctx, "/usr/bin/python3", appFile, addr, cert, mode).CombinedOutput()
				if err != nil {
					t.Fatalf("the app against %s: %v\n%s", addr, err, out)
				}
			}
			runApp(proxyAddr, proxyCert)
			if errOut := <-done; strings.Contains(errOut, "exit") {
				t.Fatalf("proxy: %s", errOut)
			}
			b, err := os.ReadFile(rec)
			if err != nil {
				t.Fatal(err)
			}
			recording := string(b)
			for _, w := range []string{"=== TLS established: TLS 1.3", "C: AUTH CRAM-MD5", "C: <redacted: AUTH CRAM-MD5 response>", "S: 235 2.7.0", "C: ..dot", "C: quit"} {
				if !strings.Contains(recording, w) {
					t.Errorf("the recording lacks %q:\n%s", w, recording)
				}
			}
			if strings.Contains(recording, "secret") {
				t.Errorf("the password reached the recording")
			}
			if n := srv.Mailbox().Len(); n != 1 {
				t.Errorf("the sandbox holds %d messages, want the app's one", n)
			}

			mockCert, mockAddr := filepath.Join(dir, "mock.pem"), freeAddr(t)
			margs := []string{"mock", rec, "--once", "--write-cert", mockCert, "--listen", mockAddr, "--timeout", "20s"}
			if mode == "implicit" {
				margs = append(margs, "--tls")
			}
			mdone := make(chan struct {
				code int
				out  string
			}, 1)
			go func() {
				code, out, errOut := runCLI(t, "", margs...)
				mdone <- struct {
					code int
					out  string
				}{code, out + errOut}
			}()
			if !listening(mockAddr) {
				if m := <-mdone; strings.Contains(m.out, "unknown flag -tls") {
					t.Skip("this mock has no --tls: the implicit-TLS recording cannot be played back here")
				}
			}
			waitListening(t, mockAddr)
			runApp(mockAddr, mockCert)
			m := <-mdone
			if m.code != exitOK || !strings.Contains(m.out, "0 deviation(s)") {
				t.Errorf("mock: exit %d\n%s", m.code, m.out)
			}
		})
	}
}
