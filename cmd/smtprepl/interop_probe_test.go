//go:build interop

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/smtprepl/smtprepl/probe"
)

// TestInteropProbe probes the real peers: Postfix's three listeners as
// one host (25 STARTTLS, 465 implicit TLS, 587 STARTTLS required), and
// smtp-sink, which offers no STARTTLS.
func TestInteropProbe(t *testing.T) {
	plain, smtps, sub, sink, ca := os.Getenv("SMTPREPL_POSTFIX"), os.Getenv("SMTPREPL_POSTFIX_SMTPS"), os.Getenv("SMTPREPL_POSTFIX_SUBMISSION"), os.Getenv("SMTPREPL_SINK"), os.Getenv("SMTPREPL_PEERS_CA")
	if plain == "" || smtps == "" || sub == "" || sink == "" || ca == "" {
		t.Skip("SMTPREPL_POSTFIX, _SMTPS, _SUBMISSION, SMTPREPL_SINK and SMTPREPL_PEERS_CA are not all set: start the peers (.ci/peers/start.sh)")
	}
	port := func(addr string) string { _, p, _ := net.SplitHostPort(addr); return p }
	t.Run("postfix on 25, 465 and 587", func(t *testing.T) {
		rep, code := runProbeJSON(t, "127.0.0.1", "--ports", "25="+port(plain)+",465="+port(smtps)+",587="+port(sub), "--cafile", ca)
		if code != exitOK || len(rep.Hosts) != 1 || len(rep.Hosts[0].Ports) != 3 {
			t.Fatalf("exit %d, report %+v", code, rep)
		}
		p25, p465, p587 := rep.Hosts[0].Ports[0], rep.Hosts[0].Ports[1], rep.Hosts[0].Ports[2]
		for _, p := range []probe.PortReport{p25, p465, p587} {
			if !p.Reached || p.Error != "" || p.TLS == nil || !p.TLS.Verified || !strings.HasPrefix(p.Greeting, "220 mx.example.test ESMTP Postfix") {
				t.Errorf("port %d: %+v", p.Port, p)
			}
		}
		if p25.StartTLS != "offered" || !slices.Contains(p25.Ext.AuthBeforeTLS, "PLAIN") {
			t.Errorf("25: STARTTLS %q, AUTH before TLS %v (this Postfix offers AUTH in the clear on 25)", p25.StartTLS, p25.Ext.AuthBeforeTLS)
		}
		if len(p587.Ext.AuthBeforeTLS) != 0 || !slices.Contains(p587.Ext.AuthAfterTLS, "PLAIN") || p587.Changes == nil {
			t.Errorf("587 (smtpd_tls_auth_only): AUTH before %v, after %v, changes %+v", p587.Ext.AuthBeforeTLS, p587.Ext.AuthAfterTLS, p587.Changes)
		}
		if p587.Ext.Size != 10240000 || !p587.Ext.EnhancedStatusCodes || !p587.Ext.Pipelining {
			t.Errorf("587's extensions: %+v", p587.Ext)
		}
		if !slices.ContainsFunc(rep.Findings, func(f probe.Finding) bool { return f.Key == "ehlo-changed-after-tls" && slices.Contains(f.Ports, 587) }) {
			t.Errorf("no finding says 587's EHLO changed after STARTTLS: %+v", rep.Findings)
		}
	})
	for _, peer := range []struct{ name, env string }{{"exim", "SMTPREPL_EXIM"}, {"aiosmtpd", "SMTPREPL_AIOSMTPD"}} {
		t.Run(peer.name, func(t *testing.T) {
			addr := os.Getenv(peer.env)
			if addr == "" {
				t.Skipf("%s is not set", peer.env)
			}
			rep, code := runProbeJSON(t, addr, "--cafile", ca)
			if code != exitOK || len(rep.Hosts) != 1 {
				t.Fatalf("exit %d, report %+v", code, rep)
			}
			p := rep.Hosts[0].Ports[0]
			if !p.Reached || p.Error != "" || p.StartTLS != "offered" || p.TLS == nil || !p.TLS.Verified || len(p.AfterTLS) == 0 {
				t.Errorf("%s: %+v", peer.name, p)
			}
			if peer.name == "exim" && p.Ext.EnhancedStatusCodes {
				t.Errorf("Exim sends no enhanced status codes, yet the probe says it does")
			}
		})
	}
	t.Run("smtp-sink has no STARTTLS", func(t *testing.T) {
		rep, code := runProbeJSON(t, sink, "--fail-on", "warning")
		if code != exitReplies {
			t.Errorf("exit %d, want 1 (--fail-on warning and a warning)", code)
		}
		if !slices.ContainsFunc(rep.Findings, func(f probe.Finding) bool { return f.Key == "no-starttls" && f.Severity == probe.Warning }) {
			t.Errorf("findings %+v lack no-starttls", rep.Findings)
		}
	})
}

func runProbeJSON(t *testing.T, args ...string) (*probe.Report, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), iopRunLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, iopBinary, append([]string{"probe", "--json", "--timeout", iopReplyTimeout}, args...)...)
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running smtprepl probe: %v", err)
	}
	var rep probe.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("probe %v: not JSON (%v)\nstdout: %s\nstderr: %s", args, err, out.String(), errOut.String())
	}
	return &rep, code
}
