package repl

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/visible/visibletest"
)

// testChain is testdata/tlsshow/chain.pem: an RSA server certificate for
// mx.example.test and the ECDSA CA that signed it.
func testChain(t *testing.T) []*x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "tlsshow", "chain.pem"))
	if err != nil {
		t.Fatal(err)
	}
	var chain []*x509.Certificate
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		chain = append(chain, c)
	}
	return chain
}

// The --tls-show goldens: each form of the report on the fixed chain,
// thirty days into the server certificate's life. go test ./repl -run
// TestTLSReportGolden -update rewrites them.
func TestTLSReportGolden(t *testing.T) {
	chain := testChain(t)
	info := &proto.TLSInfo{Version: "TLS 1.3", Cipher: "TLS_AES_128_GCM_SHA256", Chain: chain}
	now := chain[0].NotBefore.Add(30 * 24 * time.Hour)
	for _, form := range tlsShowForms {
		t.Run(form, func(t *testing.T) {
			got := strings.Join(TLSReport(info, form, now), "\n") + "\n"
			path := filepath.Join("testdata", "tlsshow", form+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("--tls-show %s differs from %s (-want +got):\n%s", form, path, diff)
			}
		})
	}
}

// The pem form is the chain itself: it parses back to the same
// certificates.
func TestTLSReportPEMRoundTrip(t *testing.T) {
	chain := testChain(t)
	var text strings.Builder
	for _, line := range TLSReport(&proto.TLSInfo{Chain: chain}, TLSShowPEM, time.Now()) {
		text.WriteString(line + "\n")
	}
	rest := []byte(text.String())
	for i, c := range chain {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil || string(block.Bytes) != string(c.Raw) {
			t.Fatalf("certificate %d does not come back from the PEM:\n%s", i+1, text.String())
		}
	}
}

func TestTLSReportValidity(t *testing.T) {
	leaf := testChain(t)[0]
	cases := []struct {
		name string
		now  time.Time
		want string
	}{
		{"not yet valid", leaf.NotBefore.Add(-time.Hour), "(NOT YET VALID)"},
		{"hours left", leaf.NotAfter.Add(-5 * time.Hour), "(5 hours left)"},
		{"a day and a bit left", leaf.NotAfter.Add(-30 * time.Hour), "(30 hours left)"},
		{"expired", leaf.NotAfter.Add(72 * time.Hour), "(EXPIRED 3 days ago)"},
		{"minutes left", leaf.NotAfter.Add(-20 * time.Minute), "(20 minutes left)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := certValidity(leaf, tc.now); !strings.HasSuffix(got, tc.want) {
				t.Errorf("validity = %q, want it to end %q", got, tc.want)
			}
		})
	}
}

// A certificate's names are the server's choice: in every form the
// report holds nothing a terminal acts on, and a long list is cut.
func TestTLSReportHostileCert(t *testing.T) {
	cert, _ := visibletest.HostileCert(t, 40)
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	chain := make([]*x509.Certificate, 25)
	for i := range chain {
		chain[i] = leaf
	}
	info := &proto.TLSInfo{Version: "TLS 1.3", Cipher: "TLS_AES_128_GCM_SHA256", ALPN: "h2\x1b[31m", Chain: chain}
	for _, form := range tlsShowForms {
		out := strings.Join(TLSReport(info, form, time.Now()), "\n")
		visibletest.AssertTerminalSafe(t, "--tls-show "+form, out, false)
		if !strings.Contains(out, "and 15 more certificate(s), not shown") {
			t.Errorf("--tls-show %s: 25 certificates not cut to 10:\n%.2000s", form, out)
		}
		if form == TLSShowChain && !strings.Contains(out, "and 30 more") {
			t.Errorf("--tls-show chain: 40 names not cut to 10:\n%.2000s", out)
		}
	}
}
