package mx_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/mx"
	"github.com/smtprepl/smtprepl/mx/mxtest"
)

const zone = `
; two equal preferences and a backup
multi.test.        MX 10 a.multi.test.
multi.test.        MX 10 b.multi.test.
multi.test.        MX 20 backup.multi.test.
a.multi.test.      A 192.0.2.10
b.multi.test.      A 192.0.2.11
b.multi.test.      AAAA 2001:db8::11
backup.multi.test. A 192.0.2.20
; no MX: the domain's own address
bare.test.         A 192.0.2.30
; no MX, no address, but the name exists
empty.test.        TXT "v=spf1 -all"
; RFC 7505
nullmx.test.       MX 0 .
mixednull.test.    MX 0 .
mixednull.test.    MX 10 mx.mixednull.test.
mx.mixednull.test. A 192.0.2.40
; an MX whose host has no address, and one whose lookup fails
half.test.         MX 10 gone.half.test.
half.test.         MX 20 ok.half.test.
ok.half.test.      A 192.0.2.50
flaky.test.        MX 10 sick.flaky.test.
sick.flaky.test.   SERVFAIL
; a CNAME in front of the domain
alias.test.        CNAME multi.test.
; an MX that names an address
literal.test.      MX 10 192.0.2.60.
192.0.2.60.        A 192.0.2.60
broken.test.       SERVFAIL
shy.test.          REFUSED
slow.test.         TIMEOUT
`

// describe renders a route the way a test can read it at a glance.
func describe(r *mx.Route) []string {
	var out []string
	switch {
	case r.Null:
		out = append(out, "null MX")
	case r.Implicit:
		out = append(out, "implicit MX")
	}
	if r.Canonical != "" {
		out = append(out, "canonical "+r.Canonical)
	}
	for _, h := range r.Hosts {
		s := fmt.Sprintf("%d %s", h.Preference, h.Name)
		for _, a := range h.Addrs {
			s += " " + a.String()
		}
		if h.Err != nil {
			s += " ! " + h.Err.Error()
		}
		out = append(out, s)
	}
	for _, n := range r.Notes {
		out = append(out, "note: "+n)
	}
	return out
}

func TestRoute(t *testing.T) {
	srv := mxtest.Start(t, zone)
	res, err := mx.NewResolver(srv.Addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		domain string
		want   []string
		err    string
		kind   mx.Kind
	}{
		{domain: "multi.test", want: []string{
			"10 a.multi.test 192.0.2.10",
			"10 b.multi.test 2001:db8::11 192.0.2.11",
			"20 backup.multi.test 192.0.2.20",
		}},
		{domain: "bare.test", want: []string{"implicit MX", "0 bare.test 192.0.2.30"}},
		{domain: "empty.test", err: "empty.test has no MX record and no address (A or AAAA): mail to it cannot be delivered"},
		{domain: "nullmx.test", want: []string{"null MX"}},
		{domain: "mixednull.test", want: []string{
			"10 mx.mixednull.test 192.0.2.40",
			`note: a null MX (".") stands among other MX records, which RFC 7505 §3 forbids; it is ignored`,
		}},
		{domain: "half.test", want: []string{
			"10 gone.half.test ! the AAAA query for gone.half.test: NXDOMAIN from " + srv.Addr + ": the name does not exist",
			"20 ok.half.test 192.0.2.50",
		}},
		{domain: "flaky.test", want: []string{
			"10 sick.flaky.test ! the AAAA query for sick.flaky.test: SERVFAIL from " + srv.Addr + ": the server could not get an answer",
		}},
		{domain: "alias.test", want: []string{
			"canonical multi.test",
			"10 a.multi.test 192.0.2.10",
			"10 b.multi.test 2001:db8::11 192.0.2.11",
			"20 backup.multi.test 192.0.2.20",
			"note: alias.test is a CNAME for multi.test; the MX records are looked up there",
		}},
		{domain: "literal.test", want: []string{
			"10 192.0.2.60 192.0.2.60",
			"note: MX 192.0.2.60 is an address, not a host name; RFC 5321 §5.1 requires a name, and many MTAs will not use it",
		}},
		{domain: "nowhere.test", err: "the MX query for nowhere.test: NXDOMAIN from " + srv.Addr + ": the name does not exist", kind: mx.NXDomain},
		{domain: "broken.test", err: "the MX query for broken.test: SERVFAIL from " + srv.Addr + ": the server could not get an answer", kind: mx.ServFail},
		{domain: "shy.test", err: "the MX query for shy.test: REFUSED by " + srv.Addr + ": that server will not answer this client", kind: mx.Refused},
		{domain: "slow.test", err: "the MX query for slow.test: no answer from " + srv.Addr + " in time", kind: mx.Timeout},
		{domain: "[192.0.2.1]", err: "[192.0.2.1] is an address literal: mail to it goes to that address, with no MX lookup"},
		{domain: "bad..name", err: `"bad..name" is not a domain name`, kind: mx.BadName},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			// A fixed seed keeps equal-preference hosts in one order here;
			// TestRouteShufflesEqualPreferences checks the randomising.
			r, err := res.Route(context.Background(), tt.domain, rand.New(rand.NewPCG(1, 2)))
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("Route(%q) error = %v, want %q", tt.domain, err, tt.err)
				}
				var de *mx.Error
				if tt.kind != 0 && (!errors.As(err, &de) || de.Kind != tt.kind) {
					t.Fatalf("Route(%q) error kind: got %#v, want kind %d", tt.domain, err, tt.kind)
				}
				return
			}
			if err != nil {
				t.Fatalf("Route(%q): %v", tt.domain, err)
			}
			got := describe(r)
			if tt.domain == "multi.test" || tt.domain == "alias.test" {
				sortEqualPrefs(got)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Route(%q) (-want +got):\n%s", tt.domain, diff)
			}
		})
	}
}

// sortEqualPrefs puts the two preference-10 hosts of multi.test in name
// order, so the table does not depend on the shuffle.
func sortEqualPrefs(lines []string) {
	for i := 0; i+1 < len(lines); i++ {
		if strings.HasPrefix(lines[i], "10 b.") && strings.HasPrefix(lines[i+1], "10 a.") {
			lines[i], lines[i+1] = lines[i+1], lines[i]
		}
	}
}

func TestRouteShufflesEqualPreferences(t *testing.T) {
	srv := mxtest.Start(t, zone)
	res, err := mx.NewResolver(srv.Addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	firsts := map[string]int{}
	for seed := range uint64(40) {
		r, err := res.Route(context.Background(), "multi.test", rand.New(rand.NewPCG(seed, seed)))
		if err != nil {
			t.Fatal(err)
		}
		firsts[r.Hosts[0].Name]++
		if last := r.Hosts[len(r.Hosts)-1].Name; last != "backup.multi.test" {
			t.Fatalf("seed %d: the preference-20 host must come last, got %s", seed, last)
		}
	}
	if firsts["a.multi.test"] == 0 || firsts["b.multi.test"] == 0 {
		t.Fatalf("40 orderings never put one of the equal hosts first: %v", firsts)
	}
}

func TestNewResolverAddress(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{in: "127.0.0.1:5353", want: "127.0.0.1:5353"},
		{in: "127.0.0.1", want: "127.0.0.1:53"},
		{in: "[::1]:53", want: "[::1]:53"},
		{in: "::1", want: "[::1]:53"},
		{in: "ns.example", want: "ns.example:53"},
		{in: "127.0.0.1:", err: `the resolver address "127.0.0.1:" lacks a host or a port`},
		{in: "127.0.0.1:99999", err: `the resolver address "127.0.0.1:99999" has a bad port`},
		{in: "1:2:3", err: `the resolver address "1:2:3" is not HOST, HOST:PORT or [IPv6]:PORT`},
	}
	for _, tt := range tests {
		r, err := mx.NewResolver(tt.in, 0)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("NewResolver(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || r.Server() != tt.want {
			t.Errorf("NewResolver(%q) = %v, %v; want %s", tt.in, r, err, tt.want)
		}
	}
}

// TestRouteManyHosts: a zone with more MX records than fit a UDP answer
// makes the resolver ask again over TCP, and only MaxHosts are resolved.
func TestRouteManyHosts(t *testing.T) {
	var z strings.Builder
	for i := range 100 {
		fmt.Fprintf(&z, "many.test. MX %d host-with-a-long-name-%03d.many.test.\n", i, i)
		fmt.Fprintf(&z, "host-with-a-long-name-%03d.many.test. A 192.0.2.%d\n", i, i%250)
	}
	srv := mxtest.Start(t, z.String())
	res, err := mx.NewResolver(srv.Addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	r, err := res.Route(context.Background(), "many.test", nil)
	if err != nil {
		t.Fatal(err)
	}
	if srv.TCPQueries() == 0 {
		t.Fatal("the MX answer did not fit UDP, yet nothing was asked over TCP")
	}
	if len(r.Hosts) != mx.MaxHosts || r.Dropped != 100-mx.MaxHosts {
		t.Fatalf("got %d hosts and %d dropped, want %d and %d", len(r.Hosts), r.Dropped, mx.MaxHosts, 100-mx.MaxHosts)
	}
	if r.Hosts[0].Name != "host-with-a-long-name-000.many.test" || r.Hosts[0].Addrs[0].String() != "192.0.2.0" {
		t.Fatalf("first host %+v", r.Hosts[0])
	}
}
