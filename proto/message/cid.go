package message

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// inlineID is an inline part's Content-ID, in brackets, and a note. RFC
// 2392 wants a Message-ID's left@right form, but a bare id ("image", as
// course texts and Python's email examples write it) is read by every
// mail client, so it is accepted and the note says what the RFC wants.
func inlineID(id string) (string, string, error) {
	bare := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), "<"), ">")
	if strings.Contains(bare, "@") {
		v, err := msgID("Content-ID", id)
		return v, "", err
	}
	if bare == "" || len(bare) > 900 || strings.ContainsFunc(bare, badIDRune) {
		return "", "", fmt.Errorf("message: Content-ID %q must look like left@right (or a bare id), printable ASCII without spaces or brackets (RFC 5322 §3.6.4)", id)
	}
	return "<" + bare + ">", fmt.Sprintf(" Note: <%s> has no @domain: RFC 2392 wants the left@right form (%s@example.test), "+
		"but mail clients and Python's email package take a bare id, so it is written as given.", bare, bare), nil
}

func badIDRune(r rune) bool { return r <= ' ' || r >= 0x7f || strings.ContainsRune(`<>()"\,;:@[]`, r) }

// cidURL finds cid: URLs (RFC 2392) in HTML: in src= and href= alike, the
// scheme in any case, up to a quote, a blank or a bracket: printable
// ASCII only, so a link named in a step cannot carry a control byte. (No
// (?i): it would fold s and k into the excluded ſ and K.)
var cidURL = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`\b[cC][iI][dD]:([^\x00-\x20"'<>()\x7f-\x{10ffff}]+)`)
})

// maxLinks bounds how many broken or unused links a step names.
const maxLinks = 5

// linkCheck compares the cid: URLs of a related's HTML root with the
// Content-IDs of its other parts: a URL no part answers shows as a broken
// image, a part no URL shows is offered as an attachment by most readers.
func linkCheck(parts []*Part) string {
	if len(parts) == 0 || parts[0] == nil {
		return ""
	}
	var ids []string
	for _, p := range parts[1:] {
		if p != nil {
			ids = append(ids, strings.Trim(p.header.Get("Content-ID"), "<>"))
		}
	}
	links := cidLinks(parts[0])
	var out []string
	for _, l := range links {
		if !slices.Contains(ids, l) && len(out) < maxLinks {
			out = append(out, fmt.Sprintf(" Warning: the HTML shows cid:%s, but no part here has Content-ID <%s>: readers will show a broken image.", l, l))
		}
	}
	for _, id := range ids {
		if id != "" && !slices.Contains(links, id) && len(out) < maxLinks {
			out = append(out, fmt.Sprintf(" Note: no cid:%s in the HTML shows <%s>, so most readers list it as an attachment.", id, id))
		}
	}
	return strings.Join(out, "")
}

// CIDLinks returns the distinct cid: URLs, decoded, of the text/html parts
// in p (p itself, or inside an alternative): what a multipart/related
// must hold parts for.
func CIDLinks(p *Part) []string { return cidLinks(p) }

func cidLinks(p *Part) []string {
	var links []string
	var walk func(*Part)
	walk = func(p *Part) {
		if p == nil {
			return
		}
		if p.mediaType == "text/html" {
			for _, m := range cidURL().FindAllStringSubmatch(p.text, -1) {
				l := m[1]
				if u, err := url.PathUnescape(l); err == nil && !strings.ContainsFunc(u, badIDRune) {
					l = u // RFC 2392: the URL is %hh-escaped, the Content-ID is not
				}
				if !slices.Contains(links, l) {
					links = append(links, l)
				}
			}
		}
		for _, c := range p.children {
			walk(c)
		}
	}
	walk(p)
	return links
}
