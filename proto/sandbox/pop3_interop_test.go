//go:build interop

package sandbox

import (
	"flag"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var updatePOP3 = flag.Bool("update-pop3-captures", false, "rewrite "+pop3CaptureFile+" from the Dovecot peer")

// TestPOP3FidelityInteropDovecot runs the POP3 probes against the Dovecot
// that .ci/peers/start.sh runs, to check that the captures are what
// Dovecot answers today (or, with -update-pop3-captures, to retake them).
func TestPOP3FidelityInteropDovecot(t *testing.T) {
	addr, lmtp := os.Getenv("SMTPREPL_DOVECOT_POP3"), os.Getenv("SMTPREPL_DOVECOT_LMTP")
	if addr == "" || lmtp == "" {
		t.Skip("SMTPREPL_DOVECOT_POP3 is not set: start the peers with .ci/peers/start.sh and source peers.env")
	}
	tg := pop3Target{addr: addr, deliver: func(t *testing.T, body string) { smtpDeliver(t, lmtp, "LHLO", body) }}
	probes := pop3Probes()
	runs := map[string][]pop3Exchange{}
	for _, p := range probes {
		runs[p.name] = runPOP3Probe(t, tg, p)
	}
	if *updatePOP3 {
		if err := os.WriteFile(pop3CaptureFile, []byte(formatPOP3Captures(runs, probes)), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	captures := readPOP3Captures(t)
	for _, p := range probes {
		t.Run(p.name, func(t *testing.T) {
			want, got := compared(p, captures[p.name]), compared(p, runs[p.name])
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(pop3Exchange{})); diff != "" {
				t.Errorf("Dovecot no longer answers as captured (-want +got):\n%s", diff)
			}
		})
	}
}
