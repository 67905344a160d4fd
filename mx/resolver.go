package mx

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"time"
)

// Resolver sends every query to one DNS server.
type Resolver struct {
	server  string
	timeout time.Duration
}

// DefaultTimeout bounds one query, as a resolver library's default would;
// a debugging session should hear "timed out" long before a user gives up.
const DefaultTimeout = 5 * time.Second

// NewResolver asks server (HOST:PORT, or HOST for port 53). An empty server
// means the first nameserver of /etc/resolv.conf.
func NewResolver(server string, timeout time.Duration) (*Resolver, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if server == "" {
		s, err := systemServer("/etc/resolv.conf")
		if err != nil {
			return nil, err
		}
		server = s
	}
	addr, err := serverAddr(server)
	if err != nil {
		return nil, err
	}
	return &Resolver{server: addr, timeout: timeout}, nil
}

// Server is the HOST:PORT every query goes to.
func (r *Resolver) Server() string { return r.server }

// serverAddr accepts HOST, HOST:PORT, [IPv6] and [IPv6]:PORT.
func serverAddr(s string) (string, error) {
	if s == "" {
		return "", errors.New("the resolver address is empty")
	}
	if host, port, err := net.SplitHostPort(s); err == nil {
		if host == "" || port == "" {
			return "", fmt.Errorf("the resolver address %q lacks a host or a port", s)
		}
		if _, err := net.LookupPort("udp", port); err != nil {
			return "", fmt.Errorf("the resolver address %q has a bad port", s)
		}
		return s, nil
	}
	host := strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if strings.ContainsAny(host, "[]") || (strings.Contains(host, ":") && net.ParseIP(host) == nil) {
		return "", fmt.Errorf("the resolver address %q is not HOST, HOST:PORT or [IPv6]:PORT", s)
	}
	return net.JoinHostPort(host, "53"), nil
}

func systemServer(path string) (string, error) {
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("no DNS server to ask: %w (name one with --resolver HOST:PORT)", err)
	}
	conf, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("no DNS server to ask: reading %s: %w (name one with --resolver HOST:PORT)", path, err)
	}
	// resolv.conf(5): the first "nameserver ADDRESS" line is the one a
	// resolver asks first.
	for line := range strings.Lines(string(conf)) {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "nameserver" {
			return net.JoinHostPort(f[1], "53"), nil
		}
	}
	return "", fmt.Errorf("no DNS server to ask: %s names none (name one with --resolver HOST:PORT)", path)
}

// Query asks for one name and type, over UDP and again over TCP when the
// answer did not fit (RFC 7766 §5). Every failure is an *Error that says
// which of the ways DNS can fail it was.
func (r *Resolver) Query(ctx context.Context, name string, qtype Type) (Answer, error) {
	n, ok := parseName(name)
	if !ok {
		return Answer{}, &Error{Name: name, Type: qtype, Server: r.server, Kind: BadName}
	}
	// The ID is random so that an off-path forger must guess it (RFC 5452 §4.3).
	q := query{id: uint16(rand.Uint32()), name: n, typ: qtype}
	msg, err := packQuery(q)
	if err != nil {
		return Answer{}, &Error{Name: name, Type: qtype, Server: r.server, Kind: BadName}
	}
	in, err := r.exchange(ctx, msg, q, "udp")
	if err == nil && in.truncated {
		in, err = r.exchange(ctx, msg, q, "tcp")
	}
	if err != nil {
		return Answer{}, r.transportError(name, qtype, err)
	}
	kind := OtherRcode
	switch in.rcode {
	case 0:
		return Answer{Records: in.records, Authenticated: in.authenticated}, nil
	case 3:
		kind = NXDomain
	case 2:
		kind = ServFail
	case 5:
		kind = Refused
	}
	return Answer{}, &Error{Name: name, Type: qtype, Server: r.server, Kind: kind, Rcode: rcodeText(in.rcode)}
}

// exchange sends one query and reads its reply, within the timeout and
// as long as ctx lasts.
func (r *Resolver) exchange(ctx context.Context, msg []byte, q query, network string) (reply, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, r.server)
	if err != nil {
		return reply{}, err
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	// A cancelled context wakes a read that is waiting.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	var in reply
	if network == "tcp" {
		in, err = tcpRoundTrip(conn, msg, q)
	} else {
		in, err = udpRoundTrip(conn, msg, q)
	}
	if err != nil && ctx.Err() != nil && !errors.Is(err, errMismatch) {
		return reply{}, ctx.Err()
	}
	return in, err
}

// udpRoundTrip skips replies that answer something else: a late answer
// to an earlier query, or a forgery. If only those came, that is the
// error rather than the timeout.
func udpRoundTrip(conn net.Conn, msg []byte, q query) (reply, error) {
	if _, err := conn.Write(msg); err != nil {
		return reply{}, err
	}
	buf := make([]byte, 4096) // more than the ednsSize offered
	var mismatch error
	for {
		n, err := conn.Read(buf)
		if err != nil {
			var ne net.Error
			if mismatch != nil && errors.As(err, &ne) && ne.Timeout() {
				return reply{}, mismatch
			}
			return reply{}, err
		}
		in, err := parseReply(buf[:n], q)
		if errors.Is(err, errMismatch) {
			mismatch = err
			continue
		}
		return in, err
	}
}

// tcpRoundTrip frames the query with its length (RFC 1035 §4.2.2). On a
// connection of its own, a reply that does not match is an error.
func tcpRoundTrip(conn net.Conn, msg []byte, q query) (reply, error) {
	out := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(msg)), uint16(len(msg)))
	if _, err := conn.Write(append(out, msg...)); err != nil {
		return reply{}, err
	}
	var size [2]byte
	if _, err := io.ReadFull(conn, size[:]); err != nil {
		return reply{}, fmt.Errorf("reading the reply over TCP: %w", err)
	}
	buf := make([]byte, binary.BigEndian.Uint16(size[:]))
	if _, err := io.ReadFull(conn, buf); err != nil {
		return reply{}, fmt.Errorf("reading the reply over TCP: %w", err)
	}
	return parseReply(buf, q)
}

func (r *Resolver) transportError(name string, qtype Type, err error) error {
	kind := Unreachable
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		kind = Timeout
	}
	if errors.Is(err, context.Canceled) {
		kind = Canceled
	}
	return &Error{Name: name, Type: qtype, Server: r.server, Kind: kind, Err: err}
}
