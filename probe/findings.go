package probe

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// expirySoon is how close to expiry a certificate must be for a warning.
const expirySoon = 14

// findings reads the report and says what matters, worst first, each
// with what it means.
func findings(rep *Report, now time.Time) []Finding {
	var out []Finding
	add := func(sev, key, host string, port int, text, explain string) {
		out = append(out, Finding{Severity: sev, Key: key, Host: host, Port: port, Text: text, Explain: explain})
	}
	reached := 0
	if rep.NullMX {
		add(Info, "null-mx", "", 0, rep.Domain+" publishes a null MX: it accepts no mail",
			"RFC 7505: \"MX 0 .\" says the domain receives no mail; MTAs bounce at once (556 5.1.10) instead of queueing.")
	}
	for _, m := range rep.MX {
		if m.Error != "" {
			add(Warning, "mx-no-address", m.Name, 0, "MX "+m.Name+" has no address: "+m.Error,
				"An MTA skips this host and tries the next; if it is the only one, mail to the domain queues and then bounces.")
		}
	}
	for _, h := range rep.Hosts {
		for _, p := range h.Ports {
			where := fmt.Sprintf("%s port %d", h.Name, p.Port)
			if !p.Reached {
				explain := "Nothing answered: a firewall, a closed port, or the host is down."
				if p.Port == 25 {
					explain = "Port 25 is often blocked by ISPs, campus and cloud networks for outgoing connections, to stop spam from infected machines: try from another network before blaming the server. " + explain
				}
				add(Warning, "unreachable", h.Name, p.Port, where+" could not be reached: "+p.Error, explain)
				continue
			}
			reached++
			if p.Error != "" {
				add(Error, "session-failed", h.Name, p.Port, where+": "+p.Error,
					"The probe connected but could not finish greeting, EHLO and STARTTLS; the transcript shows where it stopped.")
			}
			out = append(out, portFindings(h.Name, p, loopback(p.Addr))...)
		}
	}
	out = samePorts(out)
	if rep.Policy != nil {
		out = append(out, policyFindings(rep)...)
	}
	if reached == 0 && !rep.NullMX {
		add(Error, "nothing-reached", "", 0, "no port of any host could be reached",
			"Every connection failed; the findings above say how. Nothing about the server itself could be learnt.")
	}
	rank := map[string]int{Error: 0, Warning: 1, Info: 2}
	slices.SortStableFunc(out, func(a, b Finding) int { return rank[a.Severity] - rank[b.Severity] })
	return out
}

func loopback(addr string) bool {
	host := addr
	if i := strings.LastIndex(addr, ":"); i > 0 {
		host = strings.Trim(addr[:i], "[]")
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// portFindings writes "%[1]s" where the port goes, so that one finding
// on several ports (the same certificate on 25, 465 and 587) is said once.
func portFindings(host string, p PortReport, onLoopback bool) []Finding {
	var out []Finding
	add := func(sev, key, tmpl, explain string) {
		out = append(out, Finding{Severity: sev, Key: key, Host: host, Port: p.Port, tmpl: tmpl, Explain: explain})
	}
	port := "%[1]s"
	switch {
	case p.Role == RoleImplicit:
	case p.StartTLS == "not offered" && p.Role == RoleSubmission:
		add(Error, "no-starttls", port+" does not offer STARTTLS",
			"A submission port without TLS sends passwords and mail in plaintext; RFC 8314 wants TLS on every submission.")
	case p.StartTLS == "not offered" && p.EHLO != nil:
		add(Warning, "no-starttls", "no STARTTLS on "+port,
			"Mail to this host travels in plaintext: anyone on the path can read it. Most MTAs offer STARTTLS on 25 today.")
	case strings.HasPrefix(p.StartTLS, "refused"):
		add(Error, "starttls-refused", port+" offers STARTTLS but "+esc(p.StartTLS),
			"The server advertises STARTTLS and then refuses it: clients that insist on TLS cannot send, the others fall back to plaintext.")
	}
	if plain := plaintextMechs(p.Ext.AuthBeforeTLS); len(plain) > 0 && p.Role != RoleImplicit {
		sev, why := Error, ""
		if onLoopback {
			sev, why = Info, " On loopback, as here, nobody else is on the path; a server reachable from the network must not do this."
		}
		add(sev, "auth-before-starttls", port+" offers AUTH "+esc(strings.Join(plain, " "))+" before STARTTLS: passwords can be read on the way",
			"PLAIN and LOGIN send the password base64-encoded, which is not encryption. A server should offer them only after STARTTLS (Postfix: smtpd_tls_auth_only = yes)."+why)
	}
	if p.Role == RoleSubmission && p.TLS != nil && len(p.Ext.AuthAfterTLS) == 0 {
		add(Warning, "no-auth", port+" offers no AUTH, even after STARTTLS",
			"A submission port exists for authenticated clients; without AUTH it can only take mail from addresses it trusts.")
	}
	if p.Changes != nil {
		var parts []string
		if len(p.Changes.Added) > 0 {
			parts = append(parts, "added "+strings.Join(p.Changes.Added, ", "))
		}
		if len(p.Changes.Removed) > 0 {
			parts = append(parts, "removed "+strings.Join(p.Changes.Removed, ", "))
		}
		if len(p.Changes.Changed) > 0 {
			parts = append(parts, "changed "+strings.Join(p.Changes.Changed, ", "))
		}
		add(Info, "ehlo-changed-after-tls", "STARTTLS on "+port+" changed EHLO: "+esc(strings.Join(parts, "; ")),
			"RFC 3207 makes the client forget what it learnt before TLS and ask again. Offering AUTH only after TLS is the usual, good reason for a change.")
	}
	if t := p.TLS; t != nil {
		out = append(out, tlsFindings(host, p, t)...)
	}
	if d := p.DANE; d != nil {
		switch {
		case d.Error != "":
			add(Warning, "dane-lookup-failed", "the TLSA lookup for "+port+" failed: "+esc(d.Error),
				"A DANE-validating MTA that cannot read TLSA records defers mail rather than send it unprotected.")
		case !d.Authenticated:
			add(Warning, "dane-unsigned", port+fmt.Sprintf(" has %d TLSA record(s), but the resolver did not vouch for them with DNSSEC", len(d.Records)),
				"DANE (RFC 7672) counts only DNSSEC-validated TLSA records; unsigned ones are ignored by MTAs. Either sign the zone or ask a validating resolver (--resolver).")
		case d.Match == "":
			add(Error, "dane-mismatch", "no TLSA record of "+port+" matches the certificate",
				"DANE-validating MTAs (Postfix with smtp_tls_security_level = dane, Exim) will not deliver to this host until a record matches the certificate it presents.")
		default:
			add(Info, "dane-ok", "the certificate on "+port+" matches TLSA "+esc(d.Match),
				"DANE-validating MTAs will insist on TLS with this certificate: a downgrade or an impostor is caught.")
		}
	}
	if p.EHLO != nil {
		if !p.Ext.EnhancedStatusCodes {
			add(Info, "no-enhancedstatuscodes", port+" sends no enhanced status codes",
				"Replies carry only the three-digit code, without RFC 3463's x.y.z detail (5.1.1 unknown user, 5.7.1 policy): errors are harder to tell apart.")
		}
		if !p.Ext.Pipelining {
			add(Info, "no-pipelining", port+" does not offer PIPELINING",
				"Each command waits for its reply (RFC 2920): a message costs several round trips more.")
		}
	}
	return out
}

func plaintextMechs(mechs []string) []string {
	var out []string
	for _, m := range mechs {
		if u := strings.ToUpper(m); u == "PLAIN" || u == "LOGIN" {
			out = append(out, u)
		}
	}
	return out
}

func tlsFindings(host string, p PortReport, t *TLS) []Finding {
	var out []Finding
	add := func(sev, key, tmpl, explain string) {
		out = append(out, Finding{Severity: sev, Key: key, Host: host, Port: p.Port, tmpl: tmpl, Explain: explain})
	}
	port := "%[1]s"
	if !t.Verified {
		sev, why := Error, "Clients that verify (every mail client on 465 and 587) refuse the connection."
		if p.Role == RoleRelay {
			sev, why = Warning, "Between MTAs (port 25) most encrypt without verifying (opportunistic TLS), so mail still flows; DANE or MTA-STS would make them verify."
		}
		what := "the certificate on " + port + " does not verify: "
		if t.SelfSigned {
			what = "the certificate on " + port + " is self-signed and does not verify: "
		}
		add(sev, "certificate-unverified", what+esc(t.VerifyError), why)
	}
	if len(t.Chain) > 0 {
		leaf := t.Chain[0]
		switch d := leaf.DaysLeft; {
		case d < 0:
			add(Error, "certificate-expired", "the certificate on "+port+" expired "+days(-d)+" ago",
				"Verifying clients refuse it; renew it (and check the renewal job).")
		case d < expirySoon:
			add(Warning, "certificate-expires-soon", "the certificate on "+port+" expires in "+days(d),
				"Renew it before it expires: verifying clients will refuse it from that moment.")
		}
	}
	if t.Version == "TLS 1.0" || t.Version == "TLS 1.1" {
		add(Warning, "old-tls", port+" negotiated "+esc(t.Version),
			"TLS 1.0 and 1.1 are deprecated (RFC 8996); modern clients refuse them. The server should offer TLS 1.2 or 1.3.")
	}
	return out
}

func policyFindings(rep *Report) []Finding {
	var out []Finding
	pol := rep.Policy
	add := func(sev, key, text, explain string) {
		out = append(out, Finding{Severity: sev, Key: key, Text: text, Explain: explain})
	}
	switch {
	case pol.MTASTSError != "":
		add(Warning, "mta-sts-broken", "MTA-STS for "+rep.Domain+" is broken: "+pol.MTASTSError,
			"Senders that support MTA-STS (RFC 8461) keep a cached policy or fall back to opportunistic TLS; a broken policy protects nothing.")
	case pol.MTASTSRecord == "":
		add(Info, "no-mta-sts", rep.Domain+" publishes no MTA-STS policy",
			"Without MTA-STS (or DANE) a sender cannot tell a missing STARTTLS or a forged certificate from the real thing.")
	case pol.MTASTSMode == "enforce":
		for _, m := range rep.MX {
			if !slices.ContainsFunc(pol.MTASTSMX, func(p string) bool { return mxMatches(p, m.Name) }) {
				add(Error, "mta-sts-mx-mismatch", "MX "+m.Name+" matches no mx line of the enforced MTA-STS policy",
					"Senders enforcing the policy will not deliver to this host (RFC 8461 §4.1).")
			}
		}
	case pol.MTASTSMode == "testing":
		add(Info, "mta-sts-testing", "MTA-STS for "+rep.Domain+" is in testing mode",
			"Senders report failures (to the TLS-RPT address) but still deliver; switch to enforce once reports are clean.")
	}
	if pol.TLSRPTError != "" {
		add(Warning, "tls-rpt-broken", "the TLS-RPT record of "+rep.Domain+" is broken: "+pol.TLSRPTError,
			"Senders cannot tell you about TLS failures (RFC 8460).")
	} else if pol.TLSRPT == "" {
		add(Info, "no-tls-rpt", rep.Domain+" publishes no TLS-RPT record",
			"With _smtp._tls."+rep.Domain+" (RFC 8460), senders report TLS failures to you daily.")
	}
	return out
}

// esc keeps a value from the server out of a finding's format.
func esc(s string) string { return strings.ReplaceAll(s, "%", "%%") }

// samePorts says once what holds on several ports of one host: the same
// certificate expiring is one finding "on 25, 465 and 587".
func samePorts(in []Finding) []Finding {
	type group struct {
		first int
		ports []string
	}
	groups := map[[4]string]*group{}
	for i, f := range in {
		if f.tmpl == "" {
			continue
		}
		k := [4]string{f.Severity, f.Key, f.Host, f.tmpl + "\x00" + f.Explain}
		g, ok := groups[k]
		if !ok {
			g = &group{first: i}
			groups[k] = g
		}
		g.ports = append(g.ports, fmt.Sprint(f.Port))
	}
	var out []Finding
	for i, f := range in {
		if f.tmpl == "" {
			out = append(out, f)
			continue
		}
		k := [4]string{f.Severity, f.Key, f.Host, f.tmpl + "\x00" + f.Explain}
		g := groups[k]
		if g.first != i {
			continue
		}
		for _, p := range g.ports {
			n, _ := strconv.Atoi(p)
			f.Ports = append(f.Ports, n)
		}
		label := "port " + g.ports[0]
		if len(g.ports) > 1 {
			label = "ports " + joinAnd(g.ports)
		}
		f.Text = fmt.Sprintf(f.tmpl, label)
		f.tmpl = ""
		out = append(out, f)
	}

	return out
}

func joinAnd(ss []string) string {
	if len(ss) == 1 {
		return ss[0]
	}
	return strings.Join(ss[:len(ss)-1], ", ") + " and " + ss[len(ss)-1]
}

func days(n int) string {
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}
