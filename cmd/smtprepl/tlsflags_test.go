package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smtprepl/smtprepl/proto"
)

func TestTLSFlagUsageErrors(t *testing.T) {
	junk := filepath.Join(t.TempDir(), "junk.pem")
	if err := os.WriteFile(junk, []byte("-----BEGIN \x1b[31mJUNK\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--tls-ciphers", "NOPE"}, "known: TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"},
		{[]string{"--tls-ciphers", "TLS_AES_128_GCM_SHA256"}, "is not a TLS 1.2 cipher suite"},
		{[]string{"--tls-min", "1.4"}, "use 1.0, 1.1, 1.2 or 1.3"},
		{[]string{"--tls-max", "tls1.2"}, "use 1.0, 1.1, 1.2 or 1.3"},
		{[]string{"--tls-min", "1.3", "--tls-max", "1.2"}, "--tls-min 1.3 is above --tls-max 1.2"},
		{[]string{"--tls-cert", junk}, "go together"},
		{[]string{"--tls-cert", junk, "--tls-key", junk}, "--tls-cert"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, errOut := runCLI(t, "", tc.args...)
			if code != exitUsage || !strings.Contains(errOut, tc.want) || strings.Contains(errOut, "\x1b") {
				t.Errorf("exit %d, stderr %q; want %d saying %q", code, errOut, exitUsage, tc.want)
			}
		})
	}
}

func TestTLSFlagsAgainstSandbox(t *testing.T) {
	args := []string{"--starttls", "--insecure", "--timeout", "5s", "--tls-max", "1.2", "--tls-ciphers", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"}
	code, out, errOut := runCLI(t, "QUIT\n", args...)
	if code != exitOK || !strings.Contains(out, "=== TLS established: TLS 1.2 TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256\n") {
		t.Errorf("exit %d, stderr %q\n%s", code, errOut, out)
	}
	code, out, errOut = runCLI(t, "QUIT\n", "--starttls", "--insecure", "--timeout", "5s", "--tls-min", "1.3")
	if code != exitOK || !strings.Contains(out, "=== TLS established: TLS 1.3 ") {
		t.Errorf("exit %d, stderr %q\n%s", code, errOut, out)
	}
}

// TestTLSClientCertificate: --tls-cert and --tls-key reach a server that
// asks for a client certificate.
func TestTLSClientCertificate(t *testing.T) {
	dir := t.TempDir()
	clientCert, certPEM, err := proto.SelfSignedCert("client", []string{"client.example"}, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(clientCert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	os.WriteFile(certFile, certPEM, 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	serverCert, _, err := proto.SelfSignedCert("server", []string{"mx.example.test"}, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{serverCert}, ClientAuth: tls.RequireAnyClientCert})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	seen := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		tc := c.(*tls.Conn)
		if tc.Handshake() != nil || len(tc.ConnectionState().PeerCertificates) == 0 {
			seen <- ""
			return
		}
		seen <- tc.ConnectionState().PeerCertificates[0].Subject.CommonName
		c.Write([]byte("220 mx.example.test ESMTP\r\n"))
		bufio.NewReader(c).ReadString('\n')
		c.Write([]byte("221 2.0.0 Bye\r\n"))
	}()
	code, out, errOut := runCLI(t, "QUIT\n", "--tls", "--insecure", "--timeout", "5s", "--tls-cert", certFile, "--tls-key", keyFile, ln.Addr().String())
	if cn := <-seen; cn != "client.example" {
		t.Errorf("the server saw client certificate %q, want client.example", cn)
	}
	if code != exitOK || !strings.Contains(out, "S: 221") {
		t.Errorf("exit %d, stderr %q\n%s", code, errOut, out)
	}
}

func TestStartTLSSendsEHLOName(t *testing.T) {
	code, out, errOut := runCLI(t, "QUIT\n", "--starttls", "--insecure", "--timeout", "5s", "--ehlo", "client.example.org")
	if code != exitOK || !strings.Contains(out, "C: EHLO client.example.org\n") || strings.Contains(out, "EHLO localhost") {
		t.Errorf("exit %d, stderr %q\n%s", code, errOut, out)
	}
	for _, bad := range []string{"two words", "x\x1b[2J"} {
		code, _, errOut := runCLI(t, "", "--ehlo", bad)
		if code != exitUsage || !strings.Contains(errOut, "--ehlo takes one name") || strings.Contains(errOut, "\x1b") {
			t.Errorf("--ehlo %q: exit %d, %q", bad, code, errOut)
		}
	}
}
