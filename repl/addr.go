package repl

import (
	"fmt"
	"net"
	"strconv"
)

// NormaliseAddr adds the default port: 465 for implicit TLS (RFC 8314),
// 25 otherwise.
func NormaliseAddr(arg string, implicitTLS bool) (string, error) {
	host, port, err := net.SplitHostPort(arg)
	if err != nil {
		host, port = arg, "25"
		if implicitTLS {
			port = "465"
		}
		if ip := net.ParseIP(arg); ip != nil && ip.To4() == nil {
			host = arg
		}
	}
	if host == "" {
		return "", fmt.Errorf("%q names no host", arg)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("%q: port must be a number from 1 to 65535", arg)
	}
	return net.JoinHostPort(host, port), nil
}
