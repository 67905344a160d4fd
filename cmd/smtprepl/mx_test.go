package main

import (
	"net"
	"strings"
	"testing"

	"github.com/smtprepl/smtprepl/mx/mxtest"
	"github.com/smtprepl/smtprepl/proto/sandbox"
)

// TestMX runs sessions with --mx against a loopback DNS server whose MX
// hosts are a dead address and a live practice server, as an MTA meets
// them.
func TestMX(t *testing.T) {
	srv, err := sandbox.New(sandbox.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	addr, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	_, port, _ := net.SplitHostPort(addr.String())
	dns := mxtest.Start(t, `
good.test.       MX 10 dead.good.test.
good.test.       MX 20 live.good.test.
dead.good.test.  A 127.0.0.2
live.good.test.  A 127.0.0.1
nullmx.test.     MX 0 .
broken.test.     SERVFAIL
`)
	script := "EHLO me.example\nQUIT\n"
	cases := []struct {
		name   string
		args   []string
		env    string // SMTPREPL_RESOLVER
		exit   int
		stdout []string
		stderr string
	}{
		{name: "the second MX answers", args: []string{"--resolver", dns.Addr, "--mx", "good.test:" + port}, exit: exitOK,
			stdout: []string{"# mail for good.test goes to, in this order:", "dead.good.test  127.0.0.2", "trying the next", "connected to MX live.good.test at 127.0.0.1:" + port, "S: 221 "}},
		{name: "the resolver from the environment", args: []string{"--mx", "good.test:" + port}, env: dns.Addr, exit: exitOK,
			stdout: []string{"connected to MX live.good.test"}},
		{name: "null MX", args: []string{"--resolver", dns.Addr, "--mx", "nullmx.test:" + port}, exit: exitFailure,
			stdout: []string{"null MX"}, stderr: "nullmx.test accepts no mail (null MX): there is nothing to connect to"},
		{name: "no such domain", args: []string{"--resolver", dns.Addr, "--mx", "nowhere.test"}, exit: exitFailure,
			stdout: []string{"An MTA bounces mail to it at once"}, stderr: "the MX query for nowhere.test: NXDOMAIN from " + dns.Addr + ": the name does not exist"},
		{name: "server failure", args: []string{"--resolver", dns.Addr, "--mx", "broken.test"}, exit: exitFailure,
			stdout: []string{"It is temporary as far as mail goes"}, stderr: "SERVFAIL from " + dns.Addr},
		{name: "mx and a host", args: []string{"--mx", "good.test", "127.0.0.1"}, exit: exitUsage, stderr: "a HOST or --mx DOMAIN, not both"},
		{name: "bad mx port", args: []string{"--mx", "good.test:0"}, exit: exitUsage, stderr: `--mx takes DOMAIN or DOMAIN:PORT, got "good.test:0"`},
		{name: "bad resolver", args: []string{"--resolver", "1:2:3", "--mx", "good.test"}, exit: exitUsage, stderr: "--resolver: the resolver address"},
		{name: "bad resolver in the environment", args: []string{"--mx", "good.test"}, env: "127.0.0.1:", exit: exitUsage, stderr: "SMTPREPL_RESOLVER: the resolver address"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("SMTPREPL_RESOLVER", tc.env)
			code, out, errOut := runCLI(t, script, append([]string{"--timeout", "5s"}, tc.args...)...)
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
			// A usage error's "usage:" line is the subject of its own test.
			sentence, _, _ := strings.Cut(errOut, "\nusage:")
			if tc.stderr != "" && strings.Count(strings.TrimSpace(sentence), "\n") > 0 {
				t.Errorf("want one sentence on stderr, got %q", errOut)
			}
		})
	}
}

// TestMXCommand: :mx in a script shows the route as comments and leaves
// the session where it was.
func TestMXCommand(t *testing.T) {
	dns := mxtest.Start(t, "good.test. MX 10 live.good.test.\nlive.good.test. A 127.0.0.1\nnullmx.test. MX 0 .\n")
	code, out, errOut := runCLI(t, ":mx good.test\n:mx nullmx.test\nEHLO me.example\nQUIT\n", "--resolver", dns.Addr)
	if code != exitOK {
		t.Fatalf("exit %d\nstderr: %s\nstdout:\n%s", code, errOut, out)
	}
	for _, w := range []string{
		"# mail for good.test goes to, in this order:\n#    10  live.good.test  127.0.0.1\n",
		"# nullmx.test publishes a null MX",
		"C: EHLO me.example",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("stdout lacks %q:\n%s", w, out)
		}
	}
}
