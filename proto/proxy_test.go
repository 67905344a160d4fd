package proto

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// hexBytes reads hex with spaces between groups, as the spec draws fields.
func hexBytes(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The examples of proxy-protocol.txt §2.1, and version 2 laid out field by
// field as §2.2's struct proxy_hdr_v2 and proxy_addr draw them.
func TestProxyHeaderMarshal(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    ProxyHeader
		want string // v1: text; v2: hex
	}{
		{"v1 spec example", ProxyHeader{Version: 1, Source: ap("192.168.0.1:56324"), Dest: ap("192.168.0.11:443")},
			"PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"},
		{"v1 worst case IPv4", ProxyHeader{Version: 1, Source: ap("255.255.255.255:65535"), Dest: ap("255.255.255.255:65535")},
			"PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n"},
		{"v1 worst case IPv6", ProxyHeader{Version: 1,
			Source: ap("[ffff:f:ffff:ffff:ffff:ffff:ffff:ffff]:65535"), Dest: ap("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535")},
			"PROXY TCP6 ffff:f:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"},
		{"v1 mapped IPv4 is TCP4", ProxyHeader{Version: 1, Source: ap("[::ffff:192.0.2.1]:1"), Dest: ap("192.0.2.2:25")},
			"PROXY TCP4 192.0.2.1 192.0.2.2 1 25\r\n"},
		{"v2 IPv4", ProxyHeader{Version: 2, Source: ap("192.168.0.1:56324"), Dest: ap("192.168.0.11:443")},
			hex.EncodeToString(hexBytes(t, "0d0a0d0a000d0a515549540a 21 11 000c c0a80001 c0a8000b dc04 01bb"))},
		{"v2 IPv6", ProxyHeader{Version: 2, Source: ap("[2001:db8::1]:1025"), Dest: ap("[2001:db8::2]:25")},
			hex.EncodeToString(hexBytes(t, "0d0a0d0a000d0a515549540a 21 21 0024 20010db8000000000000000000000001 20010db8000000000000000000000002 0401 0019"))},
		{"v2 LOCAL", ProxyHeader{Version: 2, Local: true, Source: ap("127.0.0.1:1"), Dest: ap("127.0.0.1:2")},
			hex.EncodeToString(hexBytes(t, "0d0a0d0a000d0a515549540a 20 11 000c 7f000001 7f000001 0001 0002"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.h.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			got := string(b)
			if tc.h.Version == 2 {
				got = hex.EncodeToString(b)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if tc.h.Version == 1 && len(b) > proxyV1Max {
				t.Errorf("%d bytes, over the spec's %d", len(b), proxyV1Max)
			}
			back, n, err := ParseProxyHeader(append(b, "220 greeting\r\n"...))
			if err != nil || n != len(b) {
				t.Fatalf("parse back: %v, took %d of %d bytes", err, n, len(b))
			}
			if !tc.h.Local && (back.Source != unmapAP(tc.h.Source) || back.Dest != unmapAP(tc.h.Dest)) {
				t.Errorf("parsed back %+v, want %+v", back, tc.h)
			}
		})
	}
}

func TestProxyHeaderMarshalRefuses(t *testing.T) {
	for name, h := range map[string]ProxyHeader{
		"mixed families": {Version: 1, Source: ap("192.0.2.1:1"), Dest: ap("[2001:db8::1]:25")},
		"no source":      {Version: 2, Dest: ap("192.0.2.1:25")},
		"version 3":      {Version: 3, Source: ap("192.0.2.1:1"), Dest: ap("192.0.2.2:25")},
	} {
		if b, err := h.Marshal(); err == nil {
			t.Errorf("%s: %q, want an error", name, b)
		}
	}
}

func TestParseProxyHeader(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want ProxyHeader
		n    int
		err  string // "" ok, "short" ErrProxyShort, else a part of the error
	}{
		{"v1 unknown", "PROXY UNKNOWN\r\n", ProxyHeader{Version: 1}, 15, ""},
		{"v1 unknown with addresses", "PROXY UNKNOWN ffff:: ffff:: 65535 65535\r\nEHLO", ProxyHeader{Version: 1}, 41, ""},
		{"v1 partial", "PROXY TCP4 192.", ProxyHeader{}, 0, "short"},
		{"v1 prefix", "PRO", ProxyHeader{}, 0, "short"},
		{"v1 family mismatch", "PROXY TCP4 ::1 ::1 1 2\r\n", ProxyHeader{}, 0, "not an IPv4 address"},
		{"v1 leading zero port", "PROXY TCP4 1.2.3.4 1.2.3.4 01 2\r\n", ProxyHeader{}, 0, "not a number"},
		{"v1 big port", "PROXY TCP4 1.2.3.4 1.2.3.4 65536 2\r\n", ProxyHeader{}, 0, "not a number"},
		{"v1 no CRLF", "PROXY " + strings.Repeat("x", 200), ProxyHeader{}, 0, "no CRLF within 107"},
		{"v1 bad proto", "PROXY UDP4 1.2.3.4 1.2.3.4 1 2\r\n", ProxyHeader{}, 0, "is not PROXY TCP4|TCP6"},
		{"smtp", "EHLO x\r\n", ProxyHeader{}, 0, "no PROXY header"},
		{"v2 signature only", "\r\n\r\n\x00\r\nQUIT\n", ProxyHeader{}, 0, "short"},
		{"v2 unspec", "\r\n\r\n\x00\r\nQUIT\n\x21\x00\x00\x00", ProxyHeader{Version: 2}, 16, ""},
		{"v2 bad command", "\r\n\r\n\x00\r\nQUIT\n\x12\x11\x00\x00", ProxyHeader{}, 0, "not 0x20 (LOCAL) or 0x21 (PROXY)"},
		{"v2 too short for IPv4", "\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x04abcd", ProxyHeader{}, 0, "too short"},
		{"v2 huge", "\r\n\r\n\x00\r\nQUIT\n\x21\x11\xff\xff", ProxyHeader{}, 0, "over the 4112 read"},
		{"v2 with TLV", "\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0f\x7f\x00\x00\x01\x7f\x00\x00\x02\x00\x01\x00\x19\x04\x00\x00",
			ProxyHeader{Version: 2, Source: ap("127.0.0.1:1"), Dest: ap("127.0.0.2:25")}, 31, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, n, err := ParseProxyHeader([]byte(tc.in))
			switch {
			case tc.err == "short":
				if !errors.Is(err, ErrProxyShort) {
					t.Fatalf("error %v, want ErrProxyShort", err)
				}
			case tc.err != "":
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
			case err != nil:
				t.Fatal(err)
			default:
				if h != tc.want || n != tc.n {
					t.Errorf("got %+v, %d bytes; want %+v, %d", h, n, tc.want, tc.n)
				}
			}
		})
	}
}

func TestReadProxyHeaderStopsAtItsEnd(t *testing.T) {
	h := ProxyHeader{Version: 2, Source: ap("192.0.2.1:1000"), Dest: ap("192.0.2.2:25")}
	b, _ := h.Marshal()
	r := bufio.NewReader(bytes.NewReader(append(b, "EHLO x\r\n"...)))
	got, err := ReadProxyHeader(r)
	if err != nil || got != h {
		t.Fatalf("got %+v, %v; want %+v", got, err, h)
	}
	if rest, _ := r.ReadString('\n'); rest != "EHLO x\r\n" {
		t.Errorf("after the header: %q", rest)
	}
}

func TestProxyDescribe(t *testing.T) {
	h := ProxyHeader{Version: 2, Source: ap("192.0.2.1:1000"), Dest: ap("192.0.2.2:25")}
	b, _ := h.Marshal()
	want := "PROXY v2 header sent, 28 bytes: 0d0a0d0a000d0a515549540a 21 11 000c c0000201 c0000202 03e8 0019 (signature, v2 PROXY, TCP over IPv4, length, addresses, ports: source 192.0.2.1:1000, destination 192.0.2.2:25)"
	if diff := cmp.Diff(want, h.Describe(b)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	h.Version = 1
	b, _ = h.Marshal()
	want = "PROXY v1 header sent: PROXY TCP4 192.0.2.1 192.0.2.2 1000 25 (source 192.0.2.1:1000, destination 192.0.2.2:25)"
	if diff := cmp.Diff(want, h.Describe(b)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func FuzzParseProxyHeader(f *testing.F) {
	f.Add([]byte("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"))
	f.Add([]byte("PROXY UNKNOWN\r\n"))
	f.Add([]byte("\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0c\x7f\x00\x00\x01\x7f\x00\x00\x02\x00\x01\x00\x19"))
	f.Add([]byte("\r\n\r\n\x00\r\nQUIT\n\x21\x21\x00\x24"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, n, err := ParseProxyHeader(b)
		if err != nil {
			return
		}
		if n <= 0 || n > len(b) {
			t.Fatalf("took %d of %d bytes", n, len(b))
		}
		if !h.Source.IsValid() || h.Local {
			return
		}
		// A header with addresses is rebuilt from them, read the same way.
		out, err := h.Marshal()
		if err != nil {
			t.Fatalf("parsed %+v from %q, cannot write it back: %v", h, b, err)
		}
		back, _, err := ParseProxyHeader(out)
		if err != nil || back != h {
			t.Fatalf("%+v wrote %q, read back as %+v, %v", h, out, back, err)
		}
	})
}

func BenchmarkProxyHeader(b *testing.B) {
	h := ProxyHeader{Version: 2, Source: ap("192.0.2.1:1000"), Dest: ap("192.0.2.2:25")}
	b.ReportAllocs()
	for b.Loop() {
		out, err := h.Marshal()
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := ParseProxyHeader(out); err != nil {
			b.Fatal(err)
		}
	}
}
