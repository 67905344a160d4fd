package sandbox

import (
	"context"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/smtprepl/smtprepl/proto"
)

// With Config.Proxy the client is the one the PROXY header names, in
// both versions; a connection without a header is closed ungreeted.
func TestProxyHeader(t *testing.T) {
	srv, addr := testServer(t, func(c *Config) { c.Proxy = true })
	for i, version := range []int{1, 2} {
		src := netip.AddrPortFrom(netip.MustParseAddr("192.0.2.7"), uint16(4000+version))
		c := dial(t, addr, proto.Options{Proxy: &proto.ProxyOptions{Version: version, Source: src}})
		expect(t, c, "EHLO me.example", 250, "")
		expect(t, c, "MAIL FROM:<a@example.test>", 250, "2.1.0")
		expect(t, c, "RCPT TO:<alice@example.test>", 250, "2.1.5")
		expect(t, c, "DATA", 354, "")
		for _, l := range []string{"Subject: proxied", ""} {
			if err := c.Queue(l); err != nil {
				t.Fatal(err)
			}
		}
		expect(t, c, ".", 250, "2.0.0")
		if err := srv.Mailbox().Wait(context.Background(), i+1); err != nil {
			t.Fatal(err)
		}
		if got := srv.Mailbox().List()[i].Client; got != "192.0.2.7" {
			t.Errorf("v%d: the message's client is %q, want the proxied 192.0.2.7", version, got)
		}
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("EHLO me.example\r\n"))
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if got, _ := io.ReadAll(conn); len(got) != 0 {
		t.Errorf("without a header the server said %q, want nothing", got)
	}
}
