package explain

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Hint returns the one-line advice printed under a reply in the REPL: what
// to do next, given the command that got the reply and what the server
// said. verb is that command ("MAIL", or a whole line, of which only the
// first word counts; "" for the greeting); class, subject and detail are
// the enhanced code (class 0 when there was none); text is the reply text.
// It returns "" when there is nothing to add to the description.
func Hint(verb string, code int, class, subject, detail int, text string) string {
	return hintFor(newHintQuery(verb, true, code, [3]int{class, subject, detail}, text))
}

// hintQuery is one reply as the rules see it.
type hintQuery struct {
	verb      string // upper-case first word of the command; "" for the greeting
	verbKnown bool   // false for a pasted reply: rules tied to a command don't apply
	code      int
	status    [3]int // class, subject, detail; class 0 when absent
	text      string // as sent (base64 challenges are case-sensitive)
	lower     string // lower-cased, for matching
}

func newHintQuery(verb string, verbKnown bool, code int, status [3]int, text string) hintQuery {
	verb, _, _ = strings.Cut(strings.TrimSpace(verb), " ")
	return hintQuery{
		verb:      strings.ToUpper(verb),
		verbKnown: verbKnown,
		code:      code,
		status:    status,
		text:      text,
		lower:     strings.ToLower(text),
	}
}

// anyPart in a rule's status matches any number in that place.
const anyPart = -1

// hintRule is one row of the hint table; every field set must match.
type hintRule struct {
	verbs  []string // nil: any command; "" stands for the greeting
	codes  []int    // nil: any code
	status [3]int   // zero: any (or none); anyPart: any value in that place
	text   []string // lower-case substrings, one of which must occur; nil: any
	hint   string
	build  func(hintQuery) string // used instead of hint; "" means "no match, go on"
}

func (r hintRule) matches(q hintQuery) bool {
	if r.verbs != nil && (!q.verbKnown || !slices.Contains(r.verbs, q.verb)) {
		return false
	}
	if r.codes != nil && !slices.Contains(r.codes, q.code) {
		return false
	}
	if r.text != nil && !slices.ContainsFunc(r.text, func(s string) bool { return strings.Contains(q.lower, s) }) {
		return false
	}
	return r.status == [3]int{} || statusMatches(r.status, q.status)
}

func statusMatches(pattern, status [3]int) bool {
	if status[0] == 0 {
		return false
	}
	for i, p := range pattern {
		if p != anyPart && p != status[i] {
			return false
		}
	}
	return true
}

// hintFor returns the advice of the first rule that matches; the table is
// ordered from the most specific rule to the most general.
func hintFor(q hintQuery) string {
	for _, r := range hintRules() {
		if !r.matches(q) {
			continue
		}
		if r.build == nil {
			return r.hint
		}
		if h := r.build(q); h != "" {
			return h
		}
	}
	return ""
}

// challengePrompts maps what a decoded AUTH LOGIN prompt mentions to what
// the server wants back.
var challengePrompts = sync.OnceValue(func() [][2]string {
	return [][2]string{{"user", "your user name"}, {"password", "your password"}}
})

// challengeHint decodes a 334 challenge so the learner sees what is asked.
func challengeHint(q hintQuery) string {
	challenge := strings.TrimSpace(q.text)
	if challenge == "" {
		return `the server waits for your credentials: for PLAIN, send base64 of "\0user\0password" (or * to cancel)`
	}
	raw, err := base64.StdEncoding.DecodeString(challenge)
	if err != nil {
		return "decode the base64 challenge, then answer with one base64 line (or * to cancel)"
	}
	decoded := strings.Trim(string(raw), "\x00 ")
	if len(decoded) > 60 {
		decoded = decoded[:60] + "..."
	}
	if h := saslChallengeHint(string(raw)); h != "" {
		return h
	}
	if strings.HasPrefix(decoded, "<") {
		return fmt.Sprintf("CRAM-MD5 challenge %q: answer with base64 of \"user \" + the hex HMAC-MD5 of the challenge keyed with your password", decoded)
	}
	for _, p := range challengePrompts() {
		if strings.Contains(strings.ToLower(decoded), p[0]) {
			return fmt.Sprintf("the challenge decodes to %q: answer with %s in base64 (or * to cancel)", decoded, p[1])
		}
	}
	return fmt.Sprintf("the challenge decodes to %q: answer with one base64 line (or * to cancel)", decoded)
}

// saslChallengeHint names the challenges of the modern mechanisms, whose
// answers no one computes by hand: SCRAM's messages (RFC 5802 §5.1) and an
// OAuth JSON error (RFC 7628 §3.2.2).
func saslChallengeHint(raw string) string {
	switch {
	case strings.HasPrefix(raw, "r=") && strings.Contains(raw, ",s=") && strings.Contains(raw, ",i="):
		return "SCRAM server-first-message: r= the nonce (ours + the server's), s= the salt, i= the PBKDF2 iterations; the proof needs PBKDF2 and HMACs: :auth scram-sha-256 USER computes it (or * to cancel)"
	case strings.HasPrefix(raw, "v="):
		return "SCRAM server-final-message: v= the server's signature, proof that it knows the password; check it, then send an empty line"
	case strings.HasPrefix(raw, "e="):
		return "SCRAM server error: the server refuses the exchange, for the reason after e=; send * to end it"
	case strings.HasPrefix(strings.TrimSpace(raw), "{") && strings.Contains(raw, `"status"`):
		return `an OAuth error in JSON (RFC 7628 §3.2.2): the token was refused; send an empty line (XOAUTH2) or AQ== (OAUTHBEARER) for the final reply`
	}
	return ""
}

// verbSyntax is what each command looks like (RFC 5321 §4.1.1, plus the
// extensions' commands).
var verbSyntax = sync.OnceValue(func() map[string]string {
	return map[string]string{
		"EHLO": "EHLO client.example.org (your host name, or an address literal such as [192.0.2.1])",
		"HELO": "HELO client.example.org",
		"MAIL": "MAIL FROM:<you@example.org>, parameters after it (e.g. SIZE=1000); no space before <",
		"RCPT": "RCPT TO:<user@example.org>; no space before <",
		"VRFY": "VRFY user, or VRFY user@example.org",
		"EXPN": "EXPN list-name",
		"HELP": "HELP, or HELP command",
		"NOOP": "NOOP, optionally with any text",
		"AUTH": `AUTH mechanism [initial-response], e.g. AUTH PLAIN with base64 of "\0user\0password"`,
		"BDAT": "BDAT size, or BDAT size LAST, followed by exactly size bytes",
		"ETRN": "ETRN example.org (or @example.org, or #queue)",
	}
})

// bareVerbs take no arguments (RFC 5321 §4.3.2, RFC 3207 §4).
var bareVerbs = sync.OnceValue(func() []string { return []string{"DATA", "RSET", "QUIT", "STARTTLS"} })

// syntaxHint shows the expected form of the command that got a 501.
func syntaxHint(q hintQuery) string {
	if slices.Contains(bareVerbs(), q.verb) {
		return fmt.Sprintf("%s takes no arguments: send just %s", q.verb, q.verb)
	}
	if s, ok := verbSyntax()[q.verb]; ok {
		return "expected syntax: " + s
	}
	return "the arguments are malformed: check the command's syntax (HELP may list it)"
}

// misreadHint is for a MAIL or RCPT line the server couldn't even parse.
func misreadHint(q hintQuery) string {
	return "the server couldn't parse the line; write it as " + verbSyntax()[q.verb]
}

// unsupportedVerbs says what to do when an extension's command is refused
// as unknown: the server doesn't offer that extension.
var unsupportedVerbs = sync.OnceValue(func() map[string]string {
	return map[string]string{
		"STARTTLS": "this server doesn't offer TLS (no STARTTLS in its EHLO reply): don't send a password over this connection",
		"AUTH":     "this server doesn't offer AUTH here (no AUTH in its EHLO reply; some offer it only after STARTTLS)",
		"BDAT":     "this server doesn't do BDAT (no CHUNKING in its EHLO reply): send the message with DATA",
		"ETRN":     "this server doesn't offer ETRN (not in its EHLO reply)",
		"ATRN":     "this server doesn't offer ATRN (not in its EHLO reply)",
		"BURL":     "this server doesn't offer BURL (not in its EHLO reply): send the message with DATA",
		"HELP":     "this server has no HELP: its EHLO reply lists what it supports",
		"TURN":     "TURN is obsolete and unsafe (RFC 5321 App. F.1); servers don't offer it",
		"XCLIENT":  "this server doesn't offer XCLIENT to you (it is for trusted clients, listed in EHLO)",
		"XFORWARD": "this server doesn't offer XFORWARD to you (it is for trusted clients, listed in EHLO)",
	}
})

func unsupportedHint(q hintQuery) string { return unsupportedVerbs()[q.verb] }
