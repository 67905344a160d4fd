//go:build interop

package sandbox

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFidelityInteropPostfix runs the fidelity table against the real
// Postfix that .ci/peers/start.sh runs, to check that the table's Postfix
// column is what Postfix answers today.
func TestFidelityInteropPostfix(t *testing.T) {
	addrs := map[port]string{
		plainPort:      os.Getenv("SMTPREPL_POSTFIX"),
		submissionPort: os.Getenv("SMTPREPL_POSTFIX_SUBMISSION"),
		smtpsPort:      os.Getenv("SMTPREPL_POSTFIX_SMTPS"),
	}
	if addrs[plainPort] == "" {
		t.Skip("SMTPREPL_POSTFIX is not set: start the peers with .ci/peers/start.sh and source peers.env")
	}
	for _, p := range fidelityProbes() {
		t.Run(p.name, func(t *testing.T) {
			if addrs[p.port] == "" {
				t.Skipf("no Postfix listener for port kind %d", p.port)
			}
			if p.sandbox != nil {
				logDifference(t, p)
			}
			if diff := cmp.Diff(p.postfix(), runProbe(t, addrs[p.port], p)); diff != "" {
				t.Errorf("Postfix no longer answers as the table says (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFidelityInteropDovecot runs the LMTP fidelity table against the
// real Dovecot LMTP server that .ci/peers/start.sh runs.
func TestFidelityInteropDovecot(t *testing.T) {
	addr := os.Getenv("SMTPREPL_DOVECOT_LMTP")
	if addr == "" {
		t.Skip("SMTPREPL_DOVECOT_LMTP is not set: start the peers with .ci/peers/start.sh and source peers.env")
	}
	for _, p := range lmtpProbes() {
		t.Run(p.name, func(t *testing.T) {
			if diff := cmp.Diff(p.postfix(), runLMTPProbe(t, addr, p)); diff != "" {
				t.Errorf("Dovecot no longer answers as the table says (-want +got):\n%s", diff)
			}
		})
	}
}
