package repl

import (
	"slices"
	"strings"
)

// verb is what smtprepl knows about one SMTP command. The one table drives
// :help VERB, tab completion (which verbs are legal now, and their syntax)
// and the history filter (known verbs are never mistaken for secrets).
type verb struct {
	name     string
	syntax   string // RFC 5321's form
	complete string // what Tab writes: the verb and the fixed part of its argument
	rfc      string
	summary  string
	example  string
	replies  string // what to expect back
	// ext is the EHLO keyword the verb needs ("" for RFC 5321 base verbs),
	// for :help; whether the verb is legal now is proto.Session's to say.
	ext string
}

// verbs is in the order a session usually needs them, which is also the
// order Tab offers them.
func verbs() []verb {
	return []verb{
		{name: "EHLO", syntax: "EHLO domain", complete: "EHLO ", rfc: "RFC 5321 §4.1.1.1",
			summary: "say hello and ask which extensions the server offers",
			example: "EHLO client.example.org",
			replies: "250 and one line per extension; 501 bad domain; 502/500 on an old server (use HELO)"},
		{name: "HELO", syntax: "HELO domain", complete: "HELO ", rfc: "RFC 5321 §4.1.1.1",
			summary: "say hello the pre-ESMTP way: no extensions",
			example: "HELO client.example.org", replies: "250; 501 bad domain"},
		{name: "LHLO", syntax: "LHLO domain", complete: "LHLO ", rfc: "RFC 2033 §4.1",
			summary: "LMTP's hello (--lmtp), in place of EHLO and HELO: after the message, one reply per accepted recipient",
			example: "LHLO client.example.org",
			replies: "250 and one line per extension; 500 from an SMTP server (use EHLO)"},
		{name: "STARTTLS", syntax: "STARTTLS", complete: "STARTTLS", rfc: "RFC 3207 §4", ext: "STARTTLS",
			summary: "switch this connection to TLS; smtprepl does the handshake and shows the certificate",
			example: "STARTTLS", replies: "220 go ahead (then EHLO again); 454 TLS not available; 501 no arguments allowed"},
		{name: "AUTH", syntax: "AUTH mechanism [initial-response]", complete: "AUTH ", rfc: "RFC 4954 §4", ext: "AUTH",
			summary: "log in; smtprepl decodes the 334 challenges; type each answer in base64 (:b64 builds it, the password is not echoed), or let :auth do it all",
			example: "AUTH LOGIN", replies: "334 challenge (answer it, or * to cancel); 235 logged in; 535 wrong credentials; 538/530 TLS needed; 504 unknown mechanism"},
		{name: "MAIL", syntax: "MAIL FROM:<reverse-path> [parameters]", complete: "MAIL FROM:<", rfc: "RFC 5321 §4.1.1.2",
			summary: "start a transaction: who the message is from (bounces go there)",
			example: "MAIL FROM:<bob@example.test> SIZE=1200",
			replies: "250 ok; 503 EHLO first or a transaction is open; 550/553 sender refused; 552 SIZE too big; 530 AUTH needed"},
		{name: "RCPT", syntax: "RCPT TO:<forward-path> [parameters]", complete: "RCPT TO:<", rfc: "RFC 5321 §4.1.1.3",
			summary: "add a recipient (repeat for each)",
			example: "RCPT TO:<alice@example.test>",
			replies: "250/251 ok; 550 no such user; 551/554 relay refused; 452 too many recipients; 503 MAIL first"},
		{name: "DATA", syntax: "DATA", complete: "DATA", rfc: "RFC 5321 §4.1.1.4",
			summary: "send the message: after 354, type it and end with a lone \".\"",
			example: "DATA", replies: "354 go ahead, then 250 queued after the \".\"; 503 no valid recipient; 554 refused"},
		{name: "BDAT", syntax: "BDAT size [LAST]", complete: "BDAT ", rfc: "RFC 3030 §2", ext: "CHUNKING",
			summary: "send the message in chunks of exact byte counts, no dot-stuffing",
			example: "BDAT 42 LAST", replies: "250 chunk accepted; 503 no recipient; 552 too big"},
		{name: "RSET", syntax: "RSET", complete: "RSET", rfc: "RFC 5321 §4.1.1.5",
			summary: "abandon the transaction (the greeting and login stay)",
			example: "RSET", replies: "250"},
		{name: "VRFY", syntax: "VRFY string", complete: "VRFY ", rfc: "RFC 5321 §4.1.1.6",
			summary: "ask whether a user or mailbox exists",
			example: "VRFY alice", replies: "250/251 yes; 252 cannot verify but will try; 550 no such user; 502 disabled"},
		{name: "EXPN", syntax: "EXPN string", complete: "EXPN ", rfc: "RFC 5321 §4.1.1.7",
			summary: "ask for the members of a mailing list",
			example: "EXPN staff", replies: "250 one line per member; 550 not a list; 502 disabled"},
		{name: "HELP", syntax: "HELP [string]", complete: "HELP", rfc: "RFC 5321 §4.1.1.8",
			summary: "ask the server for help text",
			example: "HELP MAIL", replies: "214 help text; 502 not implemented"},
		{name: "NOOP", syntax: "NOOP", complete: "NOOP", rfc: "RFC 5321 §4.1.1.9",
			summary: "do nothing; checks that the server is still there (and resynchronises after an abandoned wait)",
			example: "NOOP", replies: "250"},
		{name: "QUIT", syntax: "QUIT", complete: "QUIT", rfc: "RFC 5321 §4.1.1.10",
			summary: "say goodbye; the server closes the connection",
			example: "QUIT", replies: "221 and the connection closes"},
	}
}

// lookupVerb finds a verb by name, case-insensitively.
func lookupVerb(name string) (verb, bool) {
	name = strings.ToUpper(name)
	all := verbs()
	i := slices.IndexFunc(all, func(v verb) bool { return v.name == name })
	if i < 0 {
		return verb{}, false
	}
	return all[i], true
}

// legalNow lists the verbs Tab offers now (legal, and a step forward,
// as the model says), in table order; empty when there is no connection
// or a message is being typed.
func (s *Session) legalNow() []verb {
	if !s.Connected() || s.inData() {
		return nil
	}
	var out []verb
	for _, v := range verbs() {
		if s.model.Suggest(v.name) {
			out = append(out, v)
		}
	}
	return out
}
