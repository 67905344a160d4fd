package repl

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/visible"
)

// The forms of --tls-show and :tls: every certificate described, the
// chain as PEM, or only each certificate's SHA-256 fingerprint.
const (
	TLSShowChain       = "chain"
	TLSShowPEM         = "pem"
	TLSShowFingerprint = "fingerprint"
)

// tlsShowForms are the forms, in the order usage lists them.
var tlsShowForms = []string{TLSShowChain, TLSShowPEM, TLSShowFingerprint}

// ValidTLSShow reports whether form names a form of --tls-show.
func ValidTLSShow(form string) bool {
	for _, f := range tlsShowForms {
		if form == f {
			return true
		}
	}
	return false
}

// certsShown bounds how many certificates of a chain a report shows: a
// server may send any number.
const certsShown = 10

// TLSReport is what --tls-show and :tls print about a TLS connection, one
// line a string, for the shell and the transcript alike (which makes each
// line a "#" comment). Everything taken from a certificate is escaped.
func TLSReport(info *proto.TLSInfo, form string, now time.Time) []string {
	var out []string
	if form != TLSShowFingerprint {
		out = append(out, negotiated(info))
	}
	chain := info.Chain[:min(len(info.Chain), certsShown)]
	for i, c := range chain {
		head := fmt.Sprintf("certificate %d of %d%s", i+1, len(info.Chain), certRole(i, c))
		switch form {
		case TLSShowFingerprint:
			out = append(out, fmt.Sprintf("%s: sha256 %s %s", head, fingerprint(c), visible.TextClip(c.Subject.String(), 200)))
		case TLSShowPEM:
			out = append(out, head+": "+visible.TextClip(c.Subject.String(), 200))
			out = append(out, strings.Split(strings.TrimSuffix(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})), "\n"), "\n")...)
		default:
			out = append(out, head)
			out = append(out, certLines(c, now)...)
		}
	}
	if n := len(info.Chain) - len(chain); n > 0 {
		out = append(out, fmt.Sprintf("… and %d more certificate(s), not shown", n))
	}
	if len(info.Chain) == 0 {
		out = append(out, "the server sent no certificate")
	}
	return out
}

// negotiated is the handshake's outcome: version, cipher suite and ALPN.
func negotiated(info *proto.TLSInfo) string {
	if info.Version == "" {
		return "TLS: no session: the handshake stopped at this certificate chain, which was not trusted"
	}
	alpn := "none"
	if info.ALPN != "" {
		alpn = visible.Clip(info.ALPN, 100)
	}
	return fmt.Sprintf("TLS: %s, cipher %s, ALPN %s", info.Version, info.Cipher, alpn)
}

// certRole says what a certificate is in the chain.
func certRole(i int, c *x509.Certificate) string {
	switch {
	case i == 0:
		return " (the server's own)"
	case string(c.RawIssuer) == string(c.RawSubject):
		return " (a root, self-issued)"
	}
	return " (an intermediate)"
}

// certLines are the rows describing one certificate.
func certLines(c *x509.Certificate, now time.Time) []string {
	rows := [][2]string{
		{"subject", visible.TextClip(c.Subject.String(), 200)},
		{"names", certSANs(c)},
		{"issuer", issuerText(c)},
		{"valid", certValidity(c, now)},
		{"sha256", fingerprint(c)},
		{"key", keyDescription(c)},
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = fmt.Sprintf("  %-8s %s", r[0], r[1])
	}
	return out
}

// issuerText is who signed the certificate; a self-issued one (issuer
// and subject the same) says so, since no authority vouches for it.
func issuerText(c *x509.Certificate) string {
	if string(c.RawIssuer) == string(c.RawSubject) {
		return "itself (self-issued)"
	}
	return visible.TextClip(c.Issuer.String(), 200)
}

// certSANs lists the subject alternative names, kind by kind, escaped
// and at most certNamesShown of them.
func certSANs(c *x509.Certificate) string {
	var names []string
	for _, n := range c.DNSNames {
		names = append(names, "DNS:"+visible.Clip(n, 100))
	}
	for _, ip := range c.IPAddresses {
		names = append(names, "IP:"+ip.String())
	}
	for _, e := range c.EmailAddresses {
		names = append(names, "email:"+visible.Clip(e, 100))
	}
	for _, u := range c.URIs {
		names = append(names, "URI:"+visible.Clip(u.String(), 100))
	}
	if len(names) == 0 {
		return "none"
	}
	text := strings.Join(names[:min(len(names), certNamesShown)], ", ")
	if len(names) > certNamesShown {
		text += fmt.Sprintf(" and %d more", len(names)-certNamesShown)
	}
	return text
}

// certNamesShown is how many of a certificate's names a report lists.
const certNamesShown = 10

// certValidity is the validity period and where now stands in it.
func certValidity(c *x509.Certificate, now time.Time) string {
	const layout = "2006-01-02 15:04 MST"
	span := c.NotBefore.UTC().Format(layout) + " to " + c.NotAfter.UTC().Format(layout)
	switch {
	case now.Before(c.NotBefore):
		return span + " (NOT YET VALID)"
	case now.After(c.NotAfter):
		return span + fmt.Sprintf(" (EXPIRED %s ago)", Roughly(now.Sub(c.NotAfter)))
	}
	return span + fmt.Sprintf(" (%s left)", Roughly(c.NotAfter.Sub(now)))
}

// Roughly is a duration as a person reads a certificate's validity: in
// days from two days on, else hours, else minutes.
func Roughly(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(math.Round(d.Hours()/24)))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", int(math.Round(d.Hours())))
	}
	return fmt.Sprintf("%d minutes", int(math.Round(d.Minutes())))
}

// fingerprint is the SHA-256 of the certificate's DER, as openssl x509
// -fingerprint -sha256 prints it.
func fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	var b strings.Builder
	for i, x := range sum {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02X", x)
	}
	return b.String()
}

// keyDescription names the public key's type and size.
func keyDescription(c *x509.Certificate) string {
	alg, curve, bits := proto.PublicKey(c)
	switch alg {
	case "RSA":
		return fmt.Sprintf("RSA %d bits", bits)
	case "ECDSA":
		return fmt.Sprintf("ECDSA %s (%d bits)", curve, bits)
	case "Ed25519":
		return "Ed25519 (256 bits)"
	}
	return alg
}

// showTLSReport prints a report, in the view and in any recording.
func (s *Session) showTLSReport(info *proto.TLSInfo, form string) {
	now := time.Now
	if s.cfg.Now != nil {
		now = s.cfg.Now
	}
	lines := TLSReport(info, form, now())
	s.view.output(strings.Join(lines, "\n"))
	if s.recording != nil {
		// A recording is a transcript too: the report is its comments.
		for _, l := range lines {
			s.recording.rec.Comment(l)
		}
	}
}

// showRefusedChain shows, when --tls-show asked for it, the chain of a
// certificate that was refused: what the server presented is what the
// person needs to see to decide about --cafile (as openssl s_client
// shows it).
func (s *Session) showRefusedChain(err error) {
	var ce *proto.CertError
	if s.cfg.TLSShow != "" && errors.As(err, &ce) && ce.Info != nil && len(ce.Info.Chain) > 0 {
		s.showTLSReport(ce.Info, s.cfg.TLSShow)
	}
}

// runTLS is :tls: the report on the connection's TLS, chain by default.
func runTLS(_ context.Context, s *Session, args string) error {
	form := strings.TrimSpace(args)
	if form == "" {
		form = TLSShowChain
	}
	if !ValidTLSShow(form) {
		return errors.New("usage: :tls [chain|pem|fingerprint]")
	}
	if err := s.requireConn(); err != nil {
		return err
	}
	info := s.client.TLS()
	if info == nil {
		return errors.New("this connection is not encrypted: STARTTLS (or :open --tls) first")
	}
	s.showTLSReport(info, form)
	return nil
}
