package mx

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
)

// MaxHosts bounds how many MX hosts are resolved and shown: a hostile zone
// can hold thousands, and no MTA tries more than a handful.
const MaxHosts = 16

// maxCNAMEs bounds a CNAME chain inside one answer.
const maxCNAMEs = 8

// ErrNoAddress: the name exists but has neither an A nor an AAAA record.
var ErrNoAddress = errors.New("neither an A nor an AAAA record")

// Host is one place to try, in the order Route lists it.
type Host struct {
	Name       string // without the trailing dot
	Preference uint16
	Addrs      []netip.Addr // AAAA first, then A, as the answers gave them
	// Err is why the host has no address (an MTA skips it and tries the
	// next), nil when Addrs is not empty.
	Err error
}

// Route is where mail for a domain goes.
type Route struct {
	Domain string
	Hosts  []Host
	// Implicit: the domain has no MX, so its own A/AAAA are used (the
	// "implicit MX" of RFC 5321 §5.1).
	Implicit bool
	// Null: the domain publishes "MX 0 ." (RFC 7505): it accepts no mail.
	Null bool
	// Canonical is the name the MX records were found at, when a CNAME
	// led there.
	Canonical string
	// Dropped counts MX hosts beyond MaxHosts, not resolved.
	Dropped int
	// Notes are oddities an operator should hear about.
	Notes []string
}

// Route looks the domain up as an MTA would. rnd orders hosts of equal
// preference (RFC 5321 §5.1 asks for randomisation); nil uses a random source.
func (r *Resolver) Route(ctx context.Context, domain string, rnd *rand.Rand) (*Route, error) {
	domain = strings.TrimSuffix(strings.TrimSpace(domain), ".")
	if strings.HasPrefix(domain, "[") {
		return nil, fmt.Errorf("%s is an address literal: mail to it goes to that address, with no MX lookup", domain)
	}
	if _, err := netip.ParseAddr(domain); err == nil {
		return nil, fmt.Errorf("%s is an address, not a domain: mail to user@[%s] goes there directly", domain, domain)
	}
	ans, err := r.Query(ctx, domain, TypeMX)
	if err != nil {
		return nil, err
	}
	route := &Route{Domain: domain}
	owner, mxs, notes := mxRecords(domain, ans.Records)
	route.Notes = append(route.Notes, notes...)
	if !strings.EqualFold(owner, domain) {
		route.Canonical = owner
	}
	switch {
	case len(mxs) == 1 && mxs[0].Host == ".":
		route.Null = true
		return route, nil
	case len(mxs) == 0:
		route.Implicit = true
		h := r.resolveHost(ctx, owner, 0)
		if h.Err != nil {
			var de *Error
			if errors.Is(h.Err, ErrNoAddress) || (errors.As(h.Err, &de) && !de.Temporary()) {
				return nil, fmt.Errorf("%s has no MX record and no address (A or AAAA): mail to it cannot be delivered", domain)
			}
			return nil, h.Err
		}
		route.Hosts = []Host{h}
		return route, nil
	}
	var kept []Record
	for _, m := range mxs {
		if m.Host == "." {
			route.Notes = append(route.Notes, "a null MX (\".\") stands among other MX records, which RFC 7505 §3 forbids; it is ignored")
			continue
		}
		kept = append(kept, m)
	}
	order(kept, rnd)
	if len(kept) > MaxHosts {
		route.Dropped = len(kept) - MaxHosts
		kept = kept[:MaxHosts]
	}
	for _, m := range kept {
		name := trimDot(m.Host)
		if _, err := netip.ParseAddr(name); err == nil {
			route.Notes = append(route.Notes, fmt.Sprintf("MX %s is an address, not a host name; RFC 5321 §5.1 requires a name, and many MTAs will not use it", name))
		}
		route.Hosts = append(route.Hosts, r.resolveHost(ctx, name, m.Preference))
	}
	return route, nil
}

// mxRecords follows a CNAME chain in the answer from domain and returns
// the MX records at its end (RFC 5321 §5.1: the CNAME's target is
// processed as if it were the domain).
func mxRecords(domain string, rrs []Record) (owner string, mxs []Record, notes []string) {
	owner = domain
	for range maxCNAMEs {
		next := ""
		for _, rr := range rrs {
			if rr.Type == TypeCNAME && sameName(rr.Name, owner) {
				next = trimDot(rr.Host)
				break
			}
		}
		if next == "" {
			break
		}
		notes = append(notes, fmt.Sprintf("%s is a CNAME for %s; the MX records are looked up there", owner, next))
		owner = next
	}
	for _, rr := range rrs {
		if rr.Type == TypeMX && sameName(rr.Name, owner) {
			mxs = append(mxs, rr)
		}
	}
	return owner, mxs, notes
}

// order sorts by preference and shuffles each run of equal preferences.
func order(mxs []Record, rnd *rand.Rand) {
	slices.SortStableFunc(mxs, func(a, b Record) int { return cmp.Compare(a.Preference, b.Preference) })
	shuffle := rand.Shuffle
	if rnd != nil {
		shuffle = rnd.Shuffle
	}
	for i := 0; i < len(mxs); {
		j := i + 1
		for j < len(mxs) && mxs[j].Preference == mxs[i].Preference {
			j++
		}
		run := mxs[i:j]
		shuffle(len(run), func(a, b int) { run[a], run[b] = run[b], run[a] })
		i = j
	}
}

// resolveHost asks for the host's addresses; without any, Err says why.
func (r *Resolver) resolveHost(ctx context.Context, name string, pref uint16) Host {
	addrs, err := r.LookupAddrs(ctx, name)
	return Host{Name: name, Preference: pref, Addrs: addrs, Err: err}
}

// LookupAddrs asks for AAAA and A, as an MTA does, and returns the
// addresses in that order. One failing while the other answers is not an
// error: the host is reachable on what answered. With no address, the
// error is the first query's failure, or ErrNoAddress.
func (r *Resolver) LookupAddrs(ctx context.Context, name string) ([]netip.Addr, error) {
	var out []netip.Addr
	var errs []error
	for _, t := range []Type{TypeAAAA, TypeA} {
		ans, err := r.Query(ctx, name, t)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, ans.Addrs(name)...)
	}
	switch {
	case len(out) > 0:
		return out, nil
	case len(errs) > 0:
		return nil, errs[0]
	}
	return nil, fmt.Errorf("%s: %w", name, ErrNoAddress)
}
