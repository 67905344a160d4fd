package sandbox

import (
	"crypto/tls"
	"fmt"
	"time"

	"github.com/smtprepl/smtprepl/proto"
)

// certValidity is short because the certificate is made anew at every
// start: a leaked copy soon stops working, and "a few days" still covers a
// long-running sandbox and a lesson's --cafile.
const certValidity = 72 * time.Hour

// selfSigned makes the STARTTLS certificate for hostname, also valid for
// localhost.
func selfSigned(hostname string, now time.Time) (tls.Certificate, []byte, error) {
	cert, pem, err := proto.SelfSignedCert("smtprepl sandbox", []string{hostname, "localhost"}, now, certValidity)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("sandbox: certificate: %w", err)
	}
	return cert, pem, nil
}
