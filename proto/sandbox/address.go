package sandbox

import (
	"errors"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
)

// Parsing and judging addresses and parameters: pure functions, no I/O.

// directory knows the local domain's mailboxes and lists.
type directory struct {
	domain    string              // lower-case
	mailboxes map[string]bool     // lower-case local parts
	lists     map[string][]string // lower-case local part -> member addresses
}

func newDirectory(domain string, mailboxes []string, lists map[string][]string) directory {
	d := directory{domain: strings.ToLower(domain), mailboxes: map[string]bool{}, lists: map[string][]string{}}
	for _, m := range mailboxes {
		d.mailboxes[strings.ToLower(m)] = true
	}
	for name, members := range lists {
		for _, m := range members {
			d.lists[strings.ToLower(name)] = append(d.lists[strings.ToLower(name)], d.qualify(m))
		}
	}
	return d
}

type verdict int

const (
	isMailbox     verdict = iota // a local mailbox
	isList                       // a local list, which EXPN expands
	unknownUser                  // the local domain, but nobody by that name
	foreignDomain                // another domain: relaying
	unqualified                  // no domain at all
)

// classify matches local parts without regard to case, as Postfix's
// lookup tables do (RFC 5321 lets the receiving host decide).
func (d directory) classify(addr string) verdict {
	local, domain, ok := splitAddress(addr)
	switch {
	case !ok:
		return unqualified
	case !strings.EqualFold(domain, d.domain):
		return foreignDomain
	case d.mailboxes[strings.ToLower(local)]:
		return isMailbox
	case d.lists[strings.ToLower(local)] != nil:
		return isList
	}
	return unknownUser
}

// qualify completes a bare local part with the local domain, as Postfix
// does with $myorigin; that is also how RCPT TO:<Postmaster> (which RFC
// 5321 §4.5.1 says must work) reaches postmaster@ the local domain.
func (d directory) qualify(addr string) string {
	if _, _, ok := splitAddress(addr); ok || addr == "" {
		return addr
	}
	return addr + "@" + d.domain
}

// lookup decides a qualified recipient: the addresses it stands for, or
// Postfix's refusal. Authenticated clients may relay (Postfix's
// permit_sasl_authenticated); their mail stays here all the same.
func (d directory) lookup(addr string, authed bool) ([]string, *canned) {
	switch d.classify(addr) {
	case isMailbox:
		return []string{addr}, nil
	case isList:
		local, _, _ := splitAddress(addr)
		return d.lists[strings.ToLower(local)], nil
	case foreignDomain:
		if authed {
			return []string{addr}, nil
		}
		return nil, &canned{554, ec(5, 7, 1), "<" + clip(addr) + ">: Relay access denied"}
	}
	return nil, &canned{550, ec(5, 1, 1), "<" + clip(addr) + ">: Recipient address rejected: User unknown in virtual mailbox table"}
}

// splitAddress cuts at the last '@', since a quoted local part may hold one.
func splitAddress(addr string) (local, domain string, ok bool) {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return addr, "", false
	}
	return addr[:i], addr[i+1:], true
}

// stripRoute drops an RFC 821 source route ("@a,@b:user@c"), which RFC 5321
// §4.1.1.3 says servers must accept and should ignore.
func stripRoute(addr string) string {
	if strings.HasPrefix(addr, "@") {
		if i := strings.IndexByte(addr, ':'); i >= 0 {
			return addr[i+1:]
		}
	}
	return addr
}

// checkAddress accepts a Mailbox of RFC 5321 §4.1.2 (dot-string or quoted
// local part, domain or address literal) or a bare local part, as Postfix
// does by default. Non-ASCII is syntax RFC 6531 allows, but only inside an
// SMTPUTF8 transaction, so it is reported rather than refused here.
func checkAddress(addr string) (ascii, ok bool) {
	local, domain, hasDomain := splitAddress(addr)
	ok = validLocal(local) && (!hasDomain || validDomain(domain))
	return isASCII(addr), ok
}

func validLocal(s string) bool {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return validQuoted(s[1 : len(s)-1])
	}
	for _, atom := range strings.Split(s, ".") {
		if atom == "" || strings.IndexFunc(atom, notAtext) >= 0 {
			return false
		}
	}
	return true
}

func notAtext(r rune) bool {
	return r < 0x80 && !isAlnum(r) && !strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", r)
}

// validQuoted checks qtextSMTP and quoted-pairs (RFC 5321 §4.1.2).
func validQuoted(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' {
			i++
			if i >= len(s) || s[i] < ' ' || s[i] > '~' {
				return false
			}
			continue
		}
		if c == '"' || c < ' ' || c == 0x7f {
			return false
		}
	}
	return true
}

func validDomain(s string) bool {
	if strings.HasPrefix(s, "[") {
		inner := strings.TrimSuffix(s[1:], "]")
		return len(inner) == len(s)-2 && inner != "" && !strings.ContainsAny(inner, "[]\\ ")
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || strings.IndexFunc(label, notLetDigHyp) >= 0 {
			return false
		}
	}
	return true
}

func notLetDigHyp(r rune) bool { return r < 0x80 && !isAlnum(r) && r != '-' }

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

var (
	errPathSyntax = errors.New("sandbox: expected FROM:<address> or TO:<address>")
	errAddrSyntax = errors.New("sandbox: malformed address")
)

// paramError says the parameters after a well-formed path are malformed.
type paramError struct{ text string }

func (e *paramError) Error() string { return "sandbox: bad parameters: " + e.text }

// parsePath takes "FROM:<addr> PARAMS" (or "TO:..."). Angle brackets are
// optional, as Postfix makes them by default (strict_rfc821_envelopes=no),
// so "MAIL FROM:bob@example.test" works as it does there.
func parsePath(arg, keyword string) (string, []proto.Param, error) {
	if p, err := proto.ParsePath(arg, keyword); err == nil {
		return p.Address, p.Params, nil
	}
	head, rest, ok := strings.Cut(arg, ":")
	rest = strings.TrimLeft(rest, " ")
	if !ok || !strings.EqualFold(head, keyword) || rest == "" {
		return "", nil, errPathSyntax
	}
	var addr, tail string
	if strings.HasPrefix(rest, "<") {
		end := strings.IndexByte(rest, '>')
		if end < 0 {
			return "", nil, errAddrSyntax
		}
		addr, tail = rest[1:end], rest[end+1:]
		if tail != "" && tail[0] != ' ' {
			return "", nil, errAddrSyntax // "<a@b>SIZE=1"
		}
	} else if addr, tail, _ = strings.Cut(rest, " "); tail != "" {
		tail = " " + tail
	}
	params, err := proto.ParseParams(tail)
	if err != nil {
		return "", nil, &paramError{text: strings.TrimSpace(tail)}
	}
	return addr, params, nil
}

// verifyArg reads VRFY's and EXPN's "address [SMTPUTF8]", brackets optional.
func verifyArg(arg string) (addr, given string, smtputf8, ok bool) {
	given = strings.TrimSpace(arg)
	if f := strings.Fields(given); len(f) == 2 && strings.EqualFold(f[1], "SMTPUTF8") {
		given, smtputf8 = f[0], true
	}
	addr = given
	if len(addr) >= 2 && addr[0] == '<' && addr[len(addr)-1] == '>' {
		addr = addr[1 : len(addr)-1]
	}
	return addr, given, smtputf8, given != ""
}
