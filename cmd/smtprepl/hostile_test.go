package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/smtprepl/smtprepl/repl"
	"github.com/smtprepl/smtprepl/repl/term"
)

// A hostile server is a function that plays one connection badly. Each case
// says what script mode must do: end by itself within --timeout plus a
// second, with the exit code and one sentence naming the problem.
type hostile struct {
	name   string
	script string // what the user typed
	serve  func(c net.Conn, stop <-chan struct{})
	exit   int
	stderr string // a phrase the one-sentence error must contain
}

const hostileTimeout = 700 * time.Millisecond

func hostileCases() []hostile {
	greet := func(c net.Conn) { io.WriteString(c, "220 evil.test ESMTP\r\n") }
	return []hostile{
		{"silent server", "QUIT\n", func(c net.Conn, stop <-chan struct{}) { idle(c) }, exitFailure, "did not answer within"},
		{"close right after accept", "QUIT\n", func(c net.Conn, stop <-chan struct{}) {}, exitFailure, "closed by server"},
		{"drop in the middle of a multi-line reply", "EHLO me\n", func(c net.Conn, stop <-chan struct{}) {
			greet(c)
			readLine(c)
			io.WriteString(c, "250-evil.test\r\n250-PIPELINING\r\n")
		}, exitFailure, "middle of a multi-line reply"},
		{"a line that never ends", "QUIT\n", func(c net.Conn, stop <-chan struct{}) {
			chunk := bytes.Repeat([]byte("2"), 64<<10)
			for i := 0; i < 64; i++ {
				if _, err := c.Write(chunk); err != nil {
					return
				}
			}
			idle(c)
		}, exitFailure, "longer than"},
		{"bare-LF replies are accepted", "EHLO me\nQUIT\n", func(c net.Conn, stop <-chan struct{}) {
			io.WriteString(c, "220 evil.test\n")
			readLine(c)
			io.WriteString(c, "250-evil.test\n250 8BITMIME\n")
			readLine(c)
			io.WriteString(c, "221 bye\n")
		}, exitOK, ""},
		{"random binary garbage", "QUIT\n", func(c net.Conn, stop <-chan struct{}) {
			garbage := make([]byte, 4096)
			rand.Read(garbage)
			garbage[0], garbage[1] = 0xff, '\n'
			c.Write(garbage)
			idle(c)
		}, exitFailure, "malformed reply"},
		{"multi-line reply whose codes disagree", "EHLO me\n", func(c net.Conn, stop <-chan struct{}) {
			greet(c)
			readLine(c)
			io.WriteString(c, "250-evil.test\r\n251 PIPELINING\r\n")
			idle(c)
		}, exitFailure, "continuation line has code 251"},
		{"non-numeric code", "QUIT\n", func(c net.Conn, stop <-chan struct{}) { io.WriteString(c, "2x0 hello\r\n"); idle(c) }, exitFailure, "not three digits"},
		{"out-of-range code", "QUIT\n", func(c net.Conn, stop <-chan struct{}) { io.WriteString(c, "700 hello\r\n"); idle(c) }, exitFailure, "out of range"},
		{"NUL in a reply", "QUIT\n", func(c net.Conn, stop <-chan struct{}) { io.WriteString(c, "220 a\x00b\r\n"); idle(c) }, exitFailure, "NUL"},
		{"421 at the greeting", "EHLO me\n", func(c net.Conn, stop <-chan struct{}) {
			io.WriteString(c, "421 4.3.2 evil.test Service not available\r\n")
		}, exitFailure, "closed"},
		{"421 after MAIL", "EHLO me\nMAIL FROM:<a@b.test>\nRCPT TO:<c@d.test>\n", func(c net.Conn, stop <-chan struct{}) {
			greet(c)
			readLine(c)
			io.WriteString(c, "250 evil.test\r\n")
			readLine(c)
			io.WriteString(c, "421 4.7.0 evil.test Error: too many errors\r\n")
		}, exitFailure, "closed"},
		{"greeting dripped one byte at a time", "QUIT\n", func(c net.Conn, stop <-chan struct{}) {
			for _, b := range []byte("220 slow.test ESMTP\r\n") {
				c.Write([]byte{b})
				time.Sleep(5 * time.Millisecond)
			}
			readLine(c)
			io.WriteString(c, "221 bye\r\n")
		}, exitOK, ""},
		{"greeting dripped slower than the deadline", "QUIT\n", func(c net.Conn, stop <-chan struct{}) {
			for _, b := range []byte("220-a\r\n220-ESMTP\r\n220 ok\r\n") {
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
				time.Sleep(60 * time.Millisecond)
			}
		}, exitFailure, "in the middle of a reply"},
		{"close during DATA", "EHLO me\nMAIL FROM:<a@b.test>\nRCPT TO:<c@d.test>\nDATA\nSubject: x\n\nline\n.\n", func(c net.Conn, stop <-chan struct{}) {
			greet(c)
			for _, r := range []string{"250 ok", "250 ok", "250 ok", "354 go"} {
				readLine(c)
				io.WriteString(c, r+"\r\n")
			}
			readLine(c)
		}, exitFailure, "closed"},
		{"silence after the final dot", "EHLO me\nMAIL FROM:<a@b.test>\nRCPT TO:<c@d.test>\nDATA\nSubject: x\n\nline\n.\n", func(c net.Conn, stop <-chan struct{}) {
			greet(c)
			for _, r := range []string{"250 ok", "250 ok", "250 ok", "354 go"} {
				readLine(c)
				io.WriteString(c, r+"\r\n")
			}
			idle(c)
		}, exitFailure, "did not answer within"},
		{"garbage instead of a TLS handshake", "EHLO me\nSTARTTLS\n", func(c net.Conn, stop <-chan struct{}) {
			greet(c)
			readLine(c)
			io.WriteString(c, "250-evil.test\r\n250 STARTTLS\r\n")
			readLine(c)
			io.WriteString(c, "220 go ahead\r\n")
			time.Sleep(50 * time.Millisecond)
			io.WriteString(c, "this is not TLS at all\r\n")
			idle(c)
		}, exitFailure, "TLS handshake"},
		{"plaintext injected after 220 to STARTTLS", "EHLO me\nSTARTTLS\n", func(c net.Conn, stop <-chan struct{}) {
			greet(c)
			readLine(c)
			io.WriteString(c, "250-evil.test\r\n250 STARTTLS\r\n")
			readLine(c)
			io.WriteString(c, "220 go ahead\r\n250 injected\r\n")
			idle(c)
		}, exitFailure, "injection"},
		{"certificate for another name", "EHLO me\nSTARTTLS\n", func(c net.Conn, stop <-chan struct{}) {
			greet(c)
			readLine(c)
			io.WriteString(c, "250-evil.test\r\n250 STARTTLS\r\n")
			readLine(c)
			io.WriteString(c, "220 go ahead\r\n")
			tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{otherNameCert()}})
			tc.Handshake()
			idle(tc)
		}, exitFailure, "certificate"},
		{"reply of too many lines", "EHLO me\n", func(c net.Conn, stop <-chan struct{}) {
			greet(c)
			readLine(c)
			line := []byte("250-X\r\n")
			for i := 0; i < 20000; i++ {
				if _, err := c.Write(line); err != nil {
					return
				}
			}
			idle(c)
		}, exitFailure, "more than 10000 lines"},
		{"server never reads a big message", "EHLO me\nMAIL FROM:<a@b.test>\nRCPT TO:<c@d.test>\nDATA\n" + strings.Repeat(strings.Repeat("x", 990)+"\n", 20000) + ".\n", func(c net.Conn, stop <-chan struct{}) {
			greet(c)
			for _, r := range []string{"250 ok", "250 ok", "250 ok", "354 go"} {
				readLine(c)
				io.WriteString(c, r+"\r\n")
			}
			<-stop
		}, exitFailure, "stopped reading"},
		{"5xx reply is data, exit 1", "EHLO me\nQUIT\n", func(c net.Conn, stop <-chan struct{}) {
			greet(c)
			readLine(c)
			io.WriteString(c, "550 5.7.1 go away\r\n")
			readLine(c)
			io.WriteString(c, "221 bye\r\n")
		}, exitReplies, ""},
	}
}

// idle holds the connection open without answering, until the client
// leaves (it reads so that a close is noticed).
func idle(c net.Conn) {
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	io.Copy(io.Discard, c)
}

func readLine(c net.Conn) {
	var b [1]byte
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, err := c.Read(b[:]); err != nil || b[0] == '\n' {
			return
		}
	}
}

func otherNameCert() tls.Certificate {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "elsewhere.example"},
		DNSNames: []string{"elsewhere.example"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// serveOnce accepts one connection on 127.0.0.1 and plays it.
func serveOnce(t *testing.T, play func(net.Conn, <-chan struct{})) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done, stop := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		play(c, stop)
	}()
	t.Cleanup(func() { close(stop); l.Close(); <-done })
	return l.Addr().String()
}

func TestHostileServers(t *testing.T) {
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			addr := serveOnce(t, tc.serve)
			var stdout, stderr bytes.Buffer
			start := time.Now()
			code := run([]string{"--timeout", hostileTimeout.String(), addr}, strings.NewReader(tc.script), &stdout, &stderr)
			elapsed := time.Since(start)
			// Bounds a hang, not a speed: the issue's own limit.
			if elapsed > 2*hostileTimeout+time.Second {
				t.Errorf("took %s, want at most --timeout (%s) per reply plus a second", elapsed, hostileTimeout)
			}
			if code != tc.exit {
				t.Errorf("exit %d, want %d\nstderr: %s\nstdout:\n%s", code, tc.exit, stderr.String(), stdout.String())
			}
			msg := strings.TrimSpace(stderr.String())
			if tc.stderr == "" {
				return
			}
			if strings.Count(msg, "\n") > 0 || !strings.Contains(msg, tc.stderr) {
				t.Errorf("stderr = %q, want one sentence containing %q", msg, tc.stderr)
			}
		})
	}
}

// TestHostileServersInTheShell plays the same servers to the interactive
// shell: each problem is named, nothing hangs, and afterwards the shell
// still answers (:status) and says whether the connection is gone.
func TestHostileServersInTheShell(t *testing.T) {
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			addr := serveOnce(t, tc.serve)
			lines := append(strings.Split(strings.TrimSuffix(tc.script, "\n"), "\n"), ":status")
			var out bytes.Buffer
			lr := &typedLines{lines: lines, out: &out}
			start := time.Now()
			err := term.RunShell(context.Background(), repl.Config{Addr: addr, Timeout: hostileTimeout}, &out, lr)
			elapsed := time.Since(start)
			if err != nil {
				t.Fatalf("the shell ended with %v, want it to end only at the end of input", err)
			}
			// Each command line may wait up to the timeout, plus the greeting.
			// The bound catches a hang, which never ends; its slack is wide
			// because typing 20000 lines under -race on a loaded machine
			// takes seconds of its own, and speed is for benchmarks.
			commands := strings.Count(tc.script, "\n") - strings.Count(tc.script, strings.Repeat("x", 990))
			if limit := time.Duration(commands+1)*hostileTimeout + 20*time.Second; elapsed > limit {
				t.Errorf("took %s, want at most %s", elapsed, limit)
			}
			// The shell wraps long lines to the terminal's width.
			text := out.String()
			if tc.stderr != "" && !strings.Contains(strings.Join(strings.Fields(text), " "), tc.stderr) {
				t.Errorf("the shell did not name the problem (%q):\n%s", tc.stderr, tail(text, 2000))
			}
			if lr.read != len(lines) {
				t.Errorf("the shell read %d of %d lines", lr.read, len(lines))
			}
			status := text[lr.lastAt:]
			if tc.exit == exitFailure && !strings.Contains(status, "not connected") && !strings.Contains(status, "out of step") {
				t.Errorf("after the failure :status says neither that the connection is gone nor that it may be out of step:\n%s", status)
			}
		})
	}
}

// typedLines is a person typing lines into the shell, then Ctrl-D.
type typedLines struct {
	lines  []string
	read   int
	out    *bytes.Buffer
	lastAt int // where in out the answer to the last line starts
}

func (l *typedLines) Readline() (string, error) {
	if l.read == len(l.lines) {
		return "", io.EOF
	}
	l.read++
	l.lastAt = l.out.Len()
	return l.lines[l.read-1], nil
}
func (l *typedLines) ReadPassword(string) ([]byte, error) { return nil, io.EOF }
func (l *typedLines) SetPrompt(string)                    {}
func (l *typedLines) SaveHistory(string) error            { return nil }
func (l *typedLines) ResetHistory()                       {}
func (l *typedLines) Close() error                        { return nil }

func tail(s string, n int) string { return s[max(0, len(s)-n):] }
