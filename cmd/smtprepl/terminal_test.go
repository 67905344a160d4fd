package main

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/smtprepl/smtprepl/proto/visible/visibletest"
)

// What hostile text carries: a clear-screen, a window title, a clipboard
// write (OSC 52), C1 controls raw and as UTF-8, and bidi controls.
const (
	evilClip = visibletest.EvilClip
	evilText = visibletest.EvilUTF8
)

// firstUnsafe names the first thing in out a terminal would act on, or
// "" when there is none; LF is the line structure.
func firstUnsafe(out string) string { return visibletest.TerminalUnsafe(out, false) }

// TestExplainEchoesEscaped: explain quotes what it was given (people paste
// bounce lines), and whatever the line held reaches the terminal escaped.
func TestExplainEchoesEscaped(t *testing.T) {
	for _, query := range []string{
		evilClip,
		"550 5.1.1 <bob@example.test>: " + evilText,
		"550-5.7.1 " + evilText,
		"250-AUTH PLAIN " + evilClip,
		"250 SIZE " + evilText,
		"X" + evilText,
		"550 " + strings.Repeat(evilText, 5000),
	} {
		code, out, errOut := runCLI(t, "", "explain", query)
		for what, text := range map[string]string{"stdout": out, "stderr": errOut} {
			if bad := firstUnsafe(text); bad != "" {
				t.Errorf("explain %.40q (exit %d): %s holds %s", query, code, what, bad)
			}
		}
		if len(out)+len(errOut) > 16<<10 {
			t.Errorf("explain %.40q: %d bytes of output, want it bounded", query, len(out)+len(errOut))
		}
	}
}

// startTLSWith greets, offers STARTTLS and hands cert over in the
// handshake.
func startTLSWith(cert tls.Certificate) func(net.Conn, <-chan struct{}) {
	return func(c net.Conn, _ <-chan struct{}) {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, "220 evil.test ESMTP\r\n")
		br := bufio.NewReader(c)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			switch strings.ToUpper(strings.TrimSpace(line)) {
			case "STARTTLS":
				io.WriteString(c, "220 2.0.0 go ahead\r\n")
				tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}}).Handshake()
				return
			default:
				io.WriteString(c, "250-evil.test\r\n250 STARTTLS\r\n")
			}
		}
	}
}

// TestCertificateRefusalOnStderr: the one sentence that refuses a
// certificate names it, escaped and bounded, whether it is untrusted or
// trusted but issued for other names.
func TestCertificateRefusalOnStderr(t *testing.T) {
	cert, pemFile := visibletest.HostileCert(t, 3000)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"untrusted", nil, `subject CN=evil\x1b[2J`},
		{"trusted, issued for other names", []string{"--cafile", pemFile}, `it was issued for evil\x1b]52;c;cm0gLXJmIH4=\x07.test`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := serveOnce(t, startTLSWith(cert))
			args := append([]string{"--starttls", "--timeout", "5s", addr}, tt.args...)
			code, out, errOut := runCLI(t, "QUIT\n", args...)
			if code != exitFailure {
				t.Fatalf("exit %d, want %d\nstderr: %.2000s", code, exitFailure, errOut)
			}
			if bad := firstUnsafe(errOut); bad != "" {
				t.Errorf("stderr holds %s", bad)
			}
			if bad := firstUnsafe(out); bad != "" {
				t.Errorf("stdout holds %s", bad)
			}
			if !strings.Contains(errOut, tt.want) || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
				t.Errorf("stderr = %.3000q, want one sentence with %q", errOut, tt.want)
			}
			if len(errOut) > 4<<10 {
				t.Errorf("stderr is %d bytes for one refused certificate, want it bounded", len(errOut))
			}
		})
	}
}

// TestInsecureWaivedEscapedOnce: what --insecure waived names the
// certificate's subject escaped once, as the refusal sentence does: the
// sentence is escaped already, and escaping it again would show
// "\\x1b" for ESC and cut it mid-way.
func TestInsecureWaivedEscapedOnce(t *testing.T) {
	cert, _ := visibletest.HostileCert(t, 3000)
	addr := serveOnce(t, startTLSWith(cert))
	_, out, errOut := runCLI(t, "EHLO me\nSTARTTLS\nQUIT\n", "--insecure", "--timeout", "5s", addr)
	for what, text := range map[string]string{"stdout": out, "stderr": errOut} {
		if bad := firstUnsafe(text); bad != "" {
			t.Errorf("%s holds %s", what, bad)
		}
		if want := `subject CN=evil\x1b[2J\x1b[H\x1b]0\;pwned\x07`; !strings.Contains(text, want) { // "\;" is RFC 2253's
			t.Errorf("%s = %.2000q, want the subject escaped once: %q", what, text, want)
		}
		if strings.Contains(text, `\\x1b`) {
			t.Errorf("%s escapes an escape again: %.2000q", what, text)
		}
	}
}

// TestScriptColonCommandsQuoteServersEscaped: in script mode, what a
// colon-command prints (:explain of the last reply, :status with the
// server's extensions) is a transcript comment that may go to a terminal.
func TestScriptColonCommandsQuoteServersEscaped(t *testing.T) {
	addr := serveOnce(t, func(c net.Conn, _ <-chan struct{}) {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, "220 evil.test "+evilText+"\r\n")
		br := bufio.NewReader(c)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			switch verb, _, _ := strings.Cut(strings.ToUpper(strings.TrimSpace(line)), " "); verb {
			case "EHLO":
				io.WriteString(c, "250-evil.test\r\n250-X"+evilText+"\r\n250 AUTH PLAIN "+evilClip+"\r\n")
			case "QUIT":
				io.WriteString(c, "221 bye\r\n")
				return
			default:
				io.WriteString(c, "550 5.1.1 "+evilText+"\r\n")
			}
		}
	})
	code, out, errOut := runCLI(t, "EHLO me.example\nMAIL FROM:<a@b.test>\n:explain\n:status\nQUIT\n", "--timeout", "5s", addr)
	if code != exitReplies {
		t.Errorf("exit %d, want %d\nstderr: %s", code, exitReplies, errOut)
	}
	for what, text := range map[string]string{"stdout": out, "stderr": errOut} {
		if bad := firstUnsafe(text); bad != "" {
			t.Errorf("%s holds %s", what, bad)
		}
	}
	if !strings.Contains(out, `# reply: 550 5.1.1 \x1b[2J`) || !strings.Contains(out, `extensions X\x1b[2J`) {
		t.Errorf("the comments do not show the server's text escaped:\n%s", out)
	}
}

// TestTLSShowHostileCertificate: every --tls-show form of a hostile
// certificate, accepted with --insecure or refused, reaches stdout and
// stderr escaped and bounded (3000 names: at most 10 shown per
// certificate).
func TestTLSShowHostileCertificate(t *testing.T) {
	cert, _ := visibletest.HostileCert(t, 3000)
	for _, form := range []string{"chain", "pem", "fingerprint"} {
		for _, insecure := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/insecure=%v", form, insecure), func(t *testing.T) {
				addr := serveOnce(t, startTLSWith(cert))
				args := []string{"--tls-show", form, "--timeout", "5s", addr}
				if insecure {
					args = append(args, "--insecure")
				}
				_, out, errOut := runCLI(t, "EHLO me\nSTARTTLS\nQUIT\n", args...)
				for what, text := range map[string]string{"stdout": out, "stderr": errOut} {
					if bad := firstUnsafe(text); bad != "" {
						t.Errorf("%s holds %s", what, bad)
					}
				}
				if !strings.Contains(out, "# certificate 1 of 1 (the server's own)") {
					t.Errorf("no certificate report in stdout:\n%.3000s", out)
				}
				// The PEM is the certificate itself, which crypto/tls bounds
				// (a certificate message of at most 256 KiB); the other
				// forms show at most 10 names.
				limit := 16 << 10
				if form == "pem" {
					limit = 400 << 10
				}
				if len(out) > limit {
					t.Errorf("stdout is %d bytes for one certificate, want at most %d", len(out), limit)
				}
			})
		}
	}
}
