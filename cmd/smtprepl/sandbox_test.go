package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"strings"
	"testing"
)

// TestSandboxSaysWhenReachable runs "smtprepl sandbox" on loopback and
// beyond: beyond, both streams must say that the network can reach it and
// that its login is public; on loopback, nothing of the kind. The context
// is cancelled from the start, so each run listens, announces and stops.
func TestSandboxSaysWhenReachable(t *testing.T) {
	const loopbackLine = " (users alice bob carol postmaster @example.test; AUTH student/secret, OAuth token smtprepl-practice-token). Ctrl-C stops it.\n"
	tests := []struct {
		name    string
		listen  string
		exposed bool
	}{
		{"loopback", "127.0.0.1:0", false},
		{"localhost", "localhost:0", false},
		{"every IPv4 address", "0.0.0.0:0", true},
		{"every address", "[::]:0", true},
		{"this machine's own address", net.JoinHostPort(ownAddress(t), "0"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			var out, errOut bytes.Buffer
			code, err := runSandbox(ctx, &env{stdout: &out, stderr: &errOut, getenv: os.Getenv}, []string{"--listen", tt.listen})
			if err != nil || code != exitOK {
				t.Fatalf("exit %d, %v", code, err)
			}
			first, _, _ := strings.Cut(out.String(), "\n")
			warned := strings.Contains(first, "REACHABLE FROM THE NETWORK") &&
				strings.Contains(errOut.String(), "warning: the sandbox listens on ") &&
				strings.Contains(errOut.String(), "so it is reachable from the network") &&
				strings.Contains(errOut.String(), "its login student/secret is public")
			if warned != tt.exposed {
				t.Errorf("--listen %s: stdout %q, stderr %q; want the network warning: %v", tt.listen, out.String(), errOut.String(), tt.exposed)
			}
			if !tt.exposed && (!strings.HasSuffix(first+"\n", loopbackLine) || errOut.Len() != 0) {
				t.Errorf("--listen %s: stdout %q, stderr %q; want today's announcement alone", tt.listen, out.String(), errOut.String())
			}
		})
	}
}

func TestExposure(t *testing.T) {
	tests := []struct {
		ip   string
		want string
	}{
		{"127.0.0.1", ""},
		{"127.8.9.10", ""},
		{"::1", ""},
		{"::ffff:127.0.0.1", ""},
		{"0.0.0.0", "every address of this machine"},
		{"::", "every address of this machine"},
		{"192.0.2.7", "192.0.2.7, an address of this machine on the network"},
		{"2001:db8::7", "2001:db8::7, an address of this machine on the network"},
	}
	for _, tt := range tests {
		if got := exposure(&net.TCPAddr{IP: net.ParseIP(tt.ip), Port: 2525}); got != tt.want {
			t.Errorf("exposure(%s) = %q, want %q", tt.ip, got, tt.want)
		}
	}
}

func TestSandboxLimitFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string // in stderr
	}{
		{[]string{"--inflight-mib", "0"}, "--inflight-mib must be at least 10"},
		{[]string{"--inflight-mib", "9"}, "--inflight-mib must be at least 10"},
		{[]string{"--mailbox-mib", "-5"}, "must be at least 1"},
		{[]string{"--mailbox-messages", "0"}, "must be at least 1"},
		{[]string{"--inflight-mib", "9999999"}, "must be at most 1048576"},
		{[]string{"--mailbox-mib", "lots"}, "invalid value"},
	}
	for _, tt := range tests {
		code, _, errOut := runCLI(t, "", append([]string{"sandbox"}, tt.args...)...)
		if code != exitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("sandbox %q: exit %d, stderr %q; want %d and %q", tt.args, code, errOut, exitUsage, tt.want)
		}
	}
}
