package mx

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/net/dns/dnsmessage"
)

// ednsSize is the UDP payload size offered in EDNS0 (RFC 6891): 1232
// octets is DNS Flag Day 2020's value, which fits any path's MTU.
const ednsSize = 1232

// maxRecords bounds the answer records kept from one reply (the rest are
// skipped); a TCP reply of 64 KiB holds a few thousand, and no MTA tries
// more than a handful of hosts.
const maxRecords = 1024

// query is one question and the ID it was sent with.
type query struct {
	id   uint16
	name dnsmessage.Name
	typ  Type
}

// reply is what a response said, once it is known to answer the query.
type reply struct {
	truncated     bool
	rcode         int // with the EDNS0 extended bits (RFC 6891 §6.1.3)
	authenticated bool
	records       []Record
}

// errMismatch: a reply with another ID or question, which a resolver
// must not take for the answer (RFC 5452 §9.1).
var errMismatch = errors.New("the reply does not answer the query")

// parseName turns a name in presentation form (RFC 1035 §5.1: "\X" and
// "\DDD" escapes) into dnsmessage's: raw labels, each followed by a dot.
// An escaped dot is refused: dnsmessage cannot carry a dot inside a label.
func parseName(s string) (dnsmessage.Name, bool) {
	var n dnsmessage.Name
	if s == "." {
		n.Data[0], n.Length = '.', 1
		return n, true
	}
	raw := make([]byte, 0, len(s)+1)
	label := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if label == 0 {
				return n, false
			}
			raw, label = append(raw, '.'), 0
			continue
		case c == '\\' && i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]):
			v, _ := strconv.Atoi(s[i+1 : i+4])
			if v > 255 {
				return n, false
			}
			c, i = byte(v), i+3
		case c == '\\' && i+1 < len(s) && !isDigit(s[i+1]):
			c, i = s[i+1], i+1
		case c == '\\':
			return n, false
		}
		if c == '.' {
			return n, false
		}
		raw, label = append(raw, c), label+1
		if label > 63 {
			return n, false
		}
	}
	if label > 0 {
		raw = append(raw, '.')
	}
	// 255 octets on the wire: the labels, their length octets and the root.
	if len(raw) == 0 || len(raw) > 254 {
		return n, false
	}
	n.Length = uint8(copy(n.Data[:], raw))
	return n, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// nameText is parseName's inverse, escaping as miekg/dns and dig do: the
// characters zone files treat specially with a backslash, the others
// outside printable ASCII as \DDD.
func nameText(n dnsmessage.Name) string {
	data := n.Data[:n.Length]
	if len(data) <= 1 {
		return "."
	}
	var b strings.Builder
	for _, c := range data {
		switch {
		case c == '.':
			b.WriteByte('.') // dnsmessage refuses dots inside labels
		case c == ' ' || c == '\'' || c == '@' || c == ';' || c == '(' || c == ')' || c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			writeByte(&b, c)
		}
	}
	return b.String()
}

// txtText escapes a character-string as miekg/dns and dig do.
func txtText(s string) string {
	var b strings.Builder
	for i := range len(s) {
		c := s[i]
		if c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		writeByte(&b, c)
	}
	return b.String()
}

func writeByte(b *strings.Builder, c byte) {
	if c < ' ' || c > '~' {
		fmt.Fprintf(b, "\\%03d", c)
		return
	}
	b.WriteByte(c)
}

// packQuery builds the query: recursion desired, and EDNS0 with the DO
// bit, without which a validating resolver does not report the AD bit
// (RFC 6840 §5.7).
func packQuery(q query) ([]byte, error) {
	b := dnsmessage.NewBuilder(make([]byte, 0, 64), dnsmessage.Header{ID: q.id, RecursionDesired: true})
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	if err := b.Question(dnsmessage.Question{Name: q.name, Type: dnsmessage.Type(q.typ), Class: dnsmessage.ClassINET}); err != nil {
		return nil, err
	}
	if err := b.StartAdditionals(); err != nil {
		return nil, err
	}
	var opt dnsmessage.ResourceHeader
	if err := opt.SetEDNS0(ednsSize, dnsmessage.RCodeSuccess, true); err != nil {
		return nil, err
	}
	if err := b.OPTResource(opt, dnsmessage.OPTResource{}); err != nil {
		return nil, err
	}
	return b.Finish()
}

// parseReply reads a response to q. It checks the ID and the question
// before anything else (errMismatch); a truncated reply gives the records
// that are whole.
func parseReply(msg []byte, q query) (reply, error) {
	var p dnsmessage.Parser
	h, err := p.Start(msg)
	if err != nil {
		return reply{}, fmt.Errorf("the reply is not a DNS message: %w", err)
	}
	if !h.Response {
		return reply{}, fmt.Errorf("%w: it is a query, not a response", errMismatch)
	}
	if h.ID != q.id {
		return reply{}, fmt.Errorf("%w: ID %d, expected %d", errMismatch, h.ID, q.id)
	}
	qs, err := p.AllQuestions()
	if err != nil {
		return reply{}, fmt.Errorf("the reply's question is malformed: %w", err)
	}
	if len(qs) != 1 || !sameWireName(qs[0].Name, q.name) || qs[0].Type != dnsmessage.Type(q.typ) || qs[0].Class != dnsmessage.ClassINET {
		return reply{}, fmt.Errorf("%w: it is about another question", errMismatch)
	}
	r := reply{truncated: h.Truncated, rcode: int(h.RCode), authenticated: h.AuthenticData}
	if r.truncated {
		// Over UDP the question is asked again over TCP; over TCP, what
		// fits is all there is.
		r.records, _ = answers(&p)
		return r, nil
	}
	if r.records, err = answers(&p); err != nil {
		return reply{}, err
	}
	if err := p.SkipAllAuthorities(); err != nil {
		return reply{}, fmt.Errorf("the reply's authority section is malformed: %w", err)
	}
	for {
		rh, err := p.AdditionalHeader()
		if errors.Is(err, dnsmessage.ErrSectionDone) {
			break
		}
		if err != nil {
			return reply{}, fmt.Errorf("the reply's additional section is malformed: %w", err)
		}
		if rh.Type == dnsmessage.TypeOPT {
			r.rcode = int(rh.ExtendedRCode(h.RCode))
		}
		if err := p.SkipAdditional(); err != nil {
			return reply{}, fmt.Errorf("the reply's additional section is malformed: %w", err)
		}
	}
	return r, nil
}

// answers decodes the answer section's records of the types Record
// holds; with an error, those before it.
func answers(p *dnsmessage.Parser) ([]Record, error) {
	var out []Record
	for {
		h, err := p.AnswerHeader()
		if errors.Is(err, dnsmessage.ErrSectionDone) {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("the reply's answer section is malformed: %w", err)
		}
		if len(out) == maxRecords {
			if err := p.SkipAnswer(); err != nil {
				return out, fmt.Errorf("the reply's answer section is malformed: %w", err)
			}
			continue
		}
		rec := Record{Name: nameText(h.Name), Type: Type(h.Type)}
		known, err := body(p, &rec)
		if err != nil {
			return out, fmt.Errorf("the reply's %s record for %s is malformed: %w", rec.Type, rec.Name, err)
		}
		if known {
			out = append(out, rec)
		}
	}
}

// body reads one record's RDATA into rec; false for a type it skips.
func body(p *dnsmessage.Parser, rec *Record) (bool, error) {
	switch rec.Type {
	case TypeA:
		r, err := p.AResource()
		rec.Addr = netip.AddrFrom4(r.A)
		return true, err
	case TypeAAAA:
		r, err := p.AAAAResource()
		rec.Addr = netip.AddrFrom16(r.AAAA)
		return true, err
	case TypeCNAME:
		r, err := p.CNAMEResource()
		rec.Host = nameText(r.CNAME)
		return true, err
	case TypeMX:
		r, err := p.MXResource()
		rec.Preference, rec.Host = r.Pref, nameText(r.MX)
		return true, err
	case TypeTXT:
		r, err := p.TXTResource()
		for _, s := range r.TXT {
			rec.Text = append(rec.Text, txtText(s))
		}
		return true, err
	case TypeTLSA:
		// dnsmessage does not know TLSA: its RDATA comes raw.
		r, err := p.UnknownResource()
		if err != nil {
			return true, err
		}
		rec.TLSA, err = parseTLSA(r.Data)
		return true, err
	}
	return false, p.SkipAnswer()
}

// parseTLSA reads the four fields of RFC 6698 §2.1: usage, selector and
// matching type of one octet each, then the association data.
func parseTLSA(data []byte) (TLSA, error) {
	if len(data) < 3 {
		return TLSA{}, fmt.Errorf("%d octets of RDATA, fewer than the 3 of usage, selector and matching type", len(data))
	}
	return TLSA{Usage: data[0], Selector: data[1], MatchingType: data[2], Data: append([]byte(nil), data[3:]...)}, nil
}

// sameWireName compares names as the wire has them, ASCII case-insensitively
// (RFC 4343): a resolver may echo the question in another case (0x20
// randomisation).
func sameWireName(a, b dnsmessage.Name) bool {
	if a.Length != b.Length {
		return false
	}
	for i := range int(a.Length) {
		if lowerASCII(a.Data[i]) != lowerASCII(b.Data[i]) {
			return false
		}
	}
	return true
}

// rcodeText names an RCODE as dig does (RFC 6895 §2.3).
func rcodeText(rcode int) string {
	names := [...]string{"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
		"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE", "DSOTYPENI", "", "", "", "",
		"BADVERS", "BADKEY", "BADTIME", "BADMODE", "BADNAME", "BADALG", "BADTRUNC", "BADCOOKIE"}
	if rcode >= 0 && rcode < len(names) && names[rcode] != "" {
		return names[rcode]
	}
	return "RCODE" + strconv.Itoa(rcode)
}
