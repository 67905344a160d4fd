package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTransportFlagUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--xclient", "FOO=1"}, `--xclient: XCLIENT has no attribute "FOO"`},
		{[]string{"--xclient", "ADDR=mail.example"}, "ADDR=mail.example: not an IP address"},
		{[]string{"--xclient", "ADDR"}, `"ADDR" is not NAME=VALUE`},
		{[]string{"--proxy=v3"}, "--proxy takes v1 or v2"},
		{[]string{"--proxy-source", "192.0.2.1"}, "--proxy-source takes IP:PORT"},
		{[]string{"--proxy-dest", "mx.example:25"}, "--proxy-dest takes IP:PORT"},
		{[]string{"--proxy-source", "192.0.2.1:1", "--proxy-dest", "[2001:db8::1]:25"}, "must both be IPv4 or both IPv6"},
		{[]string{"--pipe", "sendmail -bs", "127.0.0.1:25"}, "--pipe speaks to a process, not to a server"},
		{[]string{"--pipe", "sendmail -bs", "--starttls"}, "--pipe cannot be encrypted"},
		{[]string{"--pipe", "sendmail -bs", "--proxy"}, "--pipe has no connection for a PROXY header"},
		{[]string{"--pipe", "sendmail -bs", "--local-addr", "127.0.0.1"}, "--local-addr needs a connection"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, errOut := runCLI(t, "", tc.args...)
			if code != exitUsage || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d saying %q", code, errOut, exitUsage, tc.want)
			}
		})
	}
}

func TestJoinProxyVersion(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{[]string{"--proxy", "v2", "mx:25"}, []string{"--proxy=v2", "mx:25"}},
		{[]string{"--proxy", "mx:25"}, []string{"--proxy", "mx:25"}},
		{[]string{"-proxy", "1"}, []string{"-proxy=1"}},
		{[]string{"--proxy"}, []string{"--proxy"}},
		{[]string{"--pipe", "--proxy"}, []string{"--pipe", "--proxy"}},
	} {
		if diff := cmp.Diff(tc.want, joinProxyVersion(tc.in)); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tc.in, diff)
		}
	}
}

// --proxy against the sandbox: the in-process sandbox then reads the
// header, and the client it names is the one it reports.
func TestProxyAgainstSandbox(t *testing.T) {
	for _, version := range []string{"v1", "v2"} {
		t.Run(version, func(t *testing.T) {
			code, out, errOut := runCLI(t, "EHLO me.example\nQUIT\n", "--proxy", version, "--proxy-source", "192.0.2.7:4000", "--timeout", "5s")
			if code != exitOK || !strings.Contains(out, "=== PROXY "+version+" header sent") || !strings.Contains(out, "source 192.0.2.7:4000") {
				t.Errorf("exit %d, stderr %q\n%s", code, errOut, out)
			}
		})
	}
}

// A --pipe process that speaks garbage, floods, or never answers ends in
// one sentence, exit 2; what it wrote is escaped.
func TestPipeHostile(t *testing.T) {
	for _, tc := range []struct{ command, want string }{
		{"yes garbage", `reading the greeting: malformed reply: reply code is not three digits: "garbage"`},
		{`printf '220 \033]0;pwned\007\r\n'; sleep 60`, "waiting for the reply to EHLO: server did not answer within 300ms"},
		{"exit 3", "the --pipe process closed its output before greeting"},
	} {
		t.Run(tc.command, func(t *testing.T) {
			code, out, errOut := runCLI(t, "EHLO me.example\n", "--timeout", "300ms", "--pipe", tc.command)
			if code != exitFailure || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 || strings.ContainsAny(out+errOut, "\x1b\a") {
				t.Errorf("exit %d, stderr %q\n%s", code, errOut, out)
			}
		})
	}
}
