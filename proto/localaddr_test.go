package proto

import (
	"context"
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseLocalAddr(t *testing.T) {
	cases := []struct{ in, want string }{
		{"127.0.0.1", "127.0.0.1:0"},
		{"127.0.0.1:2600", "127.0.0.1:2600"},
		{"::1", "[::1]:0"},
		{"[::1]", "[::1]:0"},
		{"[::1]:2600", "[::1]:2600"},
		{"mx.example", ""},
		{"127.0.0.1:99999", ""},
		{"127.0.0.1:x", ""},
		{"", ""},
	}
	for _, tc := range cases {
		a, err := ParseLocalAddr(tc.in)
		switch {
		case tc.want == "" && (err == nil || !strings.Contains(err.Error(), "is not a local address")):
			t.Errorf("ParseLocalAddr(%q) = %v, %v; want an error", tc.in, a, err)
		case tc.want != "" && (err != nil || a.String() != tc.want):
			t.Errorf("ParseLocalAddr(%q) = %v, %v; want %s", tc.in, a, err, tc.want)
		}
	}
}

func FuzzParseLocalAddr(f *testing.F) {
	f.Add("127.0.0.1:25")
	f.Add("[::1]")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseLocalAddr(s)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\x1b\r\n") {
				t.Errorf("error %q carries controls", err)
			}
			return
		}
		if a.IP == nil || a.Port < 0 || a.Port > 65535 {
			t.Errorf("ParseLocalAddr(%q) = %v", s, a)
		}
	})
}

// TestDialFromLocalAddr: the server sees the port --local-addr named.
func TestDialFromLocalAddr(t *testing.T) {
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := free.Addr().(*net.TCPAddr).Port
	free.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	seen := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		seen <- c.RemoteAddr().String()
		c.Close()
	}()
	local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}
	var events []string
	c, err := Dial(context.Background(), ln.Addr().String(), Options{Timeout: 5 * time.Second, LocalAddr: local,
		Tap: func(l TapLine) { events = append(events, string(l.Data)) }})
	if errors.Is(err, syscall.EADDRINUSE) {
		t.Skipf("port %d was taken meanwhile: %v", port, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := <-seen; got != local.String() {
		t.Errorf("the server saw %s, want %s", got, local)
	}
	if want := "connected to " + ln.Addr().String() + " from " + local.String(); len(events) == 0 || events[0] != want {
		t.Errorf("events %q, want %q first", events, want)
	}
}
