//go:build interop

package sandbox

import (
	"flag"
	"fmt"
	"os"
	"strings"
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

// formatPOP3Captures is the capture file's text for a run of the probes.
func formatPOP3Captures(runs map[string][]pop3Exchange, probes []pop3Probe) string {
	var b strings.Builder
	b.WriteString("# Dovecot 2.3 POP3 (Debian 12) answering the probes of pop3_fidelity_test.go.\n")
	b.WriteString("# Regenerate: go test -tags interop ./proto/sandbox -run POP3FidelityInterop -update-pop3-captures\n")
	for _, p := range probes {
		fmt.Fprintf(&b, "== %s\n", p.name)
		for i, ex := range runs[p.name] {
			if i > 0 {
				fmt.Fprintf(&b, "C: %s\n", ex.send)
			}
			for _, l := range ex.lines {
				fmt.Fprintf(&b, "S: %s\n", l)
			}
		}
	}
	return b.String()
}
