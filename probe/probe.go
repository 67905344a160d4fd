package probe

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/smtprepl/smtprepl/mx"
	"github.com/smtprepl/smtprepl/proto/visible"
)

// Port is one service to try: the port as named (25, 465, 587, or any),
// the port actually dialled, and what is expected on it.
type Port struct {
	Service int
	Dial    int
	Role    string
}

// DefaultPorts are the three ports mail is exchanged and submitted on.
func DefaultPorts() []Port {
	return []Port{{25, 25, RoleRelay}, {465, 465, RoleImplicit}, {587, 587, RoleSubmission}}
}

// RoleOf is what a port number is for by convention.
func RoleOf(port int) string {
	switch port {
	case 465:
		return RoleImplicit
	case 587:
		return RoleSubmission
	}
	return RoleRelay
}

// MaxHosts bounds the MX hosts probed: an MTA rarely gets past the
// first few, and each costs three connections.
const MaxHosts = 5

// maxParallel bounds the connections open at once.
const maxParallel = 6

// Options say how to probe.
type Options struct {
	// Resolver answers MX, TLSA and policy queries; nil means no DNS: a
	// domain cannot be looked up, and DANE and policy are left out.
	Resolver *mx.Resolver
	// Ports replace DefaultPorts; a target with a port probes only it.
	Ports    []Port
	Timeout  time.Duration
	EHLOName string
	// CAFile or RootPEM are trusted instead of the system roots when
	// saying whether a certificate verifies.
	CAFile  string
	RootPEM []byte
	// PolicyDial connects to the MTA-STS policy host's port 443; nil
	// resolves its name with Resolver. PolicyRoots are trusted for its
	// certificate instead of the system roots, and PolicyServerName is
	// the name the certificate must hold instead of mta-sts.DOMAIN: both
	// for tests, whose server has a certificate of its own.
	PolicyDial       func(ctx context.Context, network, addr string) (net.Conn, error)
	PolicyRoots      *x509.CertPool
	PolicyServerName string
	Now              func() time.Time
}

func (o *Options) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

// Run probes target: HOST:PORT (that port only), HOST or an address (the
// ports of o.Ports), or a mail domain, whose MX hosts are probed. It
// returns an error only when the target cannot be understood or found;
// unreachable ports are findings.
func Run(ctx context.Context, target string, o Options) (*Report, error) {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.EHLOName == "" {
		o.EHLOName = "probe.smtprepl.invalid"
	}
	ports := o.Ports
	if len(ports) == 0 {
		ports = DefaultPorts()
	}
	start := o.now()
	rep := &Report{Version: SchemaVersion, Target: visible.Clip(target, 300), Started: start.UTC(), Hosts: []HostReport{}, Findings: []Finding{}}
	hosts, err := resolveTarget(ctx, target, &ports, &o, rep)
	if err != nil {
		return nil, err
	}
	results := make([][]PortReport, len(hosts))
	chains := make([][][]*x509.Certificate, len(hosts))
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxParallel)
	for i, h := range hosts {
		results[i] = make([]PortReport, len(ports))
		chains[i] = make([][]*x509.Certificate, len(ports))
		for j, p := range ports {
			t := portTarget{host: h.name, addr: net.JoinHostPort(h.addr, strconv.Itoa(p.Dial)), port: p.Service, role: p.Role}
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				results[i][j], chains[i][j] = probePort(ctx, t, &o)
			})
		}
	}
	var policy *Policy
	if rep.Domain != "" && o.Resolver != nil {
		wg.Go(func() { policy = lookupPolicy(ctx, rep.Domain, &o) })
	}
	wg.Wait()
	for i, h := range hosts {
		hr := HostReport{Name: visible.Clip(h.name, 255), Ports: results[i]}
		if o.Resolver != nil && !h.literal {
			for j := range hr.Ports {
				if hr.Ports[j].TLS != nil {
					hr.Ports[j].DANE = lookupDANE(ctx, o.Resolver, h.name, hr.Ports[j].Port, chains[i][j])
				}
			}
		}
		rep.Hosts = append(rep.Hosts, hr)
	}
	rep.Policy = policy
	rep.Findings = append(rep.Findings, findings(rep, o.now())...)
	rep.Elapsed = ms(o.now().Sub(start))
	return rep, nil
}

// TargetError is a target that cannot be understood: a usage mistake,
// not a failure of the network.
type TargetError struct{ msg string }

func (e *TargetError) Error() string { return e.msg }

// hostTarget is one host to probe and the address to dial.
type hostTarget struct {
	name    string
	addr    string
	literal bool // the user gave an address: no name to check or look up
}

// resolveTarget decides what to probe. A name is first taken as a mail
// domain; if it has no MX, it is the host itself.
func resolveTarget(ctx context.Context, target string, ports *[]Port, o *Options, rep *Report) ([]hostTarget, error) {
	if target == "" {
		return nil, &TargetError{"nothing to probe: give HOST, HOST:PORT or a mail domain"}
	}
	name := target
	if h, p, err := net.SplitHostPort(target); err == nil {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, &TargetError{fmt.Sprintf("%q: the port must be a number from 1 to 65535", visible.Clip(target, 100))}
		}
		svc, role := n, RoleOf(n)
		for _, q := range *ports {
			if q.Dial == n || q.Service == n {
				svc, role = q.Service, q.Role
			}
		}
		*ports = []Port{{Service: svc, Dial: n, Role: role}}
		name = h
	}
	name = strings.TrimSuffix(strings.Trim(name, "[]"), ".")
	if addr, err := netip.ParseAddr(name); err == nil {
		return []hostTarget{{name: addr.String(), addr: addr.String(), literal: true}}, nil
	}
	if name == "" || strings.ContainsAny(name, " \t/") {
		return nil, &TargetError{fmt.Sprintf("%q is not a host name, address or mail domain", visible.Clip(target, 100))}
	}
	if o.Resolver == nil || name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return systemHost(ctx, name)
	}
	if len(*ports) == 1 && name != target {
		// HOST:PORT names a host, not a domain: no MX lookup.
		return resolverHost(ctx, name, o)
	}
	route, err := o.Resolver.Route(ctx, name, nil)
	if err != nil {
		var de *mx.Error
		if errors.As(err, &de) {
			return nil, fmt.Errorf("%s (%s)", errText(err, 500), de.Explain())
		}
		return nil, errors.New(errText(err, 500))
	}
	if route.Implicit {
		return resolverHost(ctx, name, o)
	}
	rep.Domain = visible.Clip(name, 255)
	rep.NullMX = route.Null
	var out []hostTarget
	for _, h := range route.Hosts {
		m := MXHost{Name: visible.Clip(h.Name, 255), Preference: h.Preference, Addrs: []string{}}
		for _, a := range h.Addrs {
			m.Addrs = append(m.Addrs, a.String())
		}
		if h.Err != nil {
			m.Error = visible.TextClip(h.Err.Error(), 300)
		}
		rep.MX = append(rep.MX, m)
		if len(h.Addrs) > 0 && len(out) < MaxHosts {
			out = append(out, hostTarget{name: h.Name, addr: h.Addrs[0].String()})
		}
	}
	return out, nil
}

// resolverHost finds a host's first address with the probe's resolver.
func resolverHost(ctx context.Context, name string, o *Options) ([]hostTarget, error) {
	route, err := o.Resolver.Route(ctx, name, nil)
	if err == nil && len(route.Hosts) > 0 && route.Implicit && len(route.Hosts[0].Addrs) > 0 {
		return []hostTarget{{name: name, addr: route.Hosts[0].Addrs[0].String()}}, nil
	}
	// The name may have MX records of its own: ask for its address alone.
	for _, t := range []mx.Type{mx.TypeAAAA, mx.TypeA} {
		ans, qerr := o.Resolver.Query(ctx, name, t)
		if qerr != nil {
			err = qerr
			continue
		}
		if as := ans.Addrs(name); len(as) > 0 {
			return []hostTarget{{name: name, addr: as[0].String()}}, nil
		}
	}
	if err == nil {
		err = fmt.Errorf("%s has neither an A nor an AAAA record", name)
	}
	return nil, errors.New(errText(err, 500))
}

// systemHost resolves with the system's resolver, for names DNS does not
// serve (localhost, /etc/hosts) and when no resolver is in use.
func systemHost(ctx context.Context, name string) ([]hostTarget, error) {
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", name)
	if err != nil || len(addrs) == 0 {
		return nil, fmt.Errorf("cannot find the address of %s: %v", visible.Clip(name, 255), err)
	}
	return []hostTarget{{name: name, addr: addrs[0].Unmap().String()}}, nil
}
