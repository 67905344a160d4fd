package main

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smtprepl/smtprepl/proto/sandbox"
)

func TestProbeCommand(t *testing.T) {
	srv, err := sandbox.New(sandbox.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	plain, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sub, err := srv.ListenSubmission("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, srv.CertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	_, pPort, _ := net.SplitHostPort(plain.String())
	_, sPort, _ := net.SplitHostPort(sub.String())
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := closed.Addr().String()
	closed.Close()
	cases := []struct {
		name   string
		args   []string
		exit   int
		stdout []string
		stderr string
	}{
		{name: "two ports of the sandbox", args: []string{"127.0.0.1", "--ports", "25=" + pPort + ",587=" + sPort, "--cafile", ca}, exit: exitOK,
			stdout: []string{"127.0.0.1 port 25 (relay, " + plain.String() + ")", "127.0.0.1 port 587 (submission, " + sub.String() + ")",
				"changed    +AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256 XOAUTH2 OAUTHBEARER", "certificate verified", "findings: 0 error(s), 1 warning(s), 2 note(s)",
				"warning the certificate on ports 25 and 587 expires in"}},
		{name: "fail on warnings", args: []string{plain.String(), "--cafile", ca, "--fail-on", "warning"}, exit: exitReplies},
		{name: "fail on errors only", args: []string{plain.String(), "--cafile", ca, "--fail-on", "error"}, exit: exitOK},
		{name: "nothing reached", args: []string{dead}, exit: exitFailure, stdout: []string{"error   no port of any host could be reached"}},
		{name: "no target", args: nil, exit: exitUsage, stderr: "probe takes one HOST[:PORT] or DOMAIN, got 0"},
		{name: "bad fail-on", args: []string{"x", "--fail-on", "notice"}, exit: exitUsage, stderr: `--fail-on takes warning or error, got "notice"`},
		{name: "bad ports", args: []string{"x", "--ports", "25=abc"}, exit: exitUsage, stderr: `--ports: "25=abc" is not PORT or SERVICE=PORT`},
		{name: "bad target port", args: []string{"127.0.0.1:99999"}, exit: exitUsage, stderr: `"127.0.0.1:99999": the port must be a number from 1 to 65535`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", append([]string{"probe", "--timeout", "5s"}, tc.args...)...)
			if code != tc.exit {
				t.Fatalf("exit %d, want %d\nstderr: %s\nstdout:\n%s", code, tc.exit, errOut, out)
			}
			for _, w := range tc.stdout {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			if !strings.Contains(errOut, tc.stderr) {
				t.Errorf("stderr lacks %q: %q", tc.stderr, errOut)
			}
		})
	}
	t.Run("json", func(t *testing.T) {
		code, out, errOut := runCLI(t, "", "probe", "--json", "--timeout", "5s", "--cafile", ca, sub.String())
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var rep struct {
			Version int `json:"version"`
			Hosts   []struct {
				Ports []struct {
					Role string `json:"role"`
				} `json:"ports"`
			} `json:"hosts"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		if rep.Version != 1 || len(rep.Hosts) != 1 || rep.Hosts[0].Ports[0].Role != "relay" {
			t.Errorf("report %+v", rep)
		}
	})
}
