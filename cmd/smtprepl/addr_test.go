package main

import (
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smtprepl/smtprepl/proto/sandbox"
)

func TestAddressWithTwoPortsIsUsageError(t *testing.T) {
	code, out, errOut := runCLI(t, "QUIT\n", "127.0.0.1:53277:99")
	if code != exitUsage {
		t.Fatalf("exit %d, want %d\nstderr %q\nstdout %q", code, exitUsage, errOut, out)
	}
	if !strings.HasPrefix(errOut, "smtprepl: ") || strings.Count(strings.TrimSpace(errOut), "\n") > 0 ||
		!strings.Contains(errOut, `"127.0.0.1:53277:99" is not a server address`) {
		t.Errorf("want one sentence naming the address, got %q", errOut)
	}
}

// startSandboxAt serves the practice server in-process on addr.
func startSandboxAt(t *testing.T, addr string) net.Addr {
	t.Helper()
	srv, err := sandbox.New(sandbox.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	a, err := srv.Listen(addr)
	if err != nil {
		t.Skipf("no loopback for %s on this machine: %v", addr, err)
	}
	return a
}

// unixRelay listens on a Unix socket and relays each connection to tcp,
// so that the sandbox can be reached as unix:/path.
func unixRelay(t *testing.T, tcp string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "smtp.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Skipf("no Unix sockets on this machine: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go relay(c, tcp)
		}
	}()
	return path
}

func relay(c net.Conn, tcp string) {
	defer c.Close()
	up, err := net.Dial("tcp", tcp)
	if err != nil {
		return
	}
	defer up.Close()
	go func() { _, _ = io.Copy(up, c); up.Close() }()
	_, _ = io.Copy(c, up)
}

func TestSessionOverIPv6AndUnixSocket(t *testing.T) {
	script := "EHLO client.example\nQUIT\n"
	t.Run("ipv6", func(t *testing.T) {
		a := startSandboxAt(t, "[::1]:0")
		_, port, _ := net.SplitHostPort(a.String())
		code, out, errOut := runCLI(t, script, "--timeout", "5s", "[::1]:"+port)
		if code != exitOK || !strings.Contains(out, "S: 250") || !strings.Contains(out, "[::1]:"+port) {
			t.Errorf("exit %d, stderr %q\n%s", code, errOut, out)
		}
	})
	t.Run("unix", func(t *testing.T) {
		path := unixRelay(t, startSandboxAt(t, "127.0.0.1:0").String())
		code, out, errOut := runCLI(t, script, "--timeout", "5s", "unix:"+path)
		if code != exitOK || !strings.Contains(out, "S: 221") || !strings.Contains(out, "unix:"+path) {
			t.Errorf("exit %d, stderr %q\n%s", code, errOut, out)
		}
	})
	t.Run(":open unix", func(t *testing.T) {
		path := unixRelay(t, startSandboxAt(t, "127.0.0.1:0").String())
		code, out, errOut := runCLI(t, ":open unix:"+path+"\n"+script, "--timeout", "5s")
		if code != exitOK || !strings.Contains(out, "=== connected to unix:"+path+"\nS: 220 ") {
			t.Errorf("exit %d, stderr %q\n%s", code, errOut, out)
		}
	})
}

func TestWireAndTimingFlags(t *testing.T) {
	if code, _, errOut := runCLI(t, "", "--wire", "ascii"); code != exitUsage || !strings.Contains(errOut, "--wire takes hex") {
		t.Errorf("--wire ascii: exit %d, %q", code, errOut)
	}
	code, out, errOut := runCLI(t, "NOOP\nQUIT\n", "--wire", "hex", "--timing", "--timeout", "5s")
	if code != exitOK || !strings.Contains(out, "C: NOOP\n# C 00000000  4e 4f 4f 50 0d 0a ") || !strings.Contains(out, "# time: reply to NOOP ") {
		t.Errorf("exit %d, stderr %q\n%s", code, errOut, out)
	}
}

func TestLocalAddrFlag(t *testing.T) {
	code, _, errOut := runCLI(t, "", "--local-addr", "mx.example")
	if code != exitUsage || !strings.Contains(errOut, `--local-addr: "mx.example" is not a local address`) {
		t.Errorf("exit %d, %q", code, errOut)
	}
	code, out, errOut := runCLI(t, "QUIT\n", "--local-addr", "127.0.0.1", "--timeout", "5s")
	if code != exitOK || !strings.Contains(out, " from 127.0.0.1:") {
		t.Errorf("exit %d, stderr %q\n%s", code, errOut, out)
	}
}
