package mx

import (
	"fmt"
	"strings"

	"github.com/smtprepl/smtprepl/proto/visible"
)

// Report says where mail for the domain goes, in the words the shell
// uses for replies: the hosts in the order an MTA tries them, then what
// that means. Names come from DNS, so they are escaped and clipped.
func (r *Route) Report() string {
	var b strings.Builder
	dom := visible.Clip(r.Domain, 255)
	switch {
	case r.Null:
		fmt.Fprintf(&b, "%s publishes a null MX (\"MX 0 .\", RFC 7505): it accepts no mail at all.\n", dom)
		b.WriteString("An MTA bounces mail to it at once, without connecting anywhere (556 5.1.10, or 550 5.1.10 " +
			"from a submission server at RCPT). Domains that only send, or never send, publish it so that " +
			"mail to them fails fast instead of sitting in queues.")
		return b.String()
	case r.Implicit:
		fmt.Fprintf(&b, "%s has no MX record, so mail goes to the domain's own address (the \"implicit MX\" of RFC 5321 §5.1):\n", dom)
	default:
		fmt.Fprintf(&b, "mail for %s goes to, in this order:\n", dom)
	}
	if r.Canonical != "" {
		fmt.Fprintf(&b, "  (found at %s, which %s is a CNAME for)\n", visible.Clip(r.Canonical, 255), dom)
	}
	width := 0
	for _, h := range r.Hosts {
		width = max(width, len(visible.Clip(h.Name, 255)))
	}
	for i, h := range r.Hosts {
		pref := fmt.Sprintf("%5d", h.Preference)
		if r.Implicit {
			pref = "    -"
		}
		what := ""
		if h.Err != nil {
			what = "no address: " + visible.TextClip(h.Err.Error(), 300)
		} else {
			var as []string
			for _, a := range h.Addrs {
				as = append(as, a.String())
			}
			what = strings.Join(as, " ")
		}
		tie := ""
		if equalNeighbour(r.Hosts, i) {
			tie = "  (same preference: tried in random order)"
		}
		fmt.Fprintf(&b, "%s  %-*s  %s%s\n", pref, width, visible.Clip(h.Name, 255), what, tie)
	}
	if r.Dropped > 0 {
		fmt.Fprintf(&b, "  … and %d more MX hosts, not looked up (no MTA gets that far)\n", r.Dropped)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", visible.TextClip(n, 500))
	}
	if !r.Implicit {
		b.WriteString("An MTA tries the lowest preference first, each of a host's addresses in turn, and moves on " +
			"when it cannot connect or the host answers 4xx; it keeps the message queued if none takes it. " +
			"Hosts of equal preference share the load in random order.")
	} else {
		b.WriteString("An MTA connects there on port 25, as if the domain had published itself as its only MX.")
	}
	return b.String()
}

func equalNeighbour(hs []Host, i int) bool {
	return (i > 0 && hs[i-1].Preference == hs[i].Preference) ||
		(i+1 < len(hs) && hs[i+1].Preference == hs[i].Preference)
}
