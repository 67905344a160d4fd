//go:build linux

package proto

import (
	"context"
	"net"
	"syscall"
	"testing"
	"time"
)

// TestKeepAlive: TCP keep-alive probes only where a connection may sit
// idle at a prompt; a script or send waits no longer than its timeout.
func TestKeepAlive(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close() // the option is read on the client's socket
		}
	}()
	for _, tc := range []struct {
		keepAlive bool
		want      int
	}{{false, 0}, {true, 1}} {
		c, err := Dial(context.Background(), ln.Addr().String(), Options{Timeout: 5 * time.Second, KeepAlive: tc.keepAlive})
		if err != nil {
			t.Fatal(err)
		}
		rc, err := c.conn.(*net.TCPConn).SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var got int
		var serr error
		rc.Control(func(fd uintptr) { got, serr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_KEEPALIVE) })
		c.Close()
		if serr != nil || got != tc.want {
			t.Errorf("KeepAlive %v: SO_KEEPALIVE = %d (%v), want %d", tc.keepAlive, got, serr, tc.want)
		}
	}
}
