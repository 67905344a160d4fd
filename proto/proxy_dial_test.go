package proto

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// The header goes out first, and with no addresses given it names the
// connection's own ends.
func TestDialSendsProxyHeader(t *testing.T) {
	for _, tc := range []struct {
		name  string
		proxy ProxyOptions
		event string
	}{
		{"v1 defaults", ProxyOptions{Version: 1}, "PROXY v1 header sent: PROXY TCP4 127.0.0.1 127.0.0.1 "},
		{"v2 given", ProxyOptions{Version: 2, Source: ap("192.0.2.9:4000"), Dest: ap("192.0.2.2:25")},
			"PROXY v2 header sent, 28 bytes: 0d0a0d0a000d0a515549540a 21 11 000c c0000209 c0000202 0fa0 0019"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			got := make(chan ProxyHeader, 1)
			go func() {
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				defer conn.Close()
				br := bufio.NewReader(conn)
				h, _ := ReadProxyHeader(br)
				got <- h
				conn.Write([]byte("220 ok\r\n"))
			}()
			var events []string
			tap := func(l TapLine) {
				if l.Kind == Event {
					events = append(events, string(l.Data))
				}
			}
			p := tc.proxy
			c, err := Dial(context.Background(), ln.Addr().String(), Options{Proxy: &p, Tap: tap, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.ReadReply(context.Background()); err != nil {
				t.Fatal(err)
			}
			h := <-got
			want := ProxyHeader{Version: p.Version, Source: p.Source, Dest: p.Dest}
			if !p.Source.IsValid() {
				local := c.conn.LocalAddr().(*net.TCPAddr).AddrPort()
				want.Source, want.Dest = unmapAP(local), unmapAP(netip.MustParseAddrPort(ln.Addr().String()))
			}
			if h != want {
				t.Errorf("server read %+v, want %+v", h, want)
			}
			if len(events) < 2 || !strings.HasPrefix(events[1], tc.event) {
				t.Errorf("events %q, want the second to start %q", events, tc.event)
			}
		})
	}
}

func TestDialProxyOverUnixNeedsAddresses(t *testing.T) {
	path := t.TempDir() + "/s.sock"
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
		}
	}()
	_, err = Dial(context.Background(), UnixPrefix+path, Options{Proxy: &ProxyOptions{Version: 1}})
	var pe *ProxyError
	if !errors.As(err, &pe) || pe.Built || !strings.Contains(err.Error(), "give --proxy-source and --proxy-dest") {
		t.Fatalf("error %v, want a ProxyError asking for the addresses", err)
	}
}
