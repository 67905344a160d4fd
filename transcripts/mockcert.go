package transcripts

import (
	"crypto/tls"
	"fmt"
	"time"

	"github.com/smtprepl/smtprepl/proto"
)

// mockCertValidity is short because the mock makes a new certificate at
// every start; a test run or a debugging afternoon fits in it easily.
const mockCertValidity = 72 * time.Hour

// selfSignedCert makes the mock's STARTTLS certificate for names.
func selfSignedCert(names []string, now time.Time) (tls.Certificate, []byte, error) {
	cert, pem, err := proto.SelfSignedCert("smtprepl mock", names, now, mockCertValidity)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("transcripts: mock certificate: %w", err)
	}
	return cert, pem, nil
}
