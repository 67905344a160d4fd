package proto

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
)

// PublicKey says what a certificate's key is: its algorithm ("RSA",
// "ECDSA", "Ed25519", or x509's name for another), its curve for ECDSA,
// and its size in bits (0 when unknown). Reports word it their own way.
func PublicKey(c *x509.Certificate) (alg, curve string, bits int) {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		return "RSA", "", k.N.BitLen()
	case *ecdsa.PublicKey:
		return "ECDSA", k.Curve.Params().Name, k.Curve.Params().BitSize
	case ed25519.PublicKey:
		return "Ed25519", "", 256
	}
	return c.PublicKeyAlgorithm.String(), "", 0
}
