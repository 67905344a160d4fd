package proto

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
)

// The PROXY protocol (HAProxy, proxy-protocol.txt) lets a proxy tell the
// server, before any SMTP, which client it relays: one header ahead of
// the greeting, text in version 1, binary in version 2. Postfix reads it
// with smtpd_upstream_proxy_protocol = haproxy.

// ProxyHeader is what a PROXY header says. Version 1 or 2; Local is
// version 2's LOCAL command (the proxy speaking for itself, addresses
// ignored); zero addresses on a parsed header mean "unknown" (v1 UNKNOWN,
// v2 UNSPEC or a Unix socket).
type ProxyHeader struct {
	Version      int
	Local        bool
	Source, Dest netip.AddrPort
}

// proxyV2Sig opens every version 2 header (proxy-protocol.txt §2.2): it
// cannot begin any text protocol's first line.
var proxyV2Sig = []byte("\r\n\r\n\x00\r\nQUIT\n")

const (
	proxyV1Max     = 107       // the longest v1 line, CRLF included (§2.1)
	proxyV2Max     = 16 + 36   // header and IPv6 addresses: what Marshal writes
	proxyV2ReadMax = 16 + 4096 // what a parser reads of addresses and TLVs
)

// ErrProxyShort is ParseProxyHeader's answer to the start of a header:
// more bytes are needed.
var ErrProxyShort = errors.New("proto: PROXY header incomplete")

// Marshal writes the header; both addresses must be of one family
// (IPv4-mapped IPv6 counts as IPv4).
func (h ProxyHeader) Marshal() ([]byte, error) {
	src, dst := unmapAP(h.Source), unmapAP(h.Dest)
	if !src.IsValid() || !dst.IsValid() {
		return nil, errors.New("proto: a PROXY header needs a source and a destination address")
	}
	if src.Addr().Is4() != dst.Addr().Is4() {
		return nil, fmt.Errorf("proto: PROXY source %s and destination %s are not of one family (both IPv4 or both IPv6)", src, dst)
	}
	switch h.Version {
	case 1:
		fam := "TCP4"
		if !src.Addr().Is4() {
			fam = "TCP6"
		}
		return fmt.Appendf(nil, "PROXY %s %s %s %d %d\r\n", fam, src.Addr(), dst.Addr(), src.Port(), dst.Port()), nil
	case 2:
		return marshalV2(h.Local, src, dst), nil
	}
	return nil, fmt.Errorf("proto: PROXY version %d: there are versions 1 and 2", h.Version)
}

func marshalV2(local bool, src, dst netip.AddrPort) []byte {
	b := make([]byte, 0, proxyV2Max)
	b = append(b, proxyV2Sig...)
	cmd := byte(0x21) // version 2, PROXY
	if local {
		cmd = 0x20
	}
	fam, n := byte(0x11), 12 // TCP over IPv4: 4+4+2+2
	if !src.Addr().Is4() {
		fam, n = 0x21, 36 // TCP over IPv6: 16+16+2+2
	}
	b = append(b, cmd, fam)
	b = binary.BigEndian.AppendUint16(b, uint16(n))
	b = append(b, src.Addr().AsSlice()...)
	b = append(b, dst.Addr().AsSlice()...)
	b = binary.BigEndian.AppendUint16(b, src.Port())
	return binary.BigEndian.AppendUint16(b, dst.Port())
}

func unmapAP(ap netip.AddrPort) netip.AddrPort {
	if !ap.IsValid() {
		return ap
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// Describe is one line for the transcript: version 1 as the text that
// went out, version 2 as hex, grouped as the specification draws it
// (signature, version and command, family, length, addresses), and
// what it says.
func (h ProxyHeader) Describe(wire []byte) string {
	says := fmt.Sprintf("source %s, destination %s", unmapAP(h.Source), unmapAP(h.Dest))
	if h.Version == 1 {
		return fmt.Sprintf("PROXY v1 header sent: %s (%s)", strings.TrimSuffix(string(wire), "\r\n"), says)
	}
	if len(wire) < 16 {
		return "PROXY v2 header sent: " + hex.EncodeToString(wire)
	}
	size, fam := 4, "4"
	if wire[13] != 0x11 {
		size, fam = 16, "6"
	}
	// Cut at the fields' ends: signature, version and command, family,
	// length, source, destination, source port, destination port.
	var groups []string
	start := 0
	for _, end := range []int{12, 13, 14, 16, 16 + size, 16 + 2*size, 18 + 2*size, 20 + 2*size} {
		end = min(end, len(wire))
		groups = append(groups, hex.EncodeToString(wire[start:end]))
		start = end
	}
	return fmt.Sprintf("PROXY v2 header sent, %d bytes: %s (signature, v2 PROXY, TCP over IPv%s, length, addresses, ports: %s)",
		len(wire), strings.Join(groups, " "), fam, says)
}

// ParseProxyHeader reads a header at the start of b and says how many
// bytes it took. ErrProxyShort: b is the start of a header, read more;
// any other error: b does not start with a valid header.
func ParseProxyHeader(b []byte) (ProxyHeader, int, error) {
	switch {
	case bytes.HasPrefix(b, proxyV2Sig):
		return parseV2(b)
	case len(b) < len(proxyV2Sig) && bytes.HasPrefix(proxyV2Sig, b):
		return ProxyHeader{}, 0, ErrProxyShort
	case bytes.HasPrefix(b, []byte("PROXY ")):
		return parseV1(b)
	case len(b) < len("PROXY ") && bytes.HasPrefix([]byte("PROXY "), b):
		return ProxyHeader{}, 0, ErrProxyShort
	}
	return ProxyHeader{}, 0, errors.New("proto: no PROXY header: the first bytes are neither \"PROXY \" nor the version 2 signature")
}

func parseV1(b []byte) (ProxyHeader, int, error) {
	end := bytes.Index(b[:min(len(b), proxyV1Max)], []byte("\r\n"))
	if end < 0 {
		if len(b) >= proxyV1Max {
			return ProxyHeader{}, 0, fmt.Errorf("proto: PROXY v1 header has no CRLF within %d bytes", proxyV1Max)
		}
		return ProxyHeader{}, 0, ErrProxyShort
	}
	h, err := parseV1Fields(strings.Split(string(b[:end]), " "))
	return h, end + 2, err
}

func parseV1Fields(f []string) (ProxyHeader, error) {
	h := ProxyHeader{Version: 1}
	if len(f) >= 2 && f[1] == "UNKNOWN" {
		return h, nil // the rest of the line is to be ignored (§2.1)
	}
	if len(f) != 6 || f[1] != "TCP4" && f[1] != "TCP6" {
		return h, errors.New("proto: PROXY v1 header is not PROXY TCP4|TCP6 SRC DST SPORT DPORT")
	}
	src, err1 := v1AddrPort(f[2], f[4], f[1] == "TCP4")
	dst, err2 := v1AddrPort(f[3], f[5], f[1] == "TCP4")
	if err := errors.Join(err1, err2); err != nil {
		return h, err
	}
	h.Source, h.Dest = src, dst
	return h, nil
}

func v1AddrPort(addr, port string, v4 bool) (netip.AddrPort, error) {
	ip, err := netip.ParseAddr(addr)
	if err != nil || ip.Zone() != "" || ip.Is4() != v4 {
		return netip.AddrPort{}, fmt.Errorf("proto: PROXY v1 address %q is not an IPv%s address", addr, map[bool]string{true: "4", false: "6"}[v4])
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || port[0] == '0' && port != "0" {
		return netip.AddrPort{}, fmt.Errorf("proto: PROXY v1 port %q is not a number from 0 to 65535", port)
	}
	return netip.AddrPortFrom(ip, uint16(n)), nil
}

func parseV2(b []byte) (ProxyHeader, int, error) {
	if len(b) < 16 {
		return ProxyHeader{}, 0, ErrProxyShort
	}
	n := 16 + int(binary.BigEndian.Uint16(b[14:16]))
	if n > proxyV2ReadMax {
		return ProxyHeader{}, 0, fmt.Errorf("proto: PROXY v2 header of %d bytes is over the %d read", n, proxyV2ReadMax)
	}
	if len(b) < n {
		return ProxyHeader{}, 0, ErrProxyShort
	}
	h := ProxyHeader{Version: 2}
	switch b[12] {
	case 0x20:
		h.Local = true
		return h, n, nil // addresses, if any, are ignored (§2.2)
	case 0x21:
	default:
		return ProxyHeader{}, 0, fmt.Errorf("proto: PROXY v2 version and command byte is %#02x, not 0x20 (LOCAL) or 0x21 (PROXY)", b[12])
	}
	return parseV2Addrs(h, b[13], b[16:n], n)
}

func parseV2Addrs(h ProxyHeader, fam byte, a []byte, n int) (ProxyHeader, int, error) {
	size := map[byte]int{0x11: 4, 0x12: 4, 0x21: 16, 0x22: 16}[fam]
	if size == 0 {
		return h, n, nil // UNSPEC, or a Unix socket: no IP addresses to report
	}
	if len(a) < 2*size+4 {
		return ProxyHeader{}, 0, fmt.Errorf("proto: PROXY v2 length %d is too short for the addresses of family %#02x", len(a), fam)
	}
	src, _ := netip.AddrFromSlice(a[:size])
	dst, _ := netip.AddrFromSlice(a[size : 2*size])
	h.Source = netip.AddrPortFrom(src, binary.BigEndian.Uint16(a[2*size:]))
	h.Dest = netip.AddrPortFrom(dst, binary.BigEndian.Uint16(a[2*size+2:]))
	return h, n, nil
}

// ReadProxyHeader reads one header from r, no byte past it: a server
// calls it before its greeting.
func ReadProxyHeader(r io.ByteReader) (ProxyHeader, error) {
	var buf []byte
	for {
		c, err := r.ReadByte()
		if err != nil {
			return ProxyHeader{}, fmt.Errorf("proto: reading the PROXY header: %w", err)
		}
		buf = append(buf, c)
		h, _, err := ParseProxyHeader(buf)
		if !errors.Is(err, ErrProxyShort) {
			return h, err
		}
	}
}
