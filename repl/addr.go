package repl

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/visible"
)

// NormaliseAddr turns what the user typed into what proto.Dial takes:
// host:port with the default port added (465 for implicit TLS, RFC 8314;
// 25 otherwise), IPv6 literals in brackets, or unix:/path as it is.
func NormaliseAddr(arg string, implicitTLS bool) (string, error) {
	if path, ok := strings.CutPrefix(arg, proto.UnixPrefix); ok {
		if path == "" {
			return "", fmt.Errorf("%s names no socket: write unix:/path/to/socket", quoted(arg))
		}
		return arg, nil
	}
	host, port, err := splitAddr(arg)
	if err != nil {
		return "", err
	}
	if port == "" {
		port = "25"
		if implicitTLS {
			port = "465"
		}
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("%s: port must be a number from 1 to 65535", quoted(arg))
	}
	return net.JoinHostPort(host, port), nil
}

// NormaliseLMTPAddr is NormaliseAddr for an LMTP server, whose port,
// when none is given, is 24 (RFC 2033 §5 asks for no well-known port;
// 24, "any private mail system", is where Dovecot and Cyrus listen).
func NormaliseLMTPAddr(arg string, implicitTLS bool) (string, error) {
	if strings.HasPrefix(arg, proto.UnixPrefix) {
		return NormaliseAddr(arg, implicitTLS)
	}
	host, port, err := splitAddr(arg)
	if err != nil {
		return "", err
	}
	if port == "" {
		arg = net.JoinHostPort(host, "24")
	}
	return NormaliseAddr(arg, implicitTLS)
}

// NormalisePOP3Addr is NormaliseAddr for POP3: port 110, or 995 with
// implicit TLS (RFC 8314), when none is given.
func NormalisePOP3Addr(arg string, implicitTLS bool) (string, error) {
	host, port, err := splitAddr(arg)
	if err != nil {
		return "", err
	}
	if port == "" {
		port = "110"
		if implicitTLS {
			port = "995"
		}
	}
	return NormaliseAddr(net.JoinHostPort(host, port), implicitTLS)
}

// splitAddr splits HOST, HOST:PORT, [IPv6] and [IPv6]:PORT (and a bare
// IPv6 literal, whose colons cannot be a port); anything else with a
// colon in its host, such as 127.0.0.1:53277:99, is refused rather than
// guessed at. The port is "" when none was given.
func splitAddr(arg string) (host, port string, err error) {
	bad := fmt.Errorf("%s is not a server address: write HOST, HOST:PORT, [IPv6]:PORT or unix:/path", quoted(arg))
	switch h, p, err := net.SplitHostPort(arg); {
	case err == nil:
		host, port = h, p
		if port == "" || strings.HasPrefix(arg, "[") && !isIPv6(host) {
			return "", "", bad
		}
	case strings.HasPrefix(arg, "[") && strings.HasSuffix(arg, "]"):
		host = arg[1 : len(arg)-1]
		if !isIPv6(host) {
			return "", "", bad
		}
	case isIPv6(arg):
		host = arg
	case strings.ContainsAny(arg, ":[]"):
		return "", "", bad
	default:
		host = arg
	}
	if host == "" {
		return "", "", fmt.Errorf("%s names no host", quoted(arg))
	}
	if strings.Contains(host, ":") && !isIPv6(host) || strings.ContainsAny(host, "[]/ \t") {
		return "", "", bad
	}
	return host, port, nil
}

// isIPv6 reports whether s is an IPv6 literal, zone allowed (fe80::1%eth0).
func isIPv6(s string) bool {
	addr, _, _ := strings.Cut(s, "%")
	ip := net.ParseIP(addr)
	return ip != nil && strings.Contains(addr, ":")
}

// quoted shows what the user typed in an error, bounded and escaped.
func quoted(s string) string { return `"` + visible.Clip(s, 200) + `"` }
