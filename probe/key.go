package probe

import (
	"crypto/x509"
	"fmt"

	"github.com/smtprepl/smtprepl/proto"
)

// keyDescription names the public key the way an operator compares them:
// "RSA 2048", "ECDSA P-256", "Ed25519".
func keyDescription(c *x509.Certificate) string {
	alg, curve, bits := proto.PublicKey(c)
	switch alg {
	case "RSA":
		return fmt.Sprintf("RSA %d", bits)
	case "ECDSA":
		return "ECDSA " + curve
	}
	return alg
}
