package proto

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/smtprepl/smtprepl/proto/visible"
)

// TLSOptions say how to trust the server's certificate.
type TLSOptions struct {
	ServerName string // for SNI and verification; default: the host dialled
	CAFile     string // trust only this PEM file (a lab CA, a self-signed cert)
	// RootPEM, like CAFile but in memory: the in-process sandbox's own
	// certificate needs no temporary file.
	RootPEM  []byte
	Insecure bool // accept any certificate, but still report what is wrong
	// NoSNI sends no server name in the handshake; the certificate is
	// still checked against ServerName (or the host dialled).
	NoSNI bool
	// MinVersion and MaxVersion bound the TLS versions offered (0: TLS 1.0
	// to the newest); CipherSuites are the TLS 1.2 suites offered (nil:
	// Go's defaults). TLS 1.3's suites are not configurable.
	MinVersion, MaxVersion uint16
	CipherSuites           []uint16
	// ClientCert is presented when the server asks for one.
	ClientCert *tls.Certificate
}

// TLSInfo is what a handshake negotiated, in the words a user needs.
type TLSInfo struct {
	Version, Cipher string
	ServerName      string
	Subject, Issuer string
	SANs            []string
	NotBefore       time.Time
	NotAfter        time.Time
	SelfSigned      bool
	// Chain is the certificates as the server sent them, leaf first, for
	// those who look deeper than the leaf (probe, DANE, --tls-show):
	// every name in them is the server's choice, to be escaped.
	Chain []*x509.Certificate
	// ALPN is the application protocol the server chose, "" for none.
	ALPN string
	// VerifyErr is why verification failed (nil: verified). With Insecure
	// the session goes on anyway and this says what was waived.
	VerifyErr error
	// Handshake is how long the TLS handshake took.
	Handshake time.Duration
}

// Verified reports whether the chain and name checked out.
func (t *TLSInfo) Verified() bool { return t.VerifyErr == nil }

// CertError is a refused certificate; its text names the certificate so the
// user knows what was wrong and can decide about --cafile or --insecure.
type CertError struct {
	Info *TLSInfo
	Err  error
}

func (e *CertError) Error() string {
	info := e.Info
	if info == nil {
		info = &TLSInfo{}
	}
	what := "the server's certificate"
	if info.Subject != "" {
		// The server chose these names; TextClip keeps the distinguished
		// names' own backslash escapes.
		what = fmt.Sprintf("the server's certificate (subject %s, issuer %s)", visible.TextClip(info.Subject, 200), visible.TextClip(info.Issuer, 200))
	}
	return fmt.Sprintf("proto: %s is not trusted for %q: %s", what, info.ServerName, visible.TextClip(certReason(e.Err, info), 1000))
}

func (e *CertError) Unwrap() error { return e.Err }

func certReason(err error, info *TLSInfo) string {
	var unknown x509.UnknownAuthorityError
	var roots x509.SystemRootsError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &host):
		return "it was issued for " + certNames(host.Certificate) + ", not this name"
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return "it has expired or is not yet valid: " + invalid.Detail
	case info.SelfSigned && (errors.As(err, &unknown) || errors.As(err, &roots)):
		return "it is self-signed, and no trusted authority vouches for it"
	case errors.As(err, &unknown):
		return "it was signed by an authority this machine does not trust"
	}
	return err.Error()
}

// certNames lists the names a certificate was issued for, escaped, and at
// most showNames of them: a certificate can carry thousands.
func certNames(c *x509.Certificate) string {
	const showNames = 10
	names := append(append([]string{}, c.DNSNames...), ipStrings(c)...)
	if len(names) == 0 {
		return "no host name at all"
	}
	shown := make([]string, 0, showNames)
	for _, n := range names[:min(len(names), showNames)] {
		shown = append(shown, visible.Clip(n, 100))
	}
	if len(names) > showNames {
		return fmt.Sprintf("%s and %d more", strings.Join(shown, ", "), len(names)-showNames)
	}
	return strings.Join(shown, ", ")
}

// StartTLS upgrades the connection after the server answered 220 to
// STARTTLS (RFC 3207). Bytes already buffered then were sent before the
// handshake, in plaintext, and would be taken as if protected: refuse them.
//
// The server is waiting for a handshake by then, so any failure closes the
// connection: going on in plaintext would not be the session the user asked for.
func (c *Client) StartTLS(ctx context.Context) (*TLSInfo, error) {
	if c.closed {
		return nil, errConnClosed
	}
	if n := c.r.Buffered(); n > 0 {
		err := fmt.Errorf("proto: server sent %d byte(s) after its 220 to STARTTLS, before the handshake (STARTTLS command injection), starting %q; refusing to start TLS, connection closed", n, c.r.peekBuffered(80))
		c.abort("STARTTLS refused")
		return nil, err
	}
	if err := c.bw.Flush(); err != nil {
		return nil, c.writeErr(err)
	}
	info, err := c.handshake(ctx)
	if err != nil {
		c.abort("TLS handshake failed")
	}
	return info, err
}

// abort closes the connection after a failure that leaves it unusable.
func (c *Client) abort(why string) {
	c.conn.Close()
	if !c.closed {
		c.closed = true
		c.event("connection closed: " + why)
	}
}

func (c *Client) handshake(ctx context.Context) (*TLSInfo, error) {
	info := &TLSInfo{ServerName: c.opts.TLS.ServerName}
	if info.ServerName == "" {
		info.ServerName = hostOf(c.addr)
	}
	cfg, err := c.tlsConfig(info)
	if err != nil {
		return nil, err
	}
	tc := tls.Client(c.conn, cfg)
	hctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	// A deadline left from an earlier read must not cut the handshake short.
	c.conn.SetDeadline(time.Now().Add(c.opts.Timeout))
	defer c.conn.SetDeadline(time.Time{})
	start := c.opts.Now()
	if err := tc.HandshakeContext(hctx); err != nil {
		return nil, c.handshakeErr(err, info)
	}
	c.lastWrite = c.opts.Now()
	info.Handshake = c.lastWrite.Sub(start)
	st := tc.ConnectionState()
	info.Version, info.Cipher = tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite)
	info.ALPN = st.NegotiatedProtocol
	c.conn, c.tlsInfo = tc, info
	c.wire(tc)
	c.event(fmt.Sprintf("TLS established: %s %s", info.Version, info.Cipher))
	return info, nil
}

// InfoFromState describes a TLS connection made elsewhere (the proxy's),
// as a Client's handshake describes its own; it is not verified here.
func InfoFromState(st tls.ConnectionState) *TLSInfo {
	info := &TLSInfo{Version: tls.VersionName(st.Version), Cipher: tls.CipherSuiteName(st.CipherSuite), ServerName: st.ServerName}
	info.describe(st.PeerCertificates)
	return info
}

// CertificateEvent is the line a recording keeps about the server's
// certificate, so that a replay can say when it changed: "certificate:
// subject CN=mx.example.com; issuer CN=R3,O=Let's Encrypt,C=US; names
// mx.example.com, example.com; expires 2027-03-01". Names are escaped:
// they come from the server.
func CertificateEvent(info *TLSInfo) string {
	names := info.SANs
	if len(names) > 10 {
		names = append(names[:10:10], fmt.Sprintf("… %d more", len(info.SANs)-10))
	}
	return fmt.Sprintf("certificate: subject %s; issuer %s; names %s; expires %s",
		visible.TextClip(info.Subject, 300), visible.TextClip(info.Issuer, 300),
		visible.TextClip(strings.Join(names, ", "), 1000), info.NotAfter.UTC().Format("2006-01-02"))
}

func (c *Client) handshakeErr(err error, info *TLSInfo) error {
	var ce *CertError
	if errors.As(err, &ce) {
		return ce
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("proto: TLS handshake with %s did not finish within %s", info.ServerName, c.opts.Timeout)
	}
	return fmt.Errorf("proto: TLS handshake with %s failed (is this port speaking TLS?): %w", info.ServerName, err)
}

// tlsConfig always verifies by hand in VerifyConnection, so the chain is
// inspected and described even when the user chose --insecure.
func (c *Client) tlsConfig(info *TLSInfo) (*tls.Config, error) {
	roots, err := loadRoots(c.opts.TLS.CAFile, c.opts.TLS.RootPEM)
	if err != nil {
		return nil, err
	}
	o := c.opts.TLS
	insecure := o.Insecure
	sni := info.ServerName
	if o.NoSNI {
		sni = "" // verification below still uses info.ServerName
	}
	var certs []tls.Certificate
	if o.ClientCert != nil {
		certs = []tls.Certificate{*o.ClientCert}
	}
	return &tls.Config{
		ServerName:         sni,
		InsecureSkipVerify: true, // verification happens in VerifyConnection
		MinVersion:         cmp.Or(o.MinVersion, tls.VersionTLS10),
		MaxVersion:         o.MaxVersion,
		CipherSuites:       o.CipherSuites,
		Certificates:       certs,
		VerifyConnection: func(cs tls.ConnectionState) error {
			info.describe(cs.PeerCertificates)
			info.VerifyErr = verifyChain(cs.PeerCertificates, roots, info.ServerName)
			if info.VerifyErr != nil && !insecure {
				return &CertError{Info: info, Err: info.VerifyErr}
			}
			return nil
		},
	}, nil
}

func loadRoots(caFile string, rootPEM []byte) (*x509.CertPool, error) {
	if caFile == "" && len(rootPEM) == 0 {
		return nil, nil // nil means the system roots
	}
	pem, what := rootPEM, "the trusted certificate"
	if caFile != "" {
		var err error
		if pem, err = os.ReadFile(caFile); err != nil {
			return nil, fmt.Errorf("proto: reading --cafile: %w", err)
		}
		what = "--cafile " + caFile
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("proto: %s holds no PEM certificate", what)
	}
	return pool, nil
}

func verifyChain(certs []*x509.Certificate, roots *x509.CertPool, name string) error {
	if len(certs) == 0 {
		return errors.New("the server sent no certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{DNSName: name, Roots: roots, Intermediates: inter})
	return err
}

func (t *TLSInfo) describe(certs []*x509.Certificate) {
	if len(certs) == 0 {
		return
	}
	leaf := certs[0]
	t.Chain = certs
	t.Subject, t.Issuer = leaf.Subject.String(), leaf.Issuer.String()
	t.NotBefore, t.NotAfter = leaf.NotBefore, leaf.NotAfter
	t.SANs = append(append([]string{}, leaf.DNSNames...), ipStrings(leaf)...)
	// Not CheckSignatureFrom(leaf): that also demands the certificate be a
	// CA, and a typical self-signed server certificate (snakeoil) is not.
	t.SelfSigned = bytes.Equal(leaf.RawIssuer, leaf.RawSubject) &&
		leaf.CheckSignature(leaf.SignatureAlgorithm, leaf.RawTBSCertificate, leaf.Signature) == nil
}

func ipStrings(c *x509.Certificate) []string {
	var out []string
	for _, ip := range c.IPAddresses {
		out = append(out, ip.String())
	}
	return out
}

// hostOf is the name a certificate is checked against by default. A
// Unix socket is on this machine, so its name is localhost (--sni names
// another).
func hostOf(addr string) string {
	if strings.HasPrefix(addr, UnixPrefix) {
		return "localhost"
	}
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return strings.Trim(addr, "[]")
}
