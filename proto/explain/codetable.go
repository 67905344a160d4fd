package explain

// codeEntries is the reply-code table. Titles are the RFC phrases (for the
// three codes that two RFCs define, both phrases, registry order first);
// meanings are ours, written to fit on one line after the class word.
func codeEntries() []Code {
	const (
		rfc5321 = "RFC 5321 §4.2.3"
		rfc4954 = "RFC 4954 §6"
		rfc3207 = "RFC 3207 §4"
		rfc7504 = "RFC 7504"
		rfc1985 = "RFC 1985 (ETRN)"
	)
	return []Code{
		{211, "System status, or system help reply", "a status or help report from the server (HELP usually gets 214 instead)", rfc5321},
		{214, "Help message", "help text meant for a human, usually the answer to HELP", rfc5321},
		{220, "<domain> Service ready", "the server is ready: the greeting, or after STARTTLS the go-ahead for the TLS handshake", rfc5321},
		{221, "<domain> Service closing transmission channel", "goodbye: the server is closing the connection, normally after QUIT", rfc5321},
		{235, "Authentication Succeeded", "you are logged in (enhanced code 2.7.0)", rfc4954},
		{250, "Requested mail action okay, completed", "the command worked", rfc5321},
		{251, "User not local; will forward to <forward-path>", "not a local user, but the server will forward the message to the address it names", rfc5321},
		{252, "Cannot VRFY user, but will accept message and attempt delivery", "the server won't confirm the address, but will take mail for it and try to deliver", rfc5321},
		{253, "OK, <n> pending messages for node <x> started", "ETRN accepted: a queue run for that domain has started, n messages waiting", rfc1985},
		{334, "Server challenge (base64 text, possibly empty)", "AUTH goes on: decode the base64 challenge and answer with one base64 line, or * to cancel", "RFC 4954 §4"},
		{354, "Start mail input; end with <CRLF>.<CRLF>", "send the message now and end it with a line holding only a dot", rfc5321},
		{421, "<domain> Service not available, closing transmission channel", "the server is closing this connection (shutdown, overload, timeout or too many errors)", rfc5321},
		{432, "A password transition is needed", "log in once with PLAIN (over TLS) so the mechanism you asked for can be set up (4.7.12)", rfc4954},
		{450, "Requested mail action not taken: mailbox unavailable", "the mailbox can't be used right now (busy, or held back by policy, e.g. greylisting)", rfc5321},
		{451, "Requested action aborted: local error in processing", "the server hit a temporary internal problem (often DNS or a back-end lookup)", rfc5321},
		{452, "Requested action not taken: insufficient system storage", "the server is short of storage, or you reached its recipient limit", rfc5321},
		{453, "You have no mail", "ATRN found no mail queued for your domains", "RFC 2645 (ATRN)"},
		{454, "Temporary authentication failure / TLS not available due to temporary reason", "a server-side problem: AUTH failed for a reason other than your password (4.7.0), or TLS can't start now", rfc4954 + "; " + rfc3207},
		{455, "Server unable to accommodate parameters", "the server can't handle these MAIL FROM/RCPT TO parameters at the moment", rfc5321},
		{458, "Unable to queue messages for node <x>", "ETRN refused for now: the server can't start a queue run for that domain", rfc1985},
		{459, "Node <x> not allowed: <reason>", "ETRN refused: you may not ask for a queue run for that domain", rfc1985},
		{500, "Syntax error, command unrecognized / Authentication Exchange line is too long", "the server didn't understand the line: unknown command, or a line too long (an AUTH line too: 5.5.6)", "RFC 5321 §4.2.3; " + rfc4954},
		{501, "Syntax error in parameters or arguments", "the command is known but its arguments are malformed", rfc5321},
		{502, "Command not implemented", "the server recognises the command but doesn't implement it", "RFC 5321 §4.2.4"},
		{503, "Bad sequence of commands", "the command came in the wrong order, e.g. RCPT before MAIL, or DATA with no recipient", rfc5321},
		{504, "Command parameter not implemented", "the command is supported, but not with this parameter (e.g. an unknown AUTH mechanism)", rfc5321},
		{521, "Server does not accept mail", "this host never accepts mail; usually sent instead of the 220 greeting", rfc7504},
		{530, "Authentication required / Must issue a STARTTLS command first", "not allowed yet: log in with AUTH (5.7.0), or, on a TLS-only server, send STARTTLS first; the text says which", rfc4954 + "; " + rfc3207},
		{534, "Authentication mechanism is too weak", "policy wants a stronger AUTH mechanism, or an app password, for this user (5.7.9)", rfc4954},
		{535, "Authentication credentials invalid", "login failed: the username, password or other credentials are wrong (5.7.8)", rfc4954},
		{538, "Encryption required for requested authentication mechanism", "this AUTH mechanism is only allowed over an encrypted (TLS) connection (5.7.11)", rfc4954},
		{550, "Requested action not taken: mailbox unavailable", "the mailbox doesn't exist or can't be used, or policy refused the command", rfc5321},
		{551, "User not local; please try <forward-path>", "the user isn't here; the reply names the address to use instead", rfc5321},
		{552, "Requested mail action aborted: exceeded storage allocation", "the message is too big, or the mailbox is over its quota", rfc5321},
		{553, "Requested action not taken: mailbox name not allowed", "the address isn't acceptable: bad syntax, or you may not use it", rfc5321},
		{554, "Transaction failed", "the transaction failed, often a policy rejection; as the greeting it means \"no SMTP service here\"", rfc5321},
		{555, "MAIL FROM/RCPT TO parameters not recognized or not implemented", "a MAIL FROM/RCPT TO parameter is unknown or unsupported here", rfc5321},
		{556, "Domain does not accept mail", "the recipient's domain accepts no mail at all (it publishes a null MX, RFC 7505)", rfc7504},
	}
}
