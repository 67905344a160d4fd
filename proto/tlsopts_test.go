package proto

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"strings"
	"testing"
	"time"
)

// tlsPeer is a Go TLS server for one connection: it reports what the
// handshake negotiated, as the server saw it, then greets.
func tlsPeer(t *testing.T, cfg *tls.Config) (addr string, seen <-chan tls.ConnectionState) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan tls.ConnectionState, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		tc := tls.Server(c, cfg)
		if err := tc.Handshake(); err != nil {
			close(ch)
			return
		}
		ch <- tc.ConnectionState()
		tc.Write([]byte("220 mx.example.test ESMTP\r\n"))
	}()
	return ln.Addr().String(), ch
}

func TestTLSControls(t *testing.T) {
	serverCert, _ := selfSigned(t)
	clientCert, _ := selfSigned(t)
	chacha := tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305
	cases := []struct {
		name        string
		host        string // dialled instead of 127.0.0.1
		opts        TLSOptions
		wantVersion string
		wantCipher  string
		wantSNI     string
		wantClient  bool
	}{
		{name: "max 1.2", opts: TLSOptions{MaxVersion: tls.VersionTLS12}, wantVersion: "TLS 1.2"},
		{name: "min 1.3", opts: TLSOptions{MinVersion: tls.VersionTLS13}, wantVersion: "TLS 1.3"},
		{name: "a TLS 1.2 suite", opts: TLSOptions{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{chacha}},
			wantVersion: "TLS 1.2", wantCipher: tls.CipherSuiteName(chacha)},
		{name: "sni named", opts: TLSOptions{ServerName: "mx.example.test"}, wantSNI: "mx.example.test"},
		{name: "sni by default", host: "localhost", wantSNI: "localhost"},
		{name: "no sni", host: "localhost", opts: TLSOptions{NoSNI: true}, wantSNI: ""},
		{name: "client certificate", opts: TLSOptions{ClientCert: &clientCert}, wantClient: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr, seen := tlsPeer(t, &tls.Config{Certificates: []tls.Certificate{serverCert}, MinVersion: tls.VersionTLS12, ClientAuth: tls.RequestClientCert})
			if tc.host != "" {
				_, port, _ := net.SplitHostPort(addr)
				addr = net.JoinHostPort(tc.host, port)
			}
			tc.opts.Insecure = true
			c, err := Dial(context.Background(), addr, Options{Timeout: 5 * time.Second, ImplicitTLS: true, TLS: tc.opts})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			st := <-seen
			if tc.wantVersion != "" && (c.TLS().Version != tc.wantVersion || tls.VersionName(st.Version) != tc.wantVersion) {
				t.Errorf("version: client says %s, server %s; want %s", c.TLS().Version, tls.VersionName(st.Version), tc.wantVersion)
			}
			if tc.wantCipher != "" && (c.TLS().Cipher != tc.wantCipher || tls.CipherSuiteName(st.CipherSuite) != tc.wantCipher) {
				t.Errorf("cipher: client says %s, server %s; want %s", c.TLS().Cipher, tls.CipherSuiteName(st.CipherSuite), tc.wantCipher)
			}
			if tc.wantSNI != "" || tc.host != "" {
				if st.ServerName != tc.wantSNI {
					t.Errorf("the server saw SNI %q, want %q", st.ServerName, tc.wantSNI)
				}
			}
			if got := len(st.PeerCertificates) > 0; got != tc.wantClient {
				t.Errorf("the server saw a client certificate: %v, want %v", got, tc.wantClient)
			}
			if tc.wantClient && !st.PeerCertificates[0].Equal(mustParse(t, clientCert)) {
				t.Errorf("the server saw another certificate than --tls-cert's")
			}
		})
	}
}

func TestParseTLSFlags(t *testing.T) {
	if v, err := ParseTLSVersion("1.2"); err != nil || v != tls.VersionTLS12 {
		t.Errorf("ParseTLSVersion(1.2) = %x, %v", v, err)
	}
	if _, err := ParseTLSVersion("1.4"); err == nil || !strings.Contains(err.Error(), "use 1.0, 1.1, 1.2 or 1.3") {
		t.Errorf("ParseTLSVersion(1.4) error = %v", err)
	}
	ids, err := ParseCipherSuites("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_RSA_WITH_AES_128_CBC_SHA")
	if err != nil || len(ids) != 2 || ids[0] != tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 {
		t.Errorf("ParseCipherSuites = %x, %v", ids, err)
	}
	for _, bad := range []string{"TLS_AES_128_GCM_SHA256", "NOPE", "", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,"} {
		_, err := ParseCipherSuites(bad)
		if err == nil || !strings.Contains(err.Error(), "known: ") || !strings.Contains(err.Error(), "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384") {
			t.Errorf("ParseCipherSuites(%q) error = %v, want one listing the known suites", bad, err)
		}
	}
}

func FuzzParseCipherSuites(f *testing.F) {
	f.Add("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,NOPE")
	f.Add("\x1b[31m")
	f.Fuzz(func(t *testing.T, s string) {
		ids, err := ParseCipherSuites(s)
		if err == nil && len(ids) != strings.Count(s, ",")+1 {
			t.Errorf("%q gave %d suites", s, len(ids))
		}
		if err != nil && strings.ContainsAny(err.Error(), "\x1b\r\n") {
			t.Errorf("error %q carries controls", err)
		}
	})
}

func mustParse(t *testing.T, c tls.Certificate) *x509.Certificate {
	t.Helper()
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	return leaf
}
