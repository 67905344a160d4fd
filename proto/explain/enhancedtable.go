package explain

import (
	"slices"
	"strings"
)

// enhancedEntry is one registry row keyed by subject and detail.
type enhancedEntry struct {
	subject, detail int
	Enhanced
}

// enhanced builds a table row; basic is the registry's space-separated
// list of reply codes ("" when it gives none).
func enhanced(subject, detail int, name, meaning, rfc, basic string) enhancedEntry {
	return enhancedEntry{subject, detail, Enhanced{Name: name, Meaning: meaning, RFC: rfc, BasicCodes: strings.Fields(basic)}}
}

// enhancedEntries is the IANA "Enumerated Status Codes" registry (RFC 5248)
// with meanings in our words. Names and basic codes are the registry's.
func enhancedEntries() []enhancedEntry {
	return slices.Concat(
		enhancedAddressing(), enhancedMailSystem(), enhancedProtocol(),
		enhancedContent(), enhancedSecurity(), enhancedMailAuth(),
	)
}

func enhancedAddressing() []enhancedEntry {
	const s3 = "RFC 3463 §3.2"
	return []enhancedEntry{
		enhanced(0, 0, "Other undefined Status", "no detail: only the class (success, temporary, permanent) is reported", "RFC 3463 §3.1", "any"),
		enhanced(1, 0, "Other address status", "something about an address caused this, not further specified", s3, ""),
		enhanced(1, 1, "Bad destination mailbox address", "the recipient mailbox (the part before the @) doesn't exist there", s3, "451 550"),
		enhanced(1, 2, "Bad destination system address", "the recipient's domain (the part after the @) doesn't exist or can't take mail", s3, ""),
		enhanced(1, 3, "Bad destination mailbox address syntax", "the recipient address is malformed", s3, "501"),
		enhanced(1, 4, "Destination mailbox address ambiguous", "the recipient address matches more than one mailbox", s3, ""),
		enhanced(1, 5, "Destination address valid", "the recipient address is fine (a success detail, e.g. on RCPT)", s3, "250"),
		enhanced(1, 6, "Destination mailbox has moved, No forwarding address", "the mailbox once existed but is closed, with no forwarding address", s3, ""),
		enhanced(1, 7, "Bad sender's mailbox address syntax", "the sender address (MAIL FROM) is malformed", s3, ""),
		enhanced(1, 8, "Bad sender's system address", "the sender's domain doesn't exist or can't receive replies and bounces", s3, "451 501"),
		enhanced(1, 9, "Message relayed to non-compliant mailer", "passed on to a system that sends no delivery reports, so no more status will come", "RFC 3886", ""),
		enhanced(1, 10, "Recipient address has null MX", "the recipient's domain publishes a null MX: it accepts no mail at all", "RFC 7505; RFC 7504", "556"),
		enhanced(2, 0, "Other or undefined mailbox status", "something about the recipient's mailbox, not further specified", "RFC 3463 §3.3", ""),
		enhanced(2, 1, "Mailbox disabled, not accepting messages", "the mailbox exists but is disabled, perhaps only for now", "RFC 3463 §3.3", ""),
		enhanced(2, 2, "Mailbox full", "the recipient's mailbox is over quota; it takes mail again once space is freed", "RFC 3463 §3.3", "552"),
		enhanced(2, 3, "Message length exceeds administrative limit", "the message is bigger than this mailbox allows (a per-user limit)", "RFC 3463 §3.3", "552"),
		enhanced(2, 4, "Mailing list expansion problem", "the address is a mailing list that couldn't be expanded", "RFC 3463 §3.3", "450 452"),
	}
}

func enhancedMailSystem() []enhancedEntry {
	const s4, s5 = "RFC 3463 §3.4", "RFC 3463 §3.5"
	return []enhancedEntry{
		enhanced(3, 0, "Other or undefined mail system status", "something about the destination mail system, not further specified", s4, "221 250 421 451 550 554"),
		enhanced(3, 1, "Mail system full", "the destination system is out of storage", s4, "452"),
		enhanced(3, 2, "System not accepting network messages", "the destination host isn't taking mail (shutdown, overload, maintenance, or never)", s4+"; RFC 7504", "453 521"),
		enhanced(3, 3, "System not capable of selected features", "the message asks for features the destination doesn't support", s4, ""),
		enhanced(3, 4, "Message too big for system", "the message is over the system-wide size limit (see SIZE in the EHLO reply)", s4, "552 554"),
		enhanced(3, 5, "System incorrectly configured", "the destination is misconfigured and can't accept this message", s4, ""),
		enhanced(3, 6, "Requested priority was changed", "accepted, but at another priority than asked for (MT-PRIORITY); the text gives it", "RFC 6710", "250 251"),
		enhanced(4, 0, "Other or undefined network or routing status", "a network or routing problem, not further specified", s5, ""),
		enhanced(4, 1, "No answer from host", "the next server didn't answer the connection attempt", s5, "451"),
		enhanced(4, 2, "Bad connection", "the connection was made but broke before the transaction ended (timeout, bad link)", s5, "421"),
		enhanced(4, 3, "Directory server failure", "a directory service such as DNS couldn't be reached", s5, "451 550"),
		enhanced(4, 4, "Unable to route", "no next hop could be found (e.g. no usable MX or address record)", s5, ""),
		enhanced(4, 5, "Mail system congestion", "the mail system is congested; try again later", s5, "451"),
		enhanced(4, 6, "Routing loop detected", "the message has been going round in a loop (too many hops)", s5, ""),
		enhanced(4, 7, "Delivery time expired", "the message waited in queues too long and expired", s5, ""),
	}
}

func enhancedProtocol() []enhancedEntry {
	const s6 = "RFC 3463 §3.6"
	return []enhancedEntry{
		enhanced(5, 0, "Other or undefined protocol status", "a problem at the SMTP protocol level, not further specified", s6, "220 250 251 252 253 451 452 454 458 459 501 502 503 554"),
		enhanced(5, 1, "Invalid command", "a command was sent out of order or isn't supported", s6, "430 500 501 503 530 550 554 555"),
		enhanced(5, 2, "Syntax error", "a command couldn't be parsed (bad syntax or unknown command)", s6, "500 501 502 550 555"),
		enhanced(5, 3, "Too many recipients", "too many recipients for one transaction; send the rest in another one", s6, "451"),
		enhanced(5, 4, "Invalid command arguments", "a valid command got bad or unsupported arguments", s6, "451 501 502 503 504 550 555"),
		enhanced(5, 5, "Wrong protocol version", "the two sides speak protocol versions that can't work together", s6, ""),
		enhanced(5, 6, "Authentication Exchange line is too long", "during AUTH, the client's base64 line was longer than the server can take", "RFC 4954 §6", "500"),
	}
}

func enhancedContent() []enhancedEntry {
	const s7, utf8 = "RFC 3463 §3.7", "RFC 6531"
	return []enhancedEntry{
		enhanced(6, 0, "Other or undefined media error", "something about the message content prevents delivery, not further specified", s7, ""),
		enhanced(6, 1, "Media not supported", "the message uses a content type or format the next hop can't carry", s7, ""),
		enhanced(6, 2, "Conversion required and prohibited", "the content would need converting, but conversion is forbidden", s7, ""),
		enhanced(6, 3, "Conversion required but not supported", "the content would need converting (e.g. 8-bit to 7-bit), which can't be done here", s7, "554"),
		enhanced(6, 4, "Conversion with loss performed", "delivered, but a conversion lost some content (a warning)", s7, "250"),
		enhanced(6, 5, "Conversion Failed", "a needed content conversion was tried and failed", s7, ""),
		enhanced(6, 6, "Message content not available", "the server couldn't fetch the message content from the URL it was given (BURL)", "RFC 4468", "554"),
		enhanced(6, 7, "Non-ASCII addresses not permitted for that sender/recipient", "internationalized (non-ASCII) addresses aren't allowed for this sender or recipient", utf8, "553 550"),
		enhanced(6, 8, "UTF-8 string reply is required, but not permitted by the SMTP client", "the answer needs a UTF-8 mailbox name, but the client didn't ask for SMTPUTF8", utf8, "252 553 550"),
		enhanced(6, 9, "UTF-8 header message cannot be transferred to one or more recipients, so the message must be rejected", "a message with UTF-8 header fields can't reach some recipient, so it is refused", utf8, "550"),
		enhanced(6, 10, "(deprecated; the registry gives no name)", "deprecated duplicate of X.6.8; not to be used", utf8, ""),
	}
}

func enhancedSecurity() []enhancedEntry {
	const s8, auth, prio, rrvs = "RFC 3463 §3.8", "RFC 4954 §6", "RFC 6710", "RFC 7293"
	return []enhancedEntry{
		enhanced(7, 0, "Other or undefined security status", "a security or policy problem, not further specified (also \"authentication required\")", s8, "220 235 450 454 500 501 503 504 530 535 550"),
		enhanced(7, 1, "Delivery not authorized, message refused", "the sender may not send to this recipient: policy, filtering, or relaying refused", s8, "451 454 502 503 533 550 551"),
		enhanced(7, 2, "Mailing list expansion prohibited", "the sender may not send to this mailing list", s8, "550"),
		enhanced(7, 3, "Security conversion required but not possible", "delivery would need a conversion between secure-messaging formats, which isn't possible", s8, ""),
		enhanced(7, 4, "Security features not supported", "the message or session needs security features the server lacks", s8, "504"),
		enhanced(7, 5, "Cryptographic failure", "a cryptographic step failed, e.g. a key was missing or invalid", s8, ""),
		enhanced(7, 6, "Cryptographic algorithm not supported", "the cryptographic algorithm needed isn't supported", s8, ""),
		enhanced(7, 7, "Message integrity failure", "the message seems corrupted or altered: its integrity check failed", s8, ""),
		enhanced(7, 8, "Authentication credentials invalid", "login failed: the username, password or other credentials are wrong", auth, "535 554"),
		enhanced(7, 9, "Authentication mechanism is too weak", "the AUTH mechanism is weaker than policy allows for this user", auth, "534"),
		enhanced(7, 10, "Encryption Needed", "an encrypted connection (TLS) is needed before this AUTH mechanism may be used", "RFC 5248", "523"),
		enhanced(7, 11, "Encryption required for requested authentication mechanism", "this AUTH mechanism is only allowed over an encrypted connection", auth, "524 538"),
		enhanced(7, 12, "A password transition is needed", "log in once with PLAIN so the requested mechanism can be set up", auth, "422 432"),
		enhanced(7, 13, "User Account Disabled", "the credentials are right but the account is disabled; ask its administrator", "RFC 5248", "525"),
		enhanced(7, 14, "Trust relationship required", "the submission server needs a configured trust relationship with a third-party server", "RFC 5248", "535 554"),
		enhanced(7, 15, "Priority Level is too low", "the message's MT-PRIORITY is lower than the server accepts right now", prio, "450 550 4XX 5XX"),
		enhanced(7, 16, "Message is too big for the specified priority", "the message is too large for the priority it asked for", prio, "552 4XX 5XX"),
		enhanced(7, 17, "Mailbox owner has changed", "the mailbox changed owner since the date the sender gave (RRVS)", rrvs, "5XX"),
		enhanced(7, 18, "Domain owner has changed", "the recipient's domain changed owner since the date the sender gave (RRVS)", rrvs, "5XX"),
		enhanced(7, 19, "RRVS test cannot be completed", "the RRVS check can't be done: the server has no record of the date it needs", rrvs, "5XX"),
	}
}

func enhancedMailAuth() []enhancedEntry {
	const dkim, spf = "RFC 7372; RFC 6376", "RFC 7372; RFC 7208"
	return []enhancedEntry{
		enhanced(7, 20, "No passing DKIM signature found", "the message has no DKIM signature that verifies", dkim, "550"),
		enhanced(7, 21, "No acceptable DKIM signature found", "DKIM signatures verify, but none is acceptable to the receiver", dkim, "550"),
		enhanced(7, 22, "No valid author-matched DKIM signature found", "no valid DKIM signature matches the author's (From:) domain", dkim, "550"),
		enhanced(7, 23, "SPF validation failed", "the sender domain's SPF record doesn't allow the sending IP, and policy rejects that", spf, "550"),
		enhanced(7, 24, "SPF validation error", "the SPF check couldn't complete (DNS trouble or a broken SPF record)", spf, "451 550"),
		enhanced(7, 25, "Reverse DNS validation failed", "the sending IP failed a reverse-DNS (PTR) check", "RFC 7372 §3.3", "550"),
		enhanced(7, 26, "Multiple authentication checks failed", "the message failed more than one authentication check (SPF, DKIM, ...)", "RFC 7372", "550"),
		enhanced(7, 27, "Sender address has null MX", "the sender's domain publishes a null MX, so bounces couldn't be returned", "RFC 7505", "550"),
		enhanced(7, 28, "Mail flood detected", "the message looks like part of a flood (mail bomb) of similar messages", "draft-levine-mailbomb-header-00 (not an RFC)", ""),
		enhanced(7, 29, "ARC validation failure", "the message failed ARC (Authenticated Received Chain) validation", "RFC 8617", "550"),
		enhanced(7, 30, "REQUIRETLS support required", "the message demands REQUIRETLS, but the next server doesn't support it", "RFC 8689", "550"),
	}
}
