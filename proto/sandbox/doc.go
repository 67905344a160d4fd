// Package sandbox is smtprepl's embedded practice server: an SMTP server that
// answers like Postfix does (the replies Postfix 3.7 gave on loopback,
// captured in testdata/real-replies.md, are its yardstick: same codes, same
// enhanced codes, Postfix's texts) but is strict where RFC 5321 says MUST,
// and keeps what it accepts in memory so a lesson or the REPL can show it.
//
//	[Config]   hostname, local domain and mailboxes, users, limits, TLS policy,
//	           and the clock and queue ids that make transcripts reproducible
//	[Server]   listeners, sessions (one goroutine each, kept for the next), the generated
//	           self-signed certificate, and Close that ends them all
//	[Mailbox]  the accepted messages, safe for concurrent use, bounded: the
//	           oldest are dropped to make room
//	[Message]  one accepted message: envelope, exact bytes, how it arrived
//
// Memory is bounded under attack: message bytes being received share one
// budget (Config.InFlightBytes), over which a body is read to its end,
// dropped, and refused with 452 4.3.1, and the mailbox keeps at most
// Config.MailboxBytes. TestMemoryUnderAttack checks the whole process.
//
// Deliberate differences from Postfix are listed with their reasons in the
// fidelity test (fidelity_test.go); the main one is that MAIL, AUTH and
// STARTTLS need HELO/EHLO first (RFC 5321 §4.1.4), where Postfix lets MAIL
// through. VRFY answers as Postfix's with VRFY on: 252 2.0.0 exactly where
// RCPT TO would be accepted, RCPT's refusal elsewhere.
package sandbox
