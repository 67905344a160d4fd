package mx

import (
	"net/netip"
	"strconv"
)

// Type is a DNS record type (RFC 1035 §3.2.2 and later).
type Type uint16

// The record types this package asks for and reads.
const (
	TypeA     Type = 1
	TypeCNAME Type = 5
	TypeMX    Type = 15
	TypeTXT   Type = 16
	TypeAAAA  Type = 28
	TypeTLSA  Type = 52 // RFC 6698
)

func (t Type) String() string {
	switch t {
	case TypeA:
		return "A"
	case TypeCNAME:
		return "CNAME"
	case TypeMX:
		return "MX"
	case TypeTXT:
		return "TXT"
	case TypeAAAA:
		return "AAAA"
	case TypeTLSA:
		return "TLSA"
	}
	return "TYPE" + strconv.Itoa(int(t)) // RFC 3597 §5
}

// Answer is one successful reply: its records, and whether the server
// vouched for them with DNSSEC (the AD bit), which DANE depends on.
type Answer struct {
	Records       []Record
	Authenticated bool
}

// Record is one record of the answer section, of a type this package
// reads; records of other types are left out. Names are in presentation
// form, fully qualified ("mx.example.", "a\027b.example."), as dig prints
// them: RFC 1035 §5.1 escapes keep every octet of a label visible and the
// name usable in a further query.
type Record struct {
	Name       string
	Type       Type
	Preference uint16     // MX
	Host       string     // MX exchange, CNAME target
	Addr       netip.Addr // A, AAAA
	Text       []string   // TXT character-strings, escaped the same way
	TLSA       TLSA       // TLSA
}

// TLSA is the RDATA of a TLSA record (RFC 6698 §2.1).
type TLSA struct {
	Usage        uint8
	Selector     uint8
	MatchingType uint8
	Data         []byte // the certificate association data
}

// Addrs takes the A and AAAA records at name, following a CNAME chain, in
// the order the answer gave them.
func (a Answer) Addrs(name string) []netip.Addr {
	owner := name
	for range maxCNAMEs {
		moved := false
		for _, rr := range a.Records {
			if rr.Type == TypeCNAME && sameName(rr.Name, owner) {
				owner, moved = rr.Host, true
				break
			}
		}
		if !moved {
			break
		}
	}
	var out []netip.Addr
	for _, rr := range a.Records {
		if (rr.Type == TypeA || rr.Type == TypeAAAA) && sameName(rr.Name, owner) {
			out = append(out, rr.Addr.Unmap())
		}
	}
	return out
}

// sameName compares two names in presentation form: DNS names are
// case-insensitive in ASCII only (RFC 4343).
func sameName(a, b string) bool {
	a, b = trimDot(a), trimDot(b)
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		if lowerASCII(a[i]) != lowerASCII(b[i]) {
			return false
		}
	}
	return true
}

// trimDot drops the root's dot, not an escaped one ("a\.").
func trimDot(s string) string {
	if len(s) > 1 && s[len(s)-1] == '.' && !escapedAt(s, len(s)-1) {
		return s[:len(s)-1]
	}
	if s == "." {
		return ""
	}
	return s
}

// escapedAt reports whether s[i] follows an odd run of backslashes.
func escapedAt(s string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
