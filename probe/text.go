package probe

import (
	"fmt"
	"io"
	"strings"
)

// Text writes the report for a person: per host and port what was seen,
// then the findings, worst first, each with its explanation. Everything
// in the report is already escaped.
func (r *Report) Text(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "probe of %s\n", r.Target)
	if r.Domain != "" {
		fmt.Fprintf(&b, "\nMX of %s:\n", r.Domain)
		if r.NullMX {
			b.WriteString("  null MX (MX 0 .): the domain accepts no mail\n")
		}
		for _, m := range r.MX {
			what := strings.Join(m.Addrs, " ")
			if m.Error != "" {
				what = "no address: " + m.Error
			}
			fmt.Fprintf(&b, "  %5d  %s  %s\n", m.Preference, m.Name, what)
		}
	}
	for _, h := range r.Hosts {
		for _, p := range h.Ports {
			writePort(&b, h.Name, p)
		}
	}
	if pol := r.Policy; pol != nil {
		b.WriteString("\npolicy:\n")
		switch {
		case pol.MTASTSError != "":
			fmt.Fprintf(&b, "  MTA-STS   %s\n", pol.MTASTSError)
		case pol.MTASTSRecord == "":
			b.WriteString("  MTA-STS   none\n")
		default:
			fmt.Fprintf(&b, "  MTA-STS   %s; mode %s, max_age %d s, mx %s\n", pol.MTASTSRecord, pol.MTASTSMode, pol.MTASTSMaxAge, strings.Join(pol.MTASTSMX, ", "))
		}
		switch {
		case pol.TLSRPTError != "":
			fmt.Fprintf(&b, "  TLS-RPT   %s\n", pol.TLSRPTError)
		case pol.TLSRPT == "":
			b.WriteString("  TLS-RPT   none\n")
		default:
			fmt.Fprintf(&b, "  TLS-RPT   %s\n", pol.TLSRPT)
		}
	}
	counts := map[string]int{}
	for _, f := range r.Findings {
		counts[f.Severity]++
	}
	fmt.Fprintf(&b, "\nfindings: %d error(s), %d warning(s), %d note(s)\n", counts[Error], counts[Warning], counts[Info])
	for _, f := range r.Findings {
		text := f.Text
		if len(r.Hosts) > 1 && f.Host != "" {
			text = f.Host + ": " + text
		}
		fmt.Fprintf(&b, "  %-7s %s\n", f.Severity, text)
		fmt.Fprintf(&b, "          ↳ %s\n", f.Explain)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writePort(b *strings.Builder, host string, p PortReport) {
	fmt.Fprintf(b, "\n%s port %d (%s, %s)\n", host, p.Port, roleText(p.Role), p.Addr)
	if !p.Reached {
		fmt.Fprintf(b, "  not reached: %s\n", p.Error)
		return
	}
	row := func(k, v string) { fmt.Fprintf(b, "  %-10s %s\n", k, v) }
	row("greeting", p.Greeting)
	if len(p.EHLO) > 0 {
		row("EHLO", strings.Join(p.EHLO, ", "))
	}
	if p.StartTLS != "" {
		row("STARTTLS", p.StartTLS)
	}
	if len(p.AfterTLS) > 0 {
		row("EHLO (TLS)", strings.Join(p.AfterTLS, ", "))
	}
	if c := p.Changes; c != nil {
		var parts []string
		for _, s := range c.Added {
			parts = append(parts, "+"+s)
		}
		for _, s := range c.Removed {
			parts = append(parts, "-"+s)
		}
		for _, s := range c.Changed {
			parts = append(parts, "~"+s)
		}
		row("changed", strings.Join(parts, "  "))
	}
	if t := p.TLS; t != nil {
		verified := "verified"
		if !t.Verified {
			verified = "NOT verified: " + t.VerifyError
		}
		row("TLS", fmt.Sprintf("%s %s, certificate %s", t.Version, t.Cipher, verified))
		for i, c := range t.Chain {
			label := "leaf"
			if i > 0 {
				label = fmt.Sprintf("chain[%d]", i)
			}
			row(label, fmt.Sprintf("%s (issuer %s)", c.Subject, c.Issuer))
			if len(c.SANs) > 0 {
				row("", "names "+strings.Join(c.SANs, ", "))
			}
			row("", fmt.Sprintf("valid %s to %s (%d days left), %s", c.NotBefore.Format("2006-01-02"), c.NotAfter.Format("2006-01-02"), c.DaysLeft, c.Key))
			row("", "sha256 "+c.SHA256)
		}
	}
	if d := p.DANE; d != nil {
		switch {
		case d.Error != "":
			row("DANE", d.Error)
		default:
			m := "no record matches"
			if d.Match != "" {
				m = "matches " + d.Match
			}
			row("DANE", fmt.Sprintf("%d TLSA record(s), DNSSEC %v, %s", len(d.Records), d.Authenticated, m))
		}
	}
	e := p.Ext
	var ext []string
	if len(e.AuthBeforeTLS) > 0 {
		ext = append(ext, "AUTH before TLS: "+strings.Join(e.AuthBeforeTLS, " "))
	}
	if len(e.AuthAfterTLS) > 0 {
		ext = append(ext, "AUTH with TLS: "+strings.Join(e.AuthAfterTLS, " "))
	}
	if e.Size > 0 {
		ext = append(ext, fmt.Sprintf("SIZE %d (%.1f MiB)", e.Size, float64(e.Size)/(1<<20)))
	}
	for _, f := range []struct {
		on   bool
		name string
	}{{e.Pipelining, "PIPELINING"}, {e.Chunking, "CHUNKING"}, {e.SMTPUTF8, "SMTPUTF8"}, {e.RequireTLS, "REQUIRETLS"}, {e.DSN, "DSN"}, {e.EightBitMIME, "8BITMIME"}, {e.EnhancedStatusCodes, "ENHANCEDSTATUSCODES"}} {
		if f.on {
			ext = append(ext, f.name)
		}
	}
	if len(ext) > 0 {
		row("offers", strings.Join(ext, "; "))
	}
	row("timing", timingText(p))
	if p.Error != "" {
		row("stopped", p.Error)
	}
}

func roleText(role string) string {
	switch role {
	case RoleImplicit:
		return "implicit TLS"
	case RoleSubmission:
		return "submission"
	}
	return "relay"
}

// timingText lists the steps that happened, in order, in milliseconds.
func timingText(p PortReport) string {
	t := p.Timing
	steps := []string{fmt.Sprintf("connect %.1f ms", t.Connect)}
	if p.Role == RoleImplicit && p.TLS != nil {
		steps = append(steps, fmt.Sprintf("TLS handshake %.1f", t.Handshake))
	}
	steps = append(steps, fmt.Sprintf("greeting %.1f", t.Greeting))
	if p.EHLO != nil {
		steps = append(steps, fmt.Sprintf("EHLO %.1f", t.EHLO))
	}
	if p.Role != RoleImplicit && p.StartTLS == "offered" {
		steps = append(steps, fmt.Sprintf("STARTTLS %.1f", t.StartTLS), fmt.Sprintf("TLS handshake %.1f", t.Handshake))
		if p.AfterTLS != nil {
			steps = append(steps, fmt.Sprintf("EHLO again %.1f", t.EHLOAfter))
		}
	}
	return strings.Join(steps, ", ")
}
