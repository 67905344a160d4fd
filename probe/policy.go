package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/smtprepl/smtprepl/mx"
	"github.com/smtprepl/smtprepl/proto/visible"
)

// maxPolicy bounds an MTA-STS policy file (RFC 8461 §3.3 leaves it to the
// client; real ones are a few hundred bytes).
const maxPolicy = 64 << 10

// stsPolicy is an MTA-STS policy file (RFC 8461 §3.2).
type stsPolicy struct {
	version string
	mode    string
	mx      []string
	maxAge  int64
}

// parseSTSPolicy reads "key: value" lines. Unknown keys are allowed (the
// RFC says so); a missing version, mode or max_age is an error.
func parseSTSPolicy(text string) (stsPolicy, error) {
	var p stsPolicy
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 4096), maxPolicy)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return p, fmt.Errorf("the policy line %q is not KEY: VALUE", visible.Clip(line, 100))
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "version":
			p.version = v
		case "mode":
			p.mode = v
		case "mx":
			if len(p.mx) < 100 {
				p.mx = append(p.mx, v)
			}
		case "max_age":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 || n > 31557600 {
				return p, fmt.Errorf("max_age %q is not a number of seconds up to 31557600", visible.Clip(v, 50))
			}
			p.maxAge = n
		}
	}
	if err := sc.Err(); err != nil {
		return p, fmt.Errorf("reading the policy: %w", err)
	}
	switch {
	case p.version != "STSv1":
		return p, fmt.Errorf("the policy's version is %q, not STSv1", visible.Clip(p.version, 50))
	case p.mode != "enforce" && p.mode != "testing" && p.mode != "none":
		return p, fmt.Errorf("the policy's mode is %q, not enforce, testing or none", visible.Clip(p.mode, 50))
	case p.mode != "none" && len(p.mx) == 0:
		return p, errors.New("the policy names no mx: no host could match it")
	}
	return p, nil
}

// mxMatches applies RFC 8461 §4.1: a pattern is a host name, or
// "*.domain" matching one label more.
func mxMatches(pattern, host string) bool {
	pattern, host = strings.ToLower(strings.TrimSuffix(pattern, ".")), strings.ToLower(strings.TrimSuffix(host, "."))
	if rest, ok := strings.CutPrefix(pattern, "*."); ok {
		label, parent, ok := strings.Cut(host, ".")
		return ok && label != "" && parent == rest
	}
	return pattern == host
}

// tagValue finds TAG in a "v=STSv1; id=123" style record.
func tagValue(record, tag string) string {
	for _, part := range strings.Split(record, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), tag) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// txtRecord finds the one TXT record at name starting with prefix.
func txtRecord(ctx context.Context, r *mx.Resolver, name, prefix string) (string, error) {
	ans, err := r.Query(ctx, name, mx.TypeTXT)
	if err != nil {
		var de *mx.Error
		if errors.As(err, &de) && de.Kind == mx.NXDomain {
			return "", nil
		}
		return "", err
	}
	var found []string
	for _, rr := range ans.Records {
		if rr.Type == mx.TypeTXT {
			s := strings.Join(rr.Text, "")
			if strings.HasPrefix(s, prefix) {
				found = append(found, s)
			}
		}
	}
	switch len(found) {
	case 0:
		return "", nil
	case 1:
		return visible.Clip(found[0], 500), nil
	}
	return "", fmt.Errorf("%s holds %d records starting %q; there must be one", name, len(found), prefix)
}

// lookupPolicy reads the domain's MTA-STS record and policy, and its
// TLS-RPT record.
func lookupPolicy(ctx context.Context, domain string, o *Options) *Policy {
	p := &Policy{}
	rec, err := txtRecord(ctx, o.Resolver, "_mta-sts."+domain, "v=STSv1")
	switch {
	case err != nil:
		p.MTASTSError = errText(err, 500)
	case rec != "":
		p.MTASTSRecord = rec
		pol, err := fetchPolicy(ctx, domain, o)
		if err != nil {
			p.MTASTSError = errText(err, 500)
		} else {
			p.MTASTSMode, p.MTASTSMaxAge = visible.Clip(pol.mode, 50), pol.maxAge
			for _, m := range pol.mx {
				p.MTASTSMX = append(p.MTASTSMX, visible.Clip(m, 255))
			}
		}
	}
	rpt, err := txtRecord(ctx, o.Resolver, "_smtp._tls."+domain, "v=TLSRPTv1")
	if err != nil {
		p.TLSRPTError = errText(err, 500)
	}
	p.TLSRPT = rpt
	return p
}

// fetchPolicy gets https://mta-sts.DOMAIN/.well-known/mta-sts.txt with a
// verified certificate and no redirects (RFC 8461 §3.3).
func fetchPolicy(ctx context.Context, domain string, o *Options) (stsPolicy, error) {
	host, path := "mta-sts."+domain, "/.well-known/mta-sts.txt"
	url := "https://" + host + path
	dial := o.PolicyDial
	if dial == nil {
		dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			return dialPolicyHost(ctx, network, addr, o)
		}
	}
	cfg := &tls.Config{ServerName: host, RootCAs: o.PolicyRoots, NextProtos: []string{"http/1.1"}}
	if o.PolicyServerName != "" {
		cfg.ServerName = o.PolicyServerName
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	resp, err := httpsGet(ctx, dial, host, path, cfg, maxPolicy)
	if errors.Is(err, context.DeadlineExceeded) {
		return stsPolicy{}, fmt.Errorf("fetching %s: no complete answer within %s", url, o.Timeout)
	}
	if resp == nil {
		return stsPolicy{}, fmt.Errorf("fetching %s: %w", url, err)
	}
	if resp.status != 200 {
		return stsPolicy{}, fmt.Errorf("fetching %s: HTTP %d (redirects are not followed, RFC 8461 §3.3)", url, resp.status)
	}
	if ct := resp.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		return stsPolicy{}, fmt.Errorf("%s is served as %q, not text/plain", url, visible.Clip(ct, 100))
	}
	if errors.Is(err, errBodyTooLarge) {
		return stsPolicy{}, fmt.Errorf("%s is over %d KiB", url, maxPolicy>>10)
	}
	if err != nil {
		return stsPolicy{}, fmt.Errorf("reading %s: %w", url, err)
	}
	return parseSTSPolicy(string(resp.body))
}

// dialPolicyHost connects to the policy host with the probe's resolver,
// so a --resolver answer is used for HTTPS as for SMTP.
func dialPolicyHost(ctx context.Context, network, addr string, o *Options) (net.Conn, error) {
	dialer := &net.Dialer{Timeout: o.Timeout}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ips, err := o.Resolver.LookupAddrs(ctx, host)
	for _, ip := range ips {
		c, derr := dialer.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
		if derr == nil {
			return c, nil
		}
		err = derr
	}
	return nil, err
}
