package repl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/smtprepl/smtprepl/mx"
	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/visible"
)

func runMX(ctx context.Context, s *Session, args string) error {
	domain := strings.TrimSpace(args)
	if domain == "" || strings.ContainsAny(domain, " \t") {
		return errors.New("usage: :mx DOMAIN")
	}
	route, err := s.lookupMX(ctx, domain)
	if err != nil {
		return err
	}
	s.view.output(route.Report())
	if len(route.Hosts) > 0 {
		s.view.note(":open --mx " + visible.Clip(domain, 255) + " connects to the first of them that answers, as an MTA would; :open HOST picks one")
	}
	return nil
}

// lookupMX asks the resolver the user named (--resolver,
// SMTPREPL_RESOLVER) or the system's. A DNS failure is explained as a
// note before it is returned: NXDOMAIN and SERVFAIL mean different
// things for mail.
func (s *Session) lookupMX(ctx context.Context, domain string) (*mx.Route, error) {
	res, err := mx.NewResolver(s.cfg.Resolver, 0)
	if err != nil {
		return nil, err
	}
	route, err := res.Route(ctx, domain, nil)
	if err != nil {
		var de *mx.Error
		if errors.As(err, &de) {
			s.view.output(de.Explain())
		}
		return nil, errors.New(visible.TextClip(err.Error(), 500))
	}
	return route, nil
}

// dialMX connects as an MTA would: the route's hosts in order, each
// address in turn, the next when one cannot be reached. The certificate
// is checked against the MX host's name, not the address dialled.
func (s *Session) dialMX(ctx context.Context, opts proto.Options) (*proto.Client, error) {
	domain, port, err := ParseMXTarget(s.cfg.MXDomain, s.cfg.ImplicitTLS)
	if err != nil {
		return nil, err
	}
	route, err := s.lookupMX(ctx, domain)
	if err != nil {
		return nil, err
	}
	s.view.output(route.Report())
	if route.Null {
		return nil, fmt.Errorf("%s accepts no mail (null MX): there is nothing to connect to", visible.Clip(domain, 255))
	}
	var last error
	tried := 0
	for _, h := range route.Hosts {
		for _, a := range h.Addrs {
			tried++
			addr := net.JoinHostPort(a.String(), port)
			o := opts
			if o.TLS.ServerName == "" && !o.TLS.NoSNI {
				o.TLS.ServerName = h.Name
			}
			c, err := proto.Dial(ctx, addr, o)
			if err == nil {
				s.cfg.Addr, s.cfg.TLS, s.cfg.MXDomain = addr, o.TLS, ""
				s.view.output(fmt.Sprintf("connected to MX %s at %s", visible.Clip(h.Name, 255), addr))
				return c, nil
			}
			if ctx.Err() != nil {
				return nil, err
			}
			last = err
			s.view.output(fmt.Sprintf("MX %s at %s: %s; trying the next", visible.Clip(h.Name, 255), addr, visible.TextClip(err.Error(), 300)))
		}
	}
	if tried == 0 {
		return nil, fmt.Errorf("no MX host of %s has an address", visible.Clip(domain, 255))
	}
	return nil, fmt.Errorf("none of the %d address(es) of %s's MX hosts could be reached; the last: %w", tried, visible.Clip(domain, 255), last)
}

// ParseMXTarget reads DOMAIN[:PORT]: MX hosts take mail on port 25 (465
// with implicit TLS); another port is for a test MX on one machine.
func ParseMXTarget(target string, implicitTLS bool) (domain, port string, err error) {
	domain, port, ok := strings.Cut(target, ":")
	if !ok {
		port = "25"
		if implicitTLS {
			port = "465"
		}
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || domain == "" {
		return "", "", fmt.Errorf("--mx takes DOMAIN or DOMAIN:PORT, got %s", quoted(target))
	}
	return domain, port, nil
}
