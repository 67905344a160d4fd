package transcripts

import (
	"fmt"
	"strings"
)

// Summary is a comparison said the way a person reads it: each
// divergence once, what follows from it grouped under it, and what holds
// for the whole session (a server that never sends enhanced codes) said
// once instead of at every step.
type Summary struct {
	Differences []Difference // in order; Consequence set on those that follow from another
	Notes       []string     // what holds throughout
	Causes      int          // differences that are not consequences
}

// Summarise groups diffs (as CompareStream found them, in order) using
// what st counted. Rules that ignore enhanced codes leave them alone.
func Summarise(diffs []Difference, st CompareStats, rules Rules) Summary {
	var sum Summary
	if !rules.ignores("enhanced") {
		if note, drop := enhancedThroughout(st); drop {
			sum.Notes = append(sum.Notes, note)
			diffs = withoutAspect(diffs, "enhanced")
		}
	}
	cause := 0
	var causeVerb string
	said := map[string]int{} // what a difference says → the step that said it first
	for _, d := range diffs {
		v := diffVerb(d)
		if v == "EHLO" || v == "LHLO" {
			d = sayCapabilitiesOnce(d, said)
		}
		if cause != 0 && ends(causeVerb, v) {
			cause = 0
		}
		if cause != 0 && follows(causeVerb, v) {
			d.Consequence = cause
		} else {
			sum.Causes++
			if breaks(d) {
				cause, causeVerb = d.Step, v
			}
		}
		sum.Differences = append(sum.Differences, d)
	}
	return sum
}

// enhancedThroughout says, when one side never sent an enhanced status
// code and the other did, that once.
func enhancedThroughout(st CompareStats) (string, bool) {
	switch {
	case st.WantEnhanced > 0 && st.GotEnhanced == 0:
		return fmt.Sprintf("got sends no enhanced status codes (RFC 3463) at all; want had them on %d replies. "+
			"That is left out of each step below (--ignore enhanced: not even this note)", st.WantEnhanced), true
	case st.GotEnhanced > 0 && st.WantEnhanced == 0:
		return fmt.Sprintf("want has no enhanced status codes (RFC 3463) at all; got sends them on %d replies. "+
			"That is left out of each step below (--ignore enhanced: not even this note)", st.GotEnhanced), true
	}
	return "", false
}

// withoutAspect drops one aspect from every difference, and the
// differences left with nothing.
func withoutAspect(diffs []Difference, aspect string) []Difference {
	var out []Difference
	for _, d := range diffs {
		var keep []Reason
		for _, r := range d.Reasons {
			if r.Aspect != aspect {
				keep = append(keep, r)
			}
		}
		if len(keep) == 0 && len(d.Reasons) > 0 {
			continue
		}
		d.Reasons = keep
		texts := make([]string, len(keep))
		for i, r := range keep {
			texts[i] = r.Text
		}
		d.Why = strings.Join(texts, "; ")
		out = append(out, d)
	}
	return out
}

func diffVerb(d Difference) string {
	v, _, _ := strings.Cut(d.Command, " ")
	v, _, _ = strings.Cut(v, ":")
	return strings.ToUpper(v)
}

// breaks reports whether a difference changes where the session stands,
// so that later steps differ because of it: a reply of another class to a
// command that opens or moves a transaction or the session, or a step one
// side lacks.
func breaks(d Difference) bool {
	for _, r := range d.Reasons {
		switch r.Aspect {
		case "code":
			return len(d.Want) > 0 && len(d.Got) > 0 && d.Want[0] != "" && d.Got[0] != "" && d.Want[0][0] != d.Got[0][0]
		case "missing", "extra", "command":
			return true
		}
	}
	return false
}

// follows reports whether a step with verb v is one that a broken step
// with causeVerb changes: a refused MAIL makes RCPT, DATA and the message
// end differ; a refused AUTH or STARTTLS, everything after it.
func follows(causeVerb, v string) bool {
	transaction := v == "RCPT" || v == "DATA" || v == "BDAT" || v == "."
	switch causeVerb {
	case "MAIL", "RCPT", "DATA", "BDAT":
		return transaction
	case "EHLO", "HELO", "LHLO", "STARTTLS", "AUTH", strings.ToUpper(Greeting):
		return true
	}
	return false
}

// ends reports whether a step with verb v starts afresh what causeVerb
// broke: a new transaction after a broken one, a new EHLO after a
// broken session.
func ends(causeVerb, v string) bool {
	switch causeVerb {
	case "MAIL", "RCPT", "DATA", "BDAT", ".":
		return v == "MAIL" || v == "RSET" || v == "EHLO" || v == "HELO" || v == "QUIT"
	case "EHLO", "HELO", "LHLO", "STARTTLS", "AUTH":
		return v == causeVerb
	}
	return v == "EHLO" || v == "HELO" || v == "QUIT"
}

// sayCapabilitiesOnce drops from an EHLO difference the capability
// differences an earlier EHLO already showed (the EHLO after STARTTLS
// usually differs as the first did), and notes which step said them.
func sayCapabilitiesOnce(d Difference, said map[string]int) Difference {
	var caps, rest []Reason
	for _, r := range d.Reasons {
		if r.Aspect == "ehlo" || r.Aspect == "ehlo-order" {
			caps = append(caps, r)
		} else {
			rest = append(rest, r)
		}
	}
	if len(caps) == 0 {
		return d
	}
	var key strings.Builder
	for _, r := range caps {
		key.WriteString(r.Text + "\x00")
	}
	first, ok := said[key.String()]
	if !ok {
		said[key.String()] = d.Step
		return d
	}
	d.Repeats, d.Reasons = first, rest
	texts := make([]string, 0, len(rest)+1)
	for _, r := range rest {
		texts = append(texts, r.Text)
	}
	d.Why = strings.Join(append(texts, fmt.Sprintf("the same capability differences as step %d", first)), "; ")
	return d
}
