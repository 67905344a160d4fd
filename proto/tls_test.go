package proto

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// selfSigned makes a self-signed leaf certificate (not a CA, like a
// distribution's snakeoil certificate) for mx.example.test and 127.0.0.1,
// and writes its PEM to a file for TLSOptions.CAFile.
func selfSigned(t *testing.T) (cert tls.Certificate, pemFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mx.example.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		DNSNames:     []string{"mx.example.test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pemFile = filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(pemFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pemFile
}

func TestStartTLS(t *testing.T) {
	cert, pemFile := selfSigned(t)
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		opts         TLSOptions
		wantErr      []string // in the message; nil: success
		wantCertErr  bool
		wantVerified bool
	}{
		{
			name:        "self-signed refused without CAFile or Insecure",
			wantErr:     []string{"certificate (subject CN=mx.example.test", "self-signed"},
			wantCertErr: true,
		},
		{name: "self-signed accepted with Insecure", opts: TLSOptions{Insecure: true}},
		{name: "verified with CAFile", opts: TLSOptions{CAFile: pemFile}, wantVerified: true},
		{name: "verified with CAFile and a DNS name", opts: TLSOptions{CAFile: pemFile, ServerName: "mx.example.test"}, wantVerified: true},
		{
			name:        "CAFile but another name",
			opts:        TLSOptions{CAFile: pemFile, ServerName: "other.example.test"},
			wantErr:     []string{`not trusted for "other.example.test"`, "issued for mx.example.test, 127.0.0.1, not this name"},
			wantCertErr: true,
		},
		{name: "CAFile missing", opts: TLSOptions{CAFile: filepath.Join(t.TempDir(), "missing.pem")}, wantErr: []string{"reading --cafile"}},
		{name: "CAFile without PEM", opts: TLSOptions{CAFile: notPEM}, wantErr: []string{"holds no PEM certificate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := connect(t, Options{Timeout: 5 * time.Second, TLS: tt.opts}, func(s *fakeServer) {
				s.expect("STARTTLS")
				s.reply("220 2.0.0 Ready to start TLS")
				if err := s.startTLS(cert); err != nil {
					return // the client refused
				}
				s.expect("EHLO probe.example.test")
				s.reply("250-mx.example.test", "250 AUTH PLAIN LOGIN")
			})
			mustCmd(t, c, "STARTTLS", "220 2.0.0 Ready to start TLS")
			info, err := c.StartTLS(context.Background())
			if tt.wantErr != nil {
				if err == nil {
					t.Fatal("StartTLS succeeded")
				}
				for _, want := range tt.wantErr {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("StartTLS error = %q, want it to contain %q", err, want)
					}
				}
				var ce *CertError
				if errors.As(err, &ce) != tt.wantCertErr {
					t.Errorf("errors.As(%v, *CertError) = %v, want %v", err, !tt.wantCertErr, tt.wantCertErr)
				}
				if !c.Closed() {
					t.Error("the connection is still open after a failed STARTTLS")
				}
				return
			}
			if err != nil {
				t.Fatalf("StartTLS: %v", err)
			}
			if info != c.TLS() || !info.SelfSigned || info.Subject != "CN=mx.example.test" || info.Version == "" || info.Cipher == "" {
				t.Errorf("TLSInfo = %+v", info)
			}
			if diff := cmp.Diff([]string{"mx.example.test", "127.0.0.1"}, info.SANs); diff != "" {
				t.Errorf("SANs mismatch (-want +got):\n%s", diff)
			}
			if info.Verified() != tt.wantVerified {
				t.Errorf("Verified() = %v (%v), want %v", info.Verified(), info.VerifyErr, tt.wantVerified)
			}
			if !tt.wantVerified && (info.VerifyErr == nil || !strings.Contains(info.VerifyErr.Error(), "certificate")) {
				t.Errorf("VerifyErr = %v, want it to describe the certificate problem", info.VerifyErr)
			}
			caps := ParseEHLO(mustCmd(t, c, "EHLO probe.example.test", "250-mx.example.test"))
			if diff := cmp.Diff([]string{"PLAIN", "LOGIN"}, caps.AuthMechanisms()); diff != "" {
				t.Errorf("AUTH over TLS mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStartTLSRefusesInjectedBytes(t *testing.T) {
	c, _ := connect(t, Options{Timeout: 5 * time.Second, TLS: TLSOptions{Insecure: true}}, func(s *fakeServer) {
		s.expect("STARTTLS")
		s.write("220 2.0.0 Ready to start TLS\r\n250-injected\r\n") // one write: one segment
	})
	mustCmd(t, c, "STARTTLS", "220 2.0.0 Ready to start TLS")
	_, err := c.StartTLS(context.Background())
	if err == nil || !strings.Contains(err.Error(), `sent 14 byte(s) after its 220 to STARTTLS`) || !strings.Contains(err.Error(), `"250-injected\r\n"`) {
		t.Errorf("StartTLS error = %v, want a refusal naming the injected bytes", err)
	}
	if c.TLS() != nil || !c.Closed() {
		t.Errorf("TLS() = %v, Closed() = %v after refusing", c.TLS(), c.Closed())
	}
}

func TestImplicitTLS(t *testing.T) {
	cert, pemFile := selfSigned(t)
	script := func(s *fakeServer) {
		if err := s.startTLS(cert); err != nil {
			return
		}
		s.reply("220 mx.example.test ESMTP")
		s.expect("QUIT")
		s.reply("221 2.0.0 Bye")
	}
	t.Run("verified with CAFile", func(t *testing.T) {
		ln := listen(t, script)
		var taps []tapView
		c, err := Dial(context.Background(), ln.Addr().String(), Options{
			Timeout:     5 * time.Second,
			ImplicitTLS: true,
			TLS:         TLSOptions{CAFile: pemFile},
			Tap:         func(l TapLine) { taps = append(taps, viewOf(l)) },
		})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if c.TLS() == nil || !c.TLS().Verified() {
			t.Fatalf("TLS() = %+v, want a verified session", c.TLS())
		}
		mustRead(t, c, "220 mx.example.test ESMTP")
		mustCmd(t, c, "QUIT", "221 2.0.0 Bye")
		want := []tapView{
			{Event, "connected to " + ln.Addr().String(), false},
			{Event, "TLS established", true},
			{Received, "220 mx.example.test ESMTP\r\n", true},
			{Sent, "QUIT\r\n", true},
			{Received, "221 2.0.0 Bye\r\n", true},
		}
		if diff := cmp.Diff(want, taps); diff != "" {
			t.Errorf("taps mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("refused without CAFile", func(t *testing.T) {
		ln := listen(t, script)
		_, err := Dial(context.Background(), ln.Addr().String(), Options{Timeout: 5 * time.Second, ImplicitTLS: true})
		var ce *CertError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), "self-signed") {
			t.Errorf("Dial error = %v, want a *CertError saying self-signed", err)
		}
	})
	t.Run("plaintext server", func(t *testing.T) {
		ln := listen(t, func(s *fakeServer) { s.reply("220 mx.example.test ESMTP") })
		_, err := Dial(context.Background(), ln.Addr().String(), Options{Timeout: 5 * time.Second, ImplicitTLS: true})
		if err == nil || !strings.Contains(err.Error(), "is this port speaking TLS?") {
			t.Errorf("Dial error = %v, want a failed handshake", err)
		}
	})
}

// tapView is a TapLine with comparable data; the TLS event's cipher depends
// on the machine, so only its start is kept.
type tapView struct {
	Kind LineKind
	Data string
	TLS  bool
}

func viewOf(l TapLine) tapView {
	data := string(l.Data) // a Tap must not keep Data
	if l.Kind == Event && strings.HasPrefix(data, "TLS established") {
		data = "TLS established"
	}
	return tapView{l.Kind, data, l.TLS}
}

func TestClientTap(t *testing.T) {
	cert, _ := selfSigned(t)
	var taps []tapView
	opts := Options{
		Timeout: 5 * time.Second,
		TLS:     TLSOptions{Insecure: true},
		Tap:     func(l TapLine) { taps = append(taps, viewOf(l)) },
	}
	c, _ := connect(t, opts, func(s *fakeServer) {
		s.reply("220 mx.example.test ESMTP")
		s.expect("EHLO probe.example.test")
		s.reply("250-mx.example.test", "250 STARTTLS")
		s.expect("STARTTLS")
		s.reply("220 2.0.0 Ready to start TLS")
		if err := s.startTLS(cert); err != nil {
			s.t.Errorf("server: %v", err)
			return
		}
		s.expect("EHLO probe.example.test")
		s.reply("250-mx.example.test", "250 AUTH PLAIN")
		s.expect("MAIL FROM:<a@example.test>")
		s.expect("RCPT TO:<b@example.test>")
		s.reply("250 2.1.0 Ok", "250 2.1.5 Ok")
		s.expect("QUIT")
		s.reply("221 2.0.0 Bye")
	})
	mustRead(t, c, "220 mx.example.test ESMTP")
	mustCmd(t, c, "EHLO probe.example.test", "250-mx.example.test")
	mustCmd(t, c, "STARTTLS", "220 2.0.0 Ready to start TLS")
	if _, err := c.StartTLS(context.Background()); err != nil {
		t.Fatal(err)
	}
	mustCmd(t, c, "EHLO probe.example.test", "250-mx.example.test")
	for _, line := range []string{"MAIL FROM:<a@example.test>", "RCPT TO:<b@example.test>"} {
		if err := c.Queue(line); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	mustRead(t, c, "250 2.1.0 Ok")
	mustRead(t, c, "250 2.1.5 Ok")
	mustCmd(t, c, "QUIT", "221 2.0.0 Bye")
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	want := []tapView{
		{Received, "220 mx.example.test ESMTP\r\n", false},
		{Sent, "EHLO probe.example.test\r\n", false},
		{Received, "250-mx.example.test\r\n", false},
		{Received, "250 STARTTLS\r\n", false},
		{Sent, "STARTTLS\r\n", false},
		{Received, "220 2.0.0 Ready to start TLS\r\n", false},
		{Event, "TLS established", true},
		{Sent, "EHLO probe.example.test\r\n", true},
		{Received, "250-mx.example.test\r\n", true},
		{Received, "250 AUTH PLAIN\r\n", true},
		{Sent, "MAIL FROM:<a@example.test>\r\n", true},
		{Sent, "RCPT TO:<b@example.test>\r\n", true},
		{Received, "250 2.1.0 Ok\r\n", true},
		{Received, "250 2.1.5 Ok\r\n", true},
		{Sent, "QUIT\r\n", true},
		{Received, "221 2.0.0 Bye\r\n", true},
		{Event, "connection closed", true},
	}
	if diff := cmp.Diff(want, taps); diff != "" {
		t.Errorf("taps mismatch (-want +got):\n%s", diff)
	}
}

func TestHostOf(t *testing.T) {
	for addr, want := range map[string]string{
		"mx.example.test:25":  "mx.example.test",
		"127.0.0.1:587":       "127.0.0.1",
		"[::1]:25":            "::1",
		"mx.example.test":     "mx.example.test",
		"::1":                 "::1",
		"unix:/run/smtp.sock": "localhost",
	} {
		if got := hostOf(addr); got != want {
			t.Errorf("hostOf(%q) = %q, want %q", addr, got, want)
		}
	}
}
