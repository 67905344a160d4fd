package proto

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/smtprepl/smtprepl/proto/visible"
)

// XCLIENT (Postfix, XCLIENT_README) lets a trusted client, a proxy or a
// test tool, tell the server who the real client is: after it the server
// answers with a new 220 greeting, applies its rules to the client named,
// and must be greeted again with EHLO.

// XClientAttr is one NAME=VALUE of an XCLIENT command; Value is the
// value itself, not yet xtext.
type XClientAttr struct {
	Name  string // upper-cased
	Value string
}

// Special values every attribute takes (XCLIENT_README): the attribute
// is unknown, or its lookup failed for now.
const (
	XClientUnavailable = "[UNAVAILABLE]"
	XClientTempUnavail = "[TEMPUNAVAIL]"
)

type xclientAttrSpec struct {
	name, meaning string
	check         func(string) (string, error) // the value to send, or why not
}

// xclientAttrs are the attributes Postfix 3.7 knows, in the order its EHLO
// lists them, with what each overrides and how its value is checked.
var xclientAttrs = []xclientAttrSpec{
	{"NAME", "the client's host name, as a verified reverse lookup of its address gave it", anyValue},
	{"ADDR", "the client's IP address (an IPv6 one written IPV6:...)", xclientAddr},
	{"PORT", "the client's TCP port", xclientPort},
	{"PROTO", "the protocol the client spoke: SMTP (after HELO) or ESMTP (after EHLO)", xclientProto},
	{"HELO", "the name the client gave in HELO or EHLO", anyValue},
	{"REVERSE_NAME", "the client's host name from the reverse lookup alone, not verified", anyValue},
	{"LOGIN", "the SASL login name, as if the client had authenticated", anyValue},
	{"DESTADDR", "the server address the client connected to", xclientAddr},
	{"DESTPORT", "the server port the client connected to", xclientPort},
}

// XClientMeaning says what an attribute overrides, "" for one Postfix
// does not know.
func XClientMeaning(name string) string {
	for _, a := range xclientAttrs {
		if a.name == upperASCII(name) {
			return a.meaning
		}
	}
	return ""
}

// XClientNames are the attribute names Postfix knows.
func XClientNames() []string {
	names := make([]string, len(xclientAttrs))
	for i, a := range xclientAttrs {
		names[i] = a.name
	}
	return names
}

// ParseXClientAttrs reads NAME=VALUE words. Names are case-insensitive;
// a value is checked against what its attribute takes, and an IPv6 ADDR
// gets the IPV6: prefix Postfix wants.
func ParseXClientAttrs(words []string) ([]XClientAttr, error) {
	if len(words) == 0 {
		return nil, fmt.Errorf("proto: XCLIENT needs at least one NAME=VALUE (names: %s)", strings.Join(XClientNames(), ", "))
	}
	attrs := make([]XClientAttr, 0, len(words))
	for _, w := range words {
		a, err := parseXClientAttr(w)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, a)
	}
	return attrs, nil
}

func parseXClientAttr(w string) (XClientAttr, error) {
	name, value, ok := strings.Cut(w, "=")
	if !ok || name == "" {
		return XClientAttr{}, fmt.Errorf("proto: XCLIENT attribute %s is not NAME=VALUE", quote(w))
	}
	name = upperASCII(name)
	i := slices.IndexFunc(xclientAttrs, func(a xclientAttrSpec) bool { return a.name == name })
	if i < 0 {
		return XClientAttr{}, fmt.Errorf("proto: XCLIENT has no attribute %s (Postfix knows %s)", quote(name), strings.Join(XClientNames(), ", "))
	}
	if value == XClientUnavailable || value == XClientTempUnavail {
		return XClientAttr{Name: name, Value: value}, nil
	}
	v, err := xclientAttrs[i].check(value)
	if err != nil {
		return XClientAttr{}, fmt.Errorf("proto: XCLIENT %s=%s: %w", name, visible.Clip(value, 100), err)
	}
	return XClientAttr{Name: name, Value: v}, nil
}

func quote(s string) string { return `"` + visible.Clip(s, 100) + `"` }

func anyValue(v string) (string, error) {
	if v == "" {
		return "", fmt.Errorf("the value is empty (write %s for \"unknown\")", XClientUnavailable)
	}
	return v, nil
}

func xclientAddr(v string) (string, error) {
	ip, err := netip.ParseAddr(strings.TrimPrefix(v, "IPV6:"))
	if err != nil || ip.Zone() != "" {
		return "", fmt.Errorf("not an IP address (or %s)", XClientUnavailable)
	}
	if ip.Is4() || ip.Is4In6() {
		return ip.Unmap().String(), nil
	}
	return "IPV6:" + ip.String(), nil
}

func xclientPort(v string) (string, error) {
	if n, err := strconv.Atoi(v); err != nil || n < 0 || n > 65535 || v[0] == '+' {
		return "", fmt.Errorf("not a port number from 0 to 65535 (or %s)", XClientUnavailable)
	}
	return v, nil
}

func xclientProto(v string) (string, error) {
	if p := upperASCII(v); p == "SMTP" || p == "ESMTP" {
		return p, nil
	}
	return "", fmt.Errorf("PROTO is SMTP or ESMTP (or %s)", XClientUnavailable)
}

// XClientLine is the command that sends attrs, each value in xtext.
func XClientLine(attrs []XClientAttr) string {
	var b strings.Builder
	b.WriteString("XCLIENT")
	for _, a := range attrs {
		b.WriteString(" " + a.Name + "=" + XtextEncode(a.Value))
	}
	return b.String()
}

// CheckXClientOffer says why attrs cannot go to a server whose EHLO
// advertised caps: XCLIENT is not offered to this client, or not with
// every attribute asked for. nil: the server takes them.
func CheckXClientOffer(attrs []XClientAttr, caps *Capabilities) error {
	offer, ok := caps.Get("XCLIENT")
	if !ok {
		return fmt.Errorf("the server's EHLO does not offer XCLIENT: Postfix offers it only to the hosts in smtpd_authorized_xclient_hosts, and answers anyone else 550 5.7.0 insufficient authorization")
	}
	for _, a := range attrs {
		if !slices.ContainsFunc(offer.Params, func(p string) bool { return upperASCII(p) == a.Name }) {
			return fmt.Errorf("the server's XCLIENT offers %s, not %s", visible.Clip(strings.Join(offer.Params, " "), 200), a.Name)
		}
	}
	return nil
}
