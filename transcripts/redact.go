package transcripts

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
)

// redactor follows a session line by line, both directions in the order
// they crossed the wire, to tell which client lines carry AUTH secrets
// (RFC 4954): the initial response of an AUTH command and every answer to a
// 334 challenge. Message bodies are never redacted.
//
// Where the dialogue stands is the session model's to say: it pairs each
// reply with the line it answers, so a 354 opens message text after DATA
// alone and a 334 asks for an answer in an AUTH exchange alone, or a
// hostile server could turn redaction off (354 to NOOP, then the AUTH
// line passes as text) or mislabel commands (334 to NOOP, then MAIL FROM
// passes as a secret). The redactor keeps only what names the secrets.
type redactor struct {
	model     wireModel
	mech      string // mechanism of the AUTH exchange under way, "" outside one
	answers   int    // secrets the client has sent in this exchange
	challenge string // the last challenge, decoded, lower case
	chunk     int    // bytes of a BDAT chunk still to come: text, not commands
	// plus: a POP3 server answered AUTH with a "+ " challenge (RFC 5034
	// §4), so the client's next line is a SASL answer.
	plus bool
}

// server notes one server line (wire bytes or text).
func (r *redactor) server(line string) {
	text := trimEOL(line)
	r.plus = r.mech != "" && (text == "+" || strings.HasPrefix(text, "+ "))
	was := r.pending()
	phase, done := r.model.serverLine(text)
	switch {
	case !done:
	case phase == proto.PhaseAuth:
		r.challenge = decodeChallenge(text)
	case was: // the exchange is over
		r.mech, r.answers, r.challenge = "", 0, ""
	}
}

// pending reports whether a 334 challenge awaits its answer.
func (r *redactor) pending() bool { return r.model.s.Phase() == proto.PhaseAuth }

// inText reports whether client lines are message text now.
func (r *redactor) inText() bool { return r.model.s.Phase() == proto.PhaseData }

// bodyLine follows one line of message text: only the lone "." matters,
// which the caller tells without copying the line.
func (r *redactor) bodyLine(end bool) {
	if end {
		r.model.clientLine(".", true)
	}
}

// clone is an independent copy, to ask what a line would carry.
func (r *redactor) clone() redactor {
	c := *r
	c.model = r.model.clone()
	return c
}

// client returns the text to record for one client line (wire bytes or
// text) and the name of the secret it took out, "" when nothing was.
func (r *redactor) client(line string) (text, secret string) {
	text = trimEOL(line)
	if r.chunk > 0 {
		r.chunk -= len(line)
		return text, ""
	}
	if r.plus {
		r.plus = false
		r.answers++
		if text == "" || text == "*" {
			return text, ""
		}
		return r.marker("", r.answerName())
	}
	switch r.model.clientLine(text, line == ".\r\n" || line == ".") {
	case proto.RoleText, proto.RoleEndOfData:
		return text, ""
	case proto.RoleAnswer:
		r.answers++
		// No secret: an empty answer, a cancel, or OAUTHBEARER's lone ^A
		// that ends a refused exchange (RFC 7628 §3.2.3).
		if text == "" || text == "*" || r.mech == "OAUTHBEARER" && text == "AQ==" {
			return text, ""
		}
		return r.marker("", r.answerName())
	}
	r.command(text)
	if verb, arg := cutField(text); strings.EqualFold(verb, "PASS") && strings.TrimLeft(arg, " \t") != "" {
		// POP3's password (RFC 1939 §7): the rest of the line, spaces and all.
		arg = strings.TrimLeft(arg, " \t")
		return r.marker(text[:len(text)-len(arg)], "POP3 password")
	}
	prefix, mech, resp := authCommand(text)
	if mech == "" {
		return text, ""
	}
	r.mech, r.answers = mech, 0
	if resp == "" || resp == "=" { // "=" is an empty initial response
		return text, ""
	}
	r.answers++
	return r.marker(prefix, r.answerName())
}

// command notes a client line that is a command: no AUTH exchange is
// under way any more (AUTH ends a pipelined group, RFC 2920 §3.1), and a
// BDAT's chunk follows it (RFC 3030 §2).
func (r *redactor) command(text string) {
	r.mech, r.answers, r.challenge = "", 0, ""
	verb, arg := proto.SplitVerb(text)
	if strings.EqualFold(verb, "BDAT") {
		size, _ := proto.SplitVerb(arg)
		if n, err := strconv.Atoi(size); err == nil && n > 0 {
			r.chunk = n
		}
	}
}

func (r *redactor) marker(prefix, name string) (string, string) {
	return redactedText(prefix, name), name
}

// mightBeSecret reports whether an unfinished client line could still turn
// out to carry a secret, so that it must not be written as it is.
func (r *redactor) mightBeSecret(partial string) bool {
	if r.inText() {
		return false
	}
	t := strings.ToUpper(strings.TrimLeft(partial, " \t"))
	n := min(len(t), len("AUTH"))
	return r.pending() || r.plus || t[:n] == "AUTH"[:n] || t[:n] == "PASS"[:n]
}

// answerName names the secret in the client's next answer.
func (r *redactor) answerName() string {
	switch r.mech {
	case "":
		return "SASL response"
	case "PLAIN":
		return "AUTH PLAIN credentials"
	case "XOAUTH2", "OAUTHBEARER":
		return "AUTH " + r.mech + " token"
	case "LOGIN":
		return "AUTH LOGIN " + r.loginField()
	}
	return "AUTH " + r.mech + " response"
}

// loginField says whether a LOGIN answer is the username or the password:
// from the challenge ("Username:", "Password:") or else by order.
func (r *redactor) loginField() string {
	switch {
	case strings.Contains(r.challenge, "pass"):
		return "password"
	case strings.Contains(r.challenge, "user"), r.answers <= 1:
		return "username"
	}
	return "password"
}

// decodeChallenge returns the text of a 334 line, base64-decoded if it can
// be, in lower case.
func decodeChallenge(line string) string {
	c := strings.TrimSpace(strings.TrimPrefix(line[3:], "-"))
	if b, err := base64.StdEncoding.DecodeString(c); err == nil {
		c = string(b)
	}
	return strings.ToLower(c)
}

// authCommand splits "AUTH MECH [initial-response]" into the text before
// the response, the upper-cased mechanism and the response; mech is "" when
// text is not an AUTH command.
func authCommand(text string) (prefix, mech, resp string) {
	verb, rest := cutField(text)
	if !strings.EqualFold(verb, "AUTH") {
		return "", "", ""
	}
	mech, rest = cutField(rest)
	resp = strings.TrimLeft(rest, " \t")
	mech = strings.ToUpper(mech)
	if !saslName(mech) {
		mech = "SASL" // the marker must not carry what the line carried
	}
	return text[:len(text)-len(resp)], mech, resp
}

// saslName reports whether mech is a SASL mechanism name (RFC 4422 §3.1:
// 1 to 20 upper-case letters, digits, hyphens and underscores).
func saslName(mech string) bool {
	if mech == "" || len(mech) > 20 {
		return false
	}
	for i := 0; i < len(mech); i++ {
		c := mech[i]
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// cutField returns the first space-separated field of s and what follows it.
func cutField(s string) (field, rest string) {
	s = strings.TrimLeft(s, " \t")
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

// Redact replaces the AUTH secrets in t's client lines with redaction
// markers, as a [Recorder] would have written them, cuts them out of the
// server lines that echo them, and returns how many lines it changed. Use it on a transcript imported from swaks before
// keeping it.
func (t *Transcript) Redact() int {
	var r redactor
	var set Secrets // what the client sent, cut out of what the server echoed
	n := 0
	for i, e := range t.Entries {
		switch {
		case e.Kind == Server:
			r.server(string(e.Bytes()))
			if text := set.Scrub(e.Text); text != e.Text {
				t.Entries[i].Text = text
				n++
			}
		case e.Kind != Client:
		case e.Redacted != "" || e.Pattern:
			r.client(string(e.Bytes())) // already redacted, or a pattern: only follow along
		default:
			line := string(e.Bytes())
			if text, secret := r.client(line); secret != "" {
				set.Learn(secret, secretValue(line, text, secret))
				t.Entries[i] = Entry{Kind: Client, Text: text, Redacted: secret, Line: e.Line}
				n++
			}
		}
	}
	return n
}
