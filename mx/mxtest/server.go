// Package mxtest runs a DNS server on loopback for tests, serving a small
// zone written as text, with broken answers on demand.
//
// Only _test.go files may import it: it is the one user of miekg/dns,
// which the binary does not link (CI checks go list -deps).
package mxtest

import (
	"bufio"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/miekg/dns"
)

// Server answers from its zone until the test ends.
type Server struct {
	Addr    string // 127.0.0.1:PORT, UDP and TCP
	zone    map[string][]dns.RR
	fail    map[string]string // name → SERVFAIL, REFUSED or TIMEOUT
	ad      map[string]bool   // names answered with the AD bit
	queries atomic.Int64
	tcp     atomic.Int64
}

// Start serves zone: one record per line in the zone-file notation
// ("example.test. 300 IN MX 10 mx.example.test."), or "NAME SERVFAIL",
// "NAME REFUSED", "NAME TIMEOUT" (no answer at all), "NAME AD" (answers
// about NAME carry DNSSEC's authenticated-data bit). Names in no line get
// NXDOMAIN; names in the zone asked a type they lack get an empty answer.
// Lines starting with ";" are comments.
func Start(t testing.TB, zone string) *Server {
	t.Helper()
	s := &Server{zone: map[string][]dns.RR{}, fail: map[string]string{}, ad: map[string]bool{}}
	sc := bufio.NewScanner(strings.NewReader(zone))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, ";") {
			continue
		}
		if f := strings.Fields(line); len(f) == 2 {
			name := strings.ToLower(dns.Fqdn(f[0]))
			switch f[1] {
			case "SERVFAIL", "REFUSED", "TIMEOUT":
				s.fail[name] = f[1]
				continue
			case "AD":
				s.ad[name] = true
				continue
			}
		}
		rr, err := dns.NewRR(line)
		if err != nil {
			t.Fatalf("mxtest: zone line %d %q: %v", n, line, err)
		}
		name := strings.ToLower(rr.Header().Name)
		s.zone[name] = append(s.zone[name], rr)
	}
	pc, ln := ListenUDPAndTCP(t)
	s.Addr = pc.LocalAddr().String()
	udp := &dns.Server{PacketConn: pc, Handler: s}
	tcp := &dns.Server{Listener: ln, Handler: s}
	go func() { _ = udp.ActivateAndServe() }()
	go func() { _ = tcp.ActivateAndServe() }()
	t.Cleanup(func() {
		_ = udp.Shutdown()
		_ = tcp.Shutdown()
	})
	return s
}

// Queries counts the questions asked so far.
func (s *Server) Queries() int64 { return s.queries.Load() }

// TCPQueries counts those asked over TCP (after a truncated UDP answer).
func (s *Server) TCPQueries() int64 { return s.tcp.Load() }

// ServeDNS answers one query.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	s.queries.Add(1)
	if len(req.Question) != 1 {
		m := new(dns.Msg)
		m.SetRcode(req, dns.RcodeFormatError)
		_ = w.WriteMsg(m)
		return
	}
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	m := new(dns.Msg)
	m.SetReply(req)
	m.RecursionAvailable = true
	switch s.fail[name] {
	case "TIMEOUT":
		return
	case "SERVFAIL":
		m.Rcode = dns.RcodeServerFailure
		_ = w.WriteMsg(m)
		return
	case "REFUSED":
		m.Rcode = dns.RcodeRefused
		_ = w.WriteMsg(m)
		return
	}
	m.AuthenticatedData = s.ad[name]
	rrs, ok := s.zone[name]
	if !ok {
		m.Rcode = dns.RcodeNameError
		_ = w.WriteMsg(m)
		return
	}
	for _, rr := range rrs {
		if rr.Header().Rrtype == q.Qtype || rr.Header().Rrtype == dns.TypeCNAME {
			m.Answer = append(m.Answer, rr)
			if c, ok := rr.(*dns.CNAME); ok && q.Qtype != dns.TypeCNAME {
				for _, tr := range s.zone[strings.ToLower(c.Target)] {
					if tr.Header().Rrtype == q.Qtype {
						m.Answer = append(m.Answer, tr)
					}
				}
			}
		}
	}
	if _, isUDP := w.RemoteAddr().(*net.UDPAddr); isUDP {
		m.Truncate(dnsSize(req))
	} else {
		s.tcp.Add(1)
	}
	_ = w.WriteMsg(m) // a client that went away reports that itself
}

func dnsSize(req *dns.Msg) int {
	if o := req.IsEdns0(); o != nil {
		return int(o.UDPSize())
	}
	return dns.MinMsgSize
}

// ListenUDPAndTCP listens on one loopback port for both UDP and TCP, as a
// DNS server does. The port is the system's choice for UDP; the same
// number may be taken for TCP by another test's connection, so a few
// ports are tried. Both are closed when the test ends.
func ListenUDPAndTCP(t testing.TB) (net.PacketConn, net.Listener) {
	t.Helper()
	var last error
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("mxtest: %v", err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err != nil {
			pc.Close()
			last = err
			continue
		}
		t.Cleanup(func() { pc.Close(); ln.Close() })
		return pc, ln
	}
	t.Fatalf("mxtest: no port free for both UDP and TCP: %v", last)
	return nil, nil
}
