// Package visibletest holds what tests of terminal safety share across
// the module (repl, its terminal, the command): the escapes a hostile
// server, certificate or file would carry, the check that output holds
// nothing a terminal would act on, and a certificate full of escapes.
// Only tests import it.
package visibletest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
	"unicode/utf8"
)

// Escapes a hostile server puts in its replies: a clear-screen, a window
// title, a clipboard write (OSC 52), a hyperlink (OSC 8), a raw C1 CSI, a
// UTF-8 C1 CSI, a bell and the bidi controls of the Trojan Source family.
const (
	EvilCSI   = "\x1b[2J\x1b[H"
	EvilTitle = "\x1b]0;pwned\x07"
	EvilClip  = "\x1b]52;c;cm0gLXJmIH4=\x07"
	EvilLink  = "\x1b]8;;http://evil.test\x1b\\click\x1b]8;;\x1b\\"
	EvilC1    = "\x9b2J\u009b2J\u0085"
	EvilBidi  = "\u202egnp.exe\u2066\u2069"
	EvilAll   = EvilCSI + EvilTitle + EvilClip + EvilLink + EvilC1 + EvilBidi + "\x07\x7f"
	// EvilUTF8 is what a certificate's UTF8String can carry.
	EvilUTF8 = EvilCSI + EvilTitle + EvilClip + "\u009b2J" + EvilBidi + "\x07"
)

// SGR is our own colour: the only escape the shell may write.
var SGR = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// TerminalUnsafe names the first thing in out a terminal would act on,
// or "" when there is none. SGR colour sequences pass when colour is on;
// LF is the line structure.
func TerminalUnsafe(out string, colour bool) string {
	if colour {
		out = SGR.ReplaceAllString(out, "")
	}
	for i := 0; i < len(out); {
		r, n := utf8.DecodeRuneInString(out[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			return fmt.Sprintf("byte %#x that is not UTF-8 at %d: %q", out[i], i, around(out, i))
		case r == '\n':
		case r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f:
			return fmt.Sprintf("control %U at %d: %q", r, i, around(out, i))
		case r != ' ' && !strconv.IsPrint(r):
			return fmt.Sprintf("invisible %U at %d: %q", r, i, around(out, i))
		}
		i += n
	}
	return ""
}

func around(s string, i int) string { return s[max(0, i-40):min(len(s), i+40)] }

// AssertTerminalSafe fails t when out holds anything a terminal would act on.
func AssertTerminalSafe(t testing.TB, what, out string, colour bool) {
	t.Helper()
	if bad := TerminalUnsafe(out, colour); bad != "" {
		t.Errorf("%s reaches the terminal with %s", what, bad)
	}
}

// HostileCert is a CA certificate whose subject, issuer and names carry
// escapes, with names names in all (the first two "evil"+EvilClip+".test"
// and "x"+EvilCSI+".test"); it names no address, so a client that trusts
// it still refuses it for 127.0.0.1, quoting its names. pemFile is its
// PEM, for --cafile, in a directory t removes.
func HostileCert(t testing.TB, names int) (cert tls.Certificate, pemFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dns := []string{"evil" + EvilClip + ".test", "x" + EvilCSI + ".test"}
	for i := 0; len(dns) < names; i++ {
		dns = append(dns, fmt.Sprintf("n%d%s.test", i, EvilTitle))
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "evil" + EvilUTF8, Organization: []string{"org" + EvilBidi + EvilTitle}},
		DNSNames:     dns,
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pemFile = filepath.Join(t.TempDir(), "evil.pem")
	if err := os.WriteFile(pemFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pemFile
}
