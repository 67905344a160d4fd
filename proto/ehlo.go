package proto

import (
	"strconv"
	"strings"
)

// Capability is one EHLO keyword line (RFC 5321 §4.1.1.1).
type Capability struct {
	Keyword string   // upper-cased at parse time (golang/go#78749)
	Params  []string // as advertised, case kept
}

// Capabilities is what a 250 reply to EHLO advertised, in order.
type Capabilities struct {
	Domain   string // first word of the first line
	Greeting string // the rest of the first line, e.g. Exim's "Hello x [1.2.3.4]"
	List     []Capability
}

// ParseEHLO reads the capabilities out of a reply to EHLO. A non-250 reply
// or a reply of one line yields an empty list, not an error: "no extensions"
// is an answer. Empty lines (smtp-sink ends with "250 ") are skipped.
func ParseEHLO(r *Reply) *Capabilities {
	c := &Capabilities{}
	if r == nil || r.Code != 250 || len(r.Raw) == 0 {
		return c
	}
	first := rawText(r.Raw[0])
	c.Domain, c.Greeting, _ = strings.Cut(first, " ")
	for _, raw := range r.Raw[1:] {
		fields := strings.Fields(rawText(raw))
		if len(fields) == 0 {
			continue
		}
		kw, params := upperASCII(fields[0]), fields[1:]
		// The pre-standard "AUTH=LOGIN PLAIN" form still appears in the wild.
		if k, _, ok := strings.Cut(kw, "="); ok && k == "AUTH" {
			kw = k
			if v := fields[0][len("AUTH="):]; v != "" {
				params = append([]string{v}, params...)
			}
		}
		c.List = append(c.List, Capability{Keyword: kw, Params: params})
	}
	return c
}

// rawText is the text of a raw reply line after "250-"/"250 "; EHLO lines
// carry no enhanced code (RFC 2034 §3), so Reply.Lines must not be trusted
// to have left them alone.
func rawText(raw string) string {
	if len(raw) <= 4 {
		return ""
	}
	return raw[4:]
}

// Has reports whether keyword was advertised, case-insensitively.
func (c *Capabilities) Has(keyword string) bool {
	_, ok := c.Get(keyword)
	return ok
}

// Get returns the capability named keyword, case-insensitively.
func (c *Capabilities) Get(keyword string) (Capability, bool) {
	if c == nil {
		return Capability{}, false
	}
	keyword = upperASCII(keyword)
	for _, cap := range c.List {
		if cap.Keyword == keyword {
			return cap, true
		}
	}
	return Capability{}, false
}

// upperASCII upper-cases ASCII letters only: EHLO keywords are ASCII
// (RFC 5321 §4.1.1.1), and other bytes are shown as the server sent them.
func upperASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'a' <= s[i] && s[i] <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'a' <= b[j] && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// Keywords lists the advertised keywords in order.
func (c *Capabilities) Keywords() []string {
	if c == nil {
		return []string{}
	}
	out := make([]string, 0, len(c.List))
	for _, cap := range c.List {
		out = append(out, cap.Keyword)
	}
	return out
}

// MaxSize is SIZE's limit (RFC 1870); ok is false when SIZE is absent, and
// n is 0 when SIZE is advertised without a number (no fixed limit).
func (c *Capabilities) MaxSize() (n int64, ok bool) {
	cap, ok := c.Get("SIZE")
	if !ok {
		return 0, false
	}
	if len(cap.Params) > 0 {
		n, _ = strconv.ParseInt(cap.Params[0], 10, 64)
	}
	return max(n, 0), true
}

// AuthMechanisms lists the SASL mechanisms offered (RFC 4954), upper-cased,
// merged from "AUTH" and legacy "AUTH=" lines without duplicates.
func (c *Capabilities) AuthMechanisms() []string {
	if c == nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, cap := range c.List {
		if cap.Keyword != "AUTH" {
			continue
		}
		for _, m := range cap.Params {
			m = upperASCII(m)
			if !seen[m] {
				seen[m] = true
				out = append(out, m)
			}
		}
	}
	return out
}

func (c *Capabilities) Pipelining() bool          { return c.Has("PIPELINING") }
func (c *Capabilities) StartTLS() bool            { return c.Has("STARTTLS") }
func (c *Capabilities) EightBitMIME() bool        { return c.Has("8BITMIME") }
func (c *Capabilities) SMTPUTF8() bool            { return c.Has("SMTPUTF8") }
func (c *Capabilities) Chunking() bool            { return c.Has("CHUNKING") }
func (c *Capabilities) DSN() bool                 { return c.Has("DSN") }
func (c *Capabilities) EnhancedStatusCodes() bool { return c.Has("ENHANCEDSTATUSCODES") }

// Diff lists keywords present only in c and only in other, each once: after
// STARTTLS, AUTH often appears and STARTTLS disappears, and users should see
// that. A nil *Capabilities advertises nothing.
func (c *Capabilities) Diff(other *Capabilities) (onlyHere, onlyThere []string) {
	return c.missingFrom(other), other.missingFrom(c)
}

// missingFrom lists c's keywords that other lacks, in c's order.
func (c *Capabilities) missingFrom(other *Capabilities) []string {
	if c == nil {
		return nil
	}
	var out []string
	for i, cap := range c.List {
		if !other.Has(cap.Keyword) && !c.hasBefore(i, cap.Keyword) {
			out = append(out, cap.Keyword)
		}
	}
	return out
}

func (c *Capabilities) hasBefore(i int, keyword string) bool {
	for _, cap := range c.List[:i] {
		if cap.Keyword == keyword {
			return true
		}
	}
	return false
}
