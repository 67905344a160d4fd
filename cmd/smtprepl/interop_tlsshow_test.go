//go:build interop

package main

import (
	"crypto/sha256"
	"encoding/pem"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestInteropTLSShow: --tls-show against Postfix's STARTTLS and
// implicit-TLS listeners, which present the peers' certificate
// (SMTPREPL_PEERS_CA): the fingerprint is that file's, and the pem form
// gives the file's certificate back.
func TestInteropTLSShow(t *testing.T) {
	ca := os.Getenv("SMTPREPL_PEERS_CA")
	if ca == "" {
		t.Skip("SMTPREPL_PEERS_CA is not set: start the peers with .ci/peers/start.sh and source peers.env")
	}
	data, err := os.ReadFile(ca)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("%s holds no PEM", ca)
	}
	var fp []string
	for _, b := range sha256.Sum256(block.Bytes) {
		fp = append(fp, fmt.Sprintf("%02X", b))
	}
	sum := strings.Join(fp, ":")
	listeners := []struct{ env, mode string }{{"SMTPREPL_POSTFIX", "--starttls"}, {"SMTPREPL_POSTFIX_SMTPS", "--tls"}}
	for _, l := range listeners {
		addr := os.Getenv(l.env)
		if addr == "" {
			t.Logf("%s is not set: skipped", l.env)
			continue
		}
		for _, form := range []string{"chain", "pem", "fingerprint"} {
			t.Run(l.env+"/"+form, func(t *testing.T) {
				r := iopRun(t, []byte(iopEHLO+"\nQUIT\n"), l.mode, "--cafile", ca, "--tls-show", form, addr)
				iopExpectExit(t, r, exitOK)
				want := map[string]string{
					"chain":       "#   sha256   " + sum,
					"fingerprint": "# certificate 1 of 1 (the server's own): sha256 " + sum + " CN=localhost",
					"pem":         "# " + strings.Join(strings.Split(strings.TrimSpace(string(pem.EncodeToMemory(block))), "\n"), "\n# "),
				}[form]
				if !strings.Contains(r.stdout, want+"\n") {
					t.Errorf("no %q in the transcript\n%s", want, r.describe())
				}
				if form != "fingerprint" && !strings.Contains(r.stdout, "# TLS: TLS 1.3, cipher ") {
					t.Errorf("the negotiated version and cipher are not shown\n%s", r.describe())
				}
			})
		}
	}
}
