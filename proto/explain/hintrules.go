package explain

import (
	"slices"
	"sync"
)

// Hints that several rules share.
const (
	hintGreylist   = "probably greylisting: the server defers unknown senders at first; retry in a few minutes (real mail servers retry on their own)"
	hintStartTLS   = "this server wants STARTTLS before AUTH/MAIL: send STARTTLS, then EHLO again"
	hintNeedAuth   = "this server wants you to log in first: AUTH mechanism (see the AUTH line of the EHLO reply), then MAIL FROM again"
	hintEncryptFor = "this AUTH mechanism needs an encrypted connection: send STARTTLS, EHLO again, then AUTH"
	hintNeedRcpt   = "DATA needs an open transaction with at least one accepted RCPT: MAIL FROM, then RCPT TO, then DATA"
	hintTooBig     = "message too big: compare its size with the SIZE limit in the EHLO reply, and send something smaller"
	hintRelay      = "the server won't relay for you: log in with AUTH first (if you have an account there), or use a recipient in a domain it hosts"
	hintNoMailbox  = "the mailbox doesn't exist there: check the spelling of the part before the @"
	hintNullMX     = "that domain accepts no mail at all (null MX, RFC 7505): the address can't work"
	hint567        = "the address has non-ASCII characters and this server (or the MAIL FROM) lacks SMTPUTF8: add SMTPUTF8 to MAIL FROM if EHLO offers it, or use an ASCII address"
)

// hintRules is the whole table, most specific rules first.
var hintRules = sync.OnceValue(func() []hintRule {
	return slices.Concat(providerHints(), sessionHints(), xclientHints(), tlsHints(), authHints(), sequenceHints(),
		sizeHints(), policyHints(), addressHints(), routingHints(), syntaxHints(), successHints())
})

func sessionHints() []hintRule {
	greeting := []string{""} // the verbs value for the server's first reply
	return []hintRule{
		{codes: []int{421}, hint: "the server is closing the connection (too many errors, a timeout or overload): reconnect, and wait a little if it is busy"},
		{text: []string{"too many unrecognized", "too many syntax", "too many errors"}, hint: "the server has had enough errors and is hanging up: reconnect and go one step at a time"},
		{codes: []int{221}, hint: "the server hangs up now; reconnect to start a new session"},
		{verbs: greeting, codes: []int{220}, hint: "say EHLO with your host name (e.g. EHLO client.example.org) to see what this server offers"},
		{verbs: greeting, codes: []int{554}, hint: "this server offers you no SMTP service (often your IP is blocklisted): send QUIT (RFC 5321 §3.1)"},
		{codes: []int{521}, hint: "this host never accepts mail (RFC 7504): send QUIT and use the domain's real mail server (its MX)"},
		{codes: []int{556}, hint: hintNullMX},
		{status: [3]int{anyPart, 1, 10}, hint: hintNullMX},
		{status: [3]int{anyPart, 7, 27}, hint: "the sender's domain publishes a null MX, so it could never get bounces: use a sender address that can receive mail"},
	}
}

// xclientHints: Postfix's XCLIENT (XCLIENT_README) answers a new greeting
// on success, and refuses untrusted clients and open transactions.
func xclientHints() []hintRule {
	xclient := []string{"XCLIENT"}
	return []hintRule{
		{verbs: xclient, codes: []int{220}, hint: "a new session, as the client named: the server forgot your EHLO, so send EHLO again"},
		{verbs: xclient, codes: []int{550}, hint: "the server does not trust you with XCLIENT (Postfix: smtpd_authorized_xclient_hosts); nothing changed"},
		{verbs: xclient, codes: []int{501}, hint: "an attribute name or value was refused: NAME=VALUE with a name from its EHLO XCLIENT line and the value in xtext (:xclient encodes it for you)"},
		{verbs: xclient, codes: []int{503}, hint: "not inside a mail transaction: finish it or RSET, then XCLIENT"},
	}
}

func tlsHints() []hintRule {
	starttls := []string{"STARTTLS"}
	return []hintRule{
		{verbs: starttls, codes: []int{220}, hint: "TLS handshake now: the next bytes are TLS, not SMTP; afterwards send EHLO again (RFC 3207 §4.2)"},
		{verbs: starttls, text: []string{"already"}, hint: "TLS is already active on this connection: no need for STARTTLS"},
		{verbs: starttls, codes: []int{503}, hint: "STARTTLS isn't on offer now (TLS may already be on): check the last EHLO reply"},
		{verbs: starttls, codes: []int{454}, hint: "the server can't start TLS right now (usually a certificate or key problem on its side): retry later, and don't send passwords in clear"},
		{codes: []int{530}, text: []string{"tls", "encrypt"}, hint: hintStartTLS},
		{verbs: []string{"AUTH"}, codes: []int{530}, hint: hintStartTLS},
		{codes: []int{530}, text: []string{"auth", "log in", "login"}, hint: hintNeedAuth},
		{codes: []int{530}, hint: "this server wants STARTTLS and/or AUTH first: send STARTTLS and EHLO again if TLS is offered, then AUTH"},
		{codes: []int{538}, hint: hintEncryptFor},
		{status: [3]int{anyPart, 7, 10}, hint: hintEncryptFor},
		{status: [3]int{anyPart, 7, 11}, hint: hintEncryptFor},
	}
}

func authHints() []hintRule {
	auth := []string{"AUTH"}
	return []hintRule{
		{codes: []int{334}, build: challengeHint},
		{codes: []int{235}, hint: "you are logged in: go on with MAIL FROM:<address>"},
		{codes: []int{534, 535}, text: []string{"web browser"}, hint: "the provider blocked this sign-in as suspicious: sign in once on its web page, then retry (or use an app password)"},
		{codes: []int{534}, hint: "an application-specific password is required, or the mechanism is too weak: create an app password (Gmail/Outlook with 2-step verification) or use a stronger mechanism"},
		{status: [3]int{anyPart, 7, 9}, hint: "an application-specific password is required, or the mechanism is too weak: create an app password or use a stronger mechanism"},
		{codes: []int{535}, text: []string{"no mechanism"}, hint: "the server can't use that mechanism: pick one from the AUTH line of the EHLO reply"},
		{codes: []int{535}, text: []string{"bad protocol"}, hint: `the AUTH exchange was malformed: AUTH PLAIN wants base64 of "\0user\0password"`},
		{codes: []int{535}, hint: "wrong username or password, or the provider wants an app password (Gmail/Outlook with 2-step verification); check the base64 too"},
		{status: [3]int{anyPart, 7, 8}, hint: "wrong username or password, or the provider wants an app password (Gmail/Outlook with 2-step verification)"},
		{status: [3]int{anyPart, 7, 13}, hint: "the login is right but the account is disabled: contact the provider"},
		{codes: []int{432}, hint: "log in once with AUTH PLAIN (over TLS) so the server can set up this mechanism, then retry"},
		{status: [3]int{anyPart, 7, 12}, hint: "log in once with AUTH PLAIN (over TLS) so the server can set up this mechanism, then retry"},
		{verbs: auth, codes: []int{454}, hint: "the server's login back end failed, not your password: retry later"},
		{codes: []int{504}, text: []string{"mechanism", "authentication type"}, hint: "the server doesn't support that mechanism: use one listed on the AUTH line of the EHLO reply (e.g. PLAIN)"},
		{verbs: auth, codes: []int{504}, hint: "the server doesn't support that mechanism: use one listed on the AUTH line of the EHLO reply (e.g. PLAIN)"},
		{codes: []int{501}, text: []string{"base64"}, hint: `that wasn't valid base64: encode your answer (AUTH PLAIN wants base64 of "\0user\0password")`},
		{codes: []int{501}, text: []string{"authentication aborted", "auth aborted", "authentication cancelled"}, hint: "authentication cancelled (you sent *): start again with AUTH mechanism"},
		{status: [3]int{anyPart, 5, 6}, hint: "your AUTH line was too long: send AUTH mechanism alone and answer the 334 challenge instead"},
	}
}

func sequenceHints() []hintRule {
	return []hintRule{
		{codes: []int{503}, text: []string{"already authenticated"}, hint: "you are already logged in: go on with MAIL FROM:<address>"},
		{codes: []int{503}, text: []string{"helo", "ehlo"}, hint: "say EHLO first (EHLO client.example.org), then repeat this command"},
		{codes: []int{503}, text: []string{"not enabled", "not advertised", "not available"}, build: unsupportedHint},
		{verbs: []string{"RCPT"}, codes: []int{503}, hint: "send MAIL FROM:<address> first: RCPT only works inside a transaction"},
		{verbs: []string{"DATA"}, codes: []int{503}, hint: hintNeedRcpt},
		{verbs: []string{"DATA"}, codes: []int{554}, text: []string{"recipient"}, hint: hintNeedRcpt},
		{verbs: []string{"MAIL"}, codes: []int{503}, hint: "a transaction is already open: RSET or finish the transaction (RCPT, DATA) before a new MAIL FROM"},
		{verbs: []string{"AUTH"}, codes: []int{503}, hint: "AUTH must come before MAIL: send RSET (or finish the transaction), then AUTH"},
		{verbs: []string{"BDAT"}, codes: []int{503}, hint: "BDAT needs MAIL FROM and at least one accepted RCPT TO first"},
		{codes: []int{503}, hint: "wrong order: the usual sequence is EHLO, [STARTTLS, EHLO, AUTH], MAIL FROM, RCPT TO, DATA (RFC 5321 §4.1.4)"},
	}
}

func sizeHints() []hintRule {
	return []hintRule{
		{status: [3]int{anyPart, 2, 2}, hint: "the recipient's mailbox is full: they must make room; retry later or reach them another way"},
		{status: [3]int{anyPart, 2, 3}, hint: "too big for this mailbox (a per-user limit): send something smaller"},
		{status: [3]int{anyPart, 3, 4}, hint: hintTooBig},
		{codes: []int{552}, text: []string{"size", "too big", "too large", "too much"}, hint: hintTooBig},
		{codes: []int{552}, hint: "message too big or mailbox over quota: compare with SIZE in the EHLO reply"},
		{status: [3]int{anyPart, 5, 3}, hint: "too many recipients: send DATA for those accepted and put the rest in a new transaction (RFC 5321 §4.5.3.1.10)"},
		{codes: []int{451, 452, 550}, text: []string{"too many recipients"}, hint: "too many recipients: send DATA for those accepted and put the rest in a new transaction (RFC 5321 §4.5.3.1.10)"},
		{codes: []int{452}, hint: "the server is short of storage (or hit a recipient limit): retry later"},
		{codes: []int{455}, hint: "the server can't handle those parameters right now: retry later, or leave them out"},
		{codes: []int{555}, hint: "the server doesn't take one of your MAIL/RCPT parameters: drop it (SIZE=, BODY=, NOTIFY=, RET= need their extension in the EHLO reply)"},
		{text: []string{"may not follow"}, hint: "the server takes no parameters it didn't advertise: drop them (check the EHLO reply)"},
	}
}

func policyHints() []hintRule {
	return []hintRule{
		{codes: []int{450, 451, 452}, text: []string{"greylist", "graylist"}, hint: hintGreylist},
		{codes: []int{450, 451}, status: [3]int{4, 7, 1}, hint: hintGreylist},
		{codes: []int{450, 451, 454, 550, 551, 553, 554}, text: []string{"relay"}, hint: hintRelay},
		{status: [3]int{anyPart, 7, 23}, hint: "SPF says this IP may not send for the sender's domain: fix the domain's SPF record, or send through its own servers"},
		{status: [3]int{anyPart, 7, 24}, hint: "the SPF check hit an error (DNS trouble or a broken SPF record): check the sender domain's SPF record, then retry"},
		{status: [3]int{anyPart, 7, 20}, hint: "no DKIM signature verified: sign the message with the sender domain's DKIM key"},
		{status: [3]int{anyPart, 7, 21}, hint: "the DKIM signatures aren't acceptable to this receiver: sign with the sender domain's own key"},
		{status: [3]int{anyPart, 7, 22}, hint: "no DKIM signature matches the From: domain: sign with the From: domain's key"},
		{status: [3]int{anyPart, 7, 25}, hint: "the sending IP has no matching reverse DNS (PTR): fix the PTR and forward records, or send through a proper relay"},
		{status: [3]int{anyPart, 7, 26}, hint: "several checks (SPF, DKIM, DMARC) failed: check the sender domain's DNS records"},
		{status: [3]int{anyPart, 7, 29}, hint: "the ARC chain didn't validate: usually a forwarder or list broke it; not fixable from here"},
		{status: [3]int{anyPart, 7, 30}, hint: "the message demands REQUIRETLS but the next server lacks it: drop REQUIRETLS or use another route"},
		{codes: []int{553, 550}, text: []string{"not owned", "not logged in"}, hint: "you may only send as your own address: make MAIL FROM match the account you logged in with"},
		{status: [3]int{5, 7, 1}, hint: "refused by policy (spam filter, blocklist or sender restrictions): read the text, it often names the rule; resending unchanged won't help"},
		{codes: []int{550, 554}, text: []string{"blocked", "blocklist", "blacklist", "spam", "dnsbl"}, hint: "refused by policy (spam filter or blocklist): read the text, it often names the list; resending unchanged won't help"},
	}
}

func addressHints() []hintRule {
	return []hintRule{
		{status: [3]int{anyPart, 1, 1}, hint: hintNoMailbox},
		{status: [3]int{anyPart, 6, 7}, hint: hint567},
		{status: [3]int{anyPart, 6, 8}, hint: hint567},
		{codes: []int{550, 551, 553, 554}, text: []string{"user unknown", "unknown user", "no such user", "does not exist"}, hint: hintNoMailbox},
		{codes: []int{550}, text: []string{"unrouteable", "unroutable"}, hint: "the server can't route that address (unknown user, or a domain it doesn't serve): check the spelling"},
		{status: [3]int{anyPart, 1, 2}, hint: "the recipient's domain doesn't exist or takes no mail: check the part after the @"},
		{status: [3]int{anyPart, 1, 3}, hint: "the recipient address is malformed: write RCPT TO:<user@example.org>"},
		{status: [3]int{anyPart, 1, 7}, hint: "the sender address is malformed: write MAIL FROM:<you@example.org> (or MAIL FROM:<> for a bounce)"},
		{status: [3]int{anyPart, 1, 8}, hint: "the sender's domain doesn't resolve or can't receive replies: use an address at a real domain in MAIL FROM"},
		{status: [3]int{anyPart, 1, 6}, hint: "that mailbox has been closed and no forwarding address is known: find the person's new address"},
		{status: [3]int{anyPart, 2, 1}, hint: "the mailbox is disabled: reach the recipient another way"},
		{codes: []int{551}, hint: "the user isn't here: resend to the address given in the reply text"},
		{codes: []int{251}, hint: "the server will forward the message to the address it names: nothing to do"},
		{codes: []int{553}, hint: "the address isn't allowed: check the syntax (angle brackets, a domain after the @) and that you may use it"},
	}
}

func routingHints() []hintRule {
	return []hintRule{
		{status: [3]int{5, 4, 4}, hint: "no route to that domain (no usable MX or address record): check the domain's DNS"},
		{status: [3]int{anyPart, 4, 6}, hint: "mail loop: the message keeps coming back (too many Received: lines); fix the forwarding set-up"},
		{status: [3]int{anyPart, 4, 7}, hint: "the message expired in a queue before it could be delivered"},
		{status: [3]int{4, 4, anyPart}, hint: "a network or DNS problem between mail servers: retry later"},
		{status: [3]int{anyPart, 3, 2}, hint: "the destination isn't taking mail now (shutdown, overload or maintenance): retry later"},
		{codes: []int{451}, hint: "the server hit a temporary problem: retry later (real mail servers keep retrying for days, RFC 5321 §4.5.4.1)"},
		{codes: []int{450}, hint: "the mailbox is busy or temporarily blocked: retry later"},
	}
}

func syntaxHints() []hintRule {
	return []hintRule{
		{codes: []int{500}, text: []string{"too long"}, hint: "the line was too long: RFC 5321 only promises room for 512 octets per command line (§4.5.3.1.4)"},
		{verbs: []string{"EHLO"}, codes: []int{500, 502}, hint: "this server doesn't speak ESMTP: use HELO instead (and expect no extensions)"},
		{verbs: []string{"EXPN"}, codes: []int{500, 502, 550, 252}, hint: "this server won't expand lists (most don't: it gives addresses away, RFC 5321 §7.3)"},
		{verbs: []string{"VRFY"}, codes: []int{500, 502}, hint: "VRFY is switched off here (common, RFC 5321 §7.3): RCPT TO inside a transaction tells you more"},
		{verbs: []string{"MAIL", "RCPT"}, codes: []int{500}, build: misreadHint},
		{codes: []int{500, 502}, build: unsupportedHint},
		{codes: []int{500}, hint: "the server didn't recognise the command: check the spelling of the verb (or the line was too long)"},
		{verbs: []string{"MAIL"}, codes: []int{501}, text: []string{"size"}, hint: "SIZE= takes the message size in bytes, e.g. MAIL FROM:<you@example.org> SIZE=1024"},
		{codes: []int{501}, build: syntaxHint},
		{codes: []int{502}, hint: "the server knows this command but doesn't implement it (RFC 5321 §4.2.4): check the EHLO reply or HELP"},
		{codes: []int{504}, hint: "the command is supported, but not with this parameter: leave it out or pick another value"},
	}
}

func successHints() []hintRule {
	return []hintRule{
		{codes: []int{252}, hint: "cannot verify, but would accept mail for the address (RFC 5321 §3.5.3): RCPT TO for it gets 250; a server that hides its users says 252 to every address"},
		{codes: []int{354}, hint: `type the message (header lines, an empty line, the body) and end with a line holding only "."`},
		{verbs: []string{"EHLO"}, codes: []int{250}, hint: "each line after the first names an extension (SIZE, STARTTLS, AUTH, ...); next: MAIL FROM:<address>"},
		{verbs: []string{"HELO"}, codes: []int{250}, hint: "HELO shows no extensions: use EHLO to see SIZE, STARTTLS, AUTH and the rest"},
		{verbs: []string{"MAIL"}, codes: []int{250}, hint: "sender accepted: now RCPT TO:<address>, once per recipient"},
		{verbs: []string{"RCPT"}, codes: []int{250}, hint: "recipient accepted: add more with RCPT TO, or send DATA"},
		{verbs: []string{"DATA", "."}, codes: []int{250}, hint: "the server has taken responsibility for the message (RFC 5321 §4.2.5): MAIL FROM for another, or QUIT"},
		{verbs: []string{"BDAT"}, codes: []int{250}, hint: "chunk accepted: after the BDAT ... LAST chunk the message is queued"},
		{verbs: []string{"RSET"}, codes: []int{250}, hint: "transaction cleared: start again with MAIL FROM:<address>"},
	}
}
