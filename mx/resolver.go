package mx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/miekg/dns"
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
	cfg, err := dns.ClientConfigFromFile(path)
	if err != nil {
		return "", fmt.Errorf("no DNS server to ask: reading %s: %w (name one with --resolver HOST:PORT)", path, err)
	}
	if len(cfg.Servers) == 0 {
		return "", fmt.Errorf("no DNS server to ask: %s names none (name one with --resolver HOST:PORT)", path)
	}
	return net.JoinHostPort(cfg.Servers[0], cfg.Port), nil
}

// Answer is one successful reply: its records, and whether the server
// vouched for them with DNSSEC (the AD bit), which DANE depends on.
type Answer struct {
	Records       []dns.RR
	Authenticated bool
	RTT           time.Duration
}

// Query asks for one name and type. Every failure is an *Error that says
// which of the ways DNS can fail it was.
func (r *Resolver) Query(ctx context.Context, name string, qtype uint16) (Answer, error) {
	fq := dns.Fqdn(name)
	if _, ok := dns.IsDomainName(fq); !ok {
		return Answer{}, &Error{Name: name, Type: qtype, Server: r.server, Kind: BadName}
	}
	m := new(dns.Msg)
	m.SetQuestion(fq, qtype)
	m.RecursionDesired = true
	m.SetEdns0(1232, true)
	in, rtt, err := r.exchange(ctx, m, "udp")
	if err == nil && in.Truncated {
		in, rtt, err = r.exchange(ctx, m, "tcp")
	}
	if err != nil {
		return Answer{}, r.transportError(name, qtype, err)
	}
	switch in.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError:
		return Answer{}, &Error{Name: name, Type: qtype, Server: r.server, Kind: NXDomain}
	case dns.RcodeServerFailure:
		return Answer{}, &Error{Name: name, Type: qtype, Server: r.server, Kind: ServFail}
	case dns.RcodeRefused:
		return Answer{}, &Error{Name: name, Type: qtype, Server: r.server, Kind: Refused}
	default:
		return Answer{}, &Error{Name: name, Type: qtype, Server: r.server, Kind: OtherRcode, Rcode: dns.RcodeToString[in.Rcode]}
	}
	return Answer{Records: in.Answer, Authenticated: in.AuthenticatedData, RTT: rtt}, nil
}

func (r *Resolver) exchange(ctx context.Context, m *dns.Msg, network string) (*dns.Msg, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	c := &dns.Client{Net: network, Timeout: r.timeout}
	return c.ExchangeContext(ctx, m, r.server)
}

func (r *Resolver) transportError(name string, qtype uint16, err error) error {
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
