package explain

import "slices"

// extensionEntries is the IANA "SMTP Service Extensions" registry plus the
// unregistered keywords real servers advertise. Names of registered
// keywords are the registry's; everything else is ours.
func extensionEntries() []Extension {
	return slices.Concat(extensionsCore(), extensionsTransfer(), extensionsRare(), extensionsHistoric(), extensionsUnregistered())
}

// extensionsCore are the keywords almost every modern server shows.
func extensionsCore() []Extension {
	return []Extension{
		{Keyword: "PIPELINING", Name: "Command Pipelining", RFC: "RFC 2920", Status: statusCurrent,
			Meaning: "you may send several commands (e.g. MAIL, RCPT, RCPT, DATA) before reading their replies",
			Params:  "none", Enables: "no new command: batches of commands, replies read afterwards, in order"},
		{Keyword: "SIZE", Name: "Message size declaration", RFC: "RFC 1870", Status: statusCurrent,
			Meaning: "the server states its message size limit and accepts a size declaration on MAIL FROM",
			Params:  "the largest message accepted, in bytes; 0 or nothing means no fixed limit",
			Enables: "MAIL FROM:<address> SIZE=n (n = the message size in bytes)"},
		{Keyword: "8BITMIME", Name: "SMTP and Submit transport of 8bit MIME content", RFC: "RFC 6152", Status: statusCurrent,
			Meaning: "the message body may contain 8-bit bytes (lines still end in CRLF and stay under 1000 bytes)",
			Params:  "none", Enables: "MAIL FROM:<address> BODY=8BITMIME (or BODY=7BIT)"},
		{Keyword: "ENHANCEDSTATUSCODES", Name: "Enhanced Status Codes", RFC: "RFC 2034", Status: statusCurrent,
			Meaning: "replies carry an enhanced status code such as 5.1.1 after the reply code",
			Params:  "none", Enables: "no new command: 2xx/4xx/5xx reply texts start with class.subject.detail"},
		{Keyword: "STARTTLS", Name: "Start TLS", RFC: "RFC 3207", Status: statusCurrent,
			Meaning: "the connection can be upgraded to TLS; afterwards the client must send EHLO again",
			Params:  "none", Enables: "STARTTLS (then the TLS handshake, then EHLO again)"},
		{Keyword: "AUTH", Name: "Authentication", RFC: "RFC 4954", Status: statusCurrent,
			Meaning: "you may log in with a SASL mechanism before sending mail",
			Params:  "the SASL mechanisms offered, e.g. PLAIN LOGIN CRAM-MD5 XOAUTH2",
			Enables: "AUTH mechanism [initial-response]; also MAIL FROM:<address> AUTH=<submitter>"},
		{Keyword: "DSN", Name: "Delivery Status Notification", RFC: "RFC 3461", Status: statusCurrent,
			Meaning: "you can ask for delivery reports (success, failure, delay) and control what they contain",
			Params:  "none",
			Enables: "MAIL FROM:<address> RET=FULL|HDRS ENVID=id; RCPT TO:<address> NOTIFY=SUCCESS,FAILURE,DELAY|NEVER ORCPT=rfc822;address"},
		{Keyword: "SMTPUTF8", Name: "Internationalized email address", RFC: "RFC 6531", Status: statusCurrent,
			Meaning: "addresses and header fields may contain UTF-8 (internationalized email)",
			Params:  "none", Enables: "MAIL FROM:<address> SMTPUTF8; also VRFY/EXPN with an SMTPUTF8 argument"},
		{Keyword: "CHUNKING", Name: "Chunking", RFC: "RFC 3030", Status: statusCurrent,
			Meaning: "the message may be sent in counted chunks with BDAT instead of DATA (no dot-stuffing)",
			Params:  "none", Enables: "BDAT size [LAST] instead of DATA"},
		{Keyword: "VRFY", Name: "VRFY command", RFC: "RFC 821; RFC 5321 §3.5; draft-ietf-emailcore-rfc5321bis-43", Status: statusCurrent,
			Meaning: "the server answers VRFY, asking whether an address is valid (many refuse to say, for privacy)",
			Params:  "none", Enables: "VRFY user or VRFY user@domain"},
		{Keyword: "HELP", Name: "Supply helpful information", RFC: "RFC 821", Status: statusCurrent,
			Meaning: "the server answers HELP with text for a human",
			Params:  "none", Enables: "HELP [command]"},
	}
}

// extensionsTransfer change how the message or its delivery is handled.
func extensionsTransfer() []Extension {
	return []Extension{
		{Keyword: "BINARYMIME", Name: "Binary MIME", RFC: "RFC 3030", Status: statusCurrent,
			Meaning: "the body may be raw binary MIME, with no line structure; needs CHUNKING",
			Params:  "none", Enables: "MAIL FROM:<address> BODY=BINARYMIME, then BDAT"},
		{Keyword: "DELIVERBY", Name: "Deliver By", RFC: "RFC 2852", Status: statusCurrent,
			Meaning: "a message may ask to be delivered within a deadline, or be returned or reported",
			Params:  "the shortest deadline accepted, in seconds (optional)",
			Enables: "MAIL FROM:<address> BY=seconds;R (return if late) or ;N (notify if late)"},
		{Keyword: "ETRN", Name: "Extended Turn", RFC: "RFC 1985", Status: statusCurrent,
			Meaning: "a client may ask the server to flush the mail it has queued for a domain",
			Params:  "none", Enables: "ETRN example.org (also ETRN @example.org, ETRN #queue)"},
		{Keyword: "ATRN", Name: "Authenticated TURN", RFC: "RFC 2645", Status: statusCurrent,
			Meaning: "after AUTH, client and server swap roles so the server can deliver queued mail (on-demand relay)",
			Params:  "none", Enables: "ATRN [domain,domain...] (after AUTH)"},
		{Keyword: "BURL", Name: "Remote Content", RFC: "RFC 4468", Status: statusCurrent,
			Meaning: "the message can be taken from a URL (typically an IMAP URL) instead of being uploaded",
			Params:  "URL types the server can fetch, e.g. imap", Enables: "BURL url [LAST]"},
		{Keyword: "FUTURERELEASE", Name: "Future Message Release", RFC: "RFC 4865", Status: statusCurrent,
			Meaning: "a message may be held by the server and released at a later time",
			Params:  "the longest hold in seconds, and the latest release date-time",
			Enables: "MAIL FROM:<address> HOLDFOR=seconds or HOLDUNTIL=date-time"},
		{Keyword: "MT-PRIORITY", Name: "Priority Message Handling", RFC: "RFC 6710", Status: statusCurrent,
			Meaning: "messages may carry a priority that the server uses when queueing them",
			Params:  "the priority assignment policy, e.g. MIXER, STANAG4406 or NSEP (optional)",
			Enables: "MAIL FROM:<address> MT-PRIORITY=n (n from -9 to 9)"},
		{Keyword: "REQUIRETLS", Name: "Require TLS", RFC: "RFC 8689", Status: statusCurrent,
			Meaning: "a message may demand TLS (with verified certificates) on every hop to its destination",
			Params:  "none", Enables: "MAIL FROM:<address> REQUIRETLS"},
		{Keyword: "LIMITS", Name: "Server limits", RFC: "RFC 9422", Status: statusCurrent,
			Meaning: "the server announces its limits so clients can stay within them",
			Params:  "NAME=value pairs: RCPTMAX (recipients per transaction), MAILMAX (transactions per session), RCPTDOMAINMAX",
			Enables: "no new command: it tells you limits before you hit them"},
		{Keyword: "RRVS", Name: "Require Recipient Valid Since", RFC: "RFC 7293", Status: statusCurrent,
			Meaning: "the sender can say since when it has known an address, so mail to a reassigned mailbox is stopped",
			Params:  "none", Enables: "RCPT TO:<address> RRVS=date-time[;C or ;R]"},
	}
}

// extensionsRare are registered but seldom seen.
func extensionsRare() []Extension {
	return []Extension{
		{Keyword: "CHECKPOINT", Name: "Checkpoint/Restart", RFC: "RFC 1845", Status: statusCurrent,
			Meaning: "an interrupted transfer can resume where it broke off instead of starting again",
			Params:  "none", Enables: "MAIL FROM:<address> TRANSID=<id>"},
		{Keyword: "NO-SOLICITING", Name: "Notification of no soliciting", RFC: "RFC 3865", Status: statusCurrent,
			Meaning: "the server announces which kinds of solicitation it refuses; senders label theirs",
			Params:  "solicitation class keywords (optional)", Enables: "MAIL FROM:<address> SOLICIT=keywords"},
		{Keyword: "MTRK", Name: "Message Tracking", RFC: "RFC 3885", Status: statusCurrent,
			Meaning: "the sender may later ask where a message went (message tracking, with DSN's ENVID)",
			Params:  "none", Enables: "the MTRK= MAIL FROM parameter"},
		{Keyword: "CONPERM", Name: "Content Conversion Permission", RFC: "RFC 4141", Status: statusCurrent,
			Meaning: "the sender can say which content conversions (e.g. for fax) are allowed on the way",
			Params:  "none", Enables: "the CONPERM MAIL FROM parameter, with a Content-Convert header field"},
		{Keyword: "CONNEG", Name: "Content Conversion Negotiation", RFC: "RFC 4141", Status: statusCurrent,
			Meaning: "the client can ask what content a recipient can handle and convert before sending",
			Params:  "none", Enables: "the CONNEG RCPT TO parameter; the reply lists the recipient's capabilities"},
		{Keyword: "EXPN", Name: "Expand the mailing list", RFC: "RFC 821; RFC 5321 §3.5", Status: statusCurrent,
			Meaning: "the server answers EXPN, listing a mailing list's members (most refuse, to stop address harvesting)",
			Params:  "none", Enables: "EXPN list-name"},
	}
}

// extensionsHistoric are registered but obsolete, historic or legacy.
func extensionsHistoric() []Extension {
	return []Extension{
		{Keyword: "SEND", Name: "Send to terminal", RFC: "RFC 821", Status: statusObsolete,
			Meaning: "deliver to the user's terminal instead of the mailbox; removed from SMTP by RFC 2821",
			Params:  "none", Enables: "SEND FROM:<address>"},
		{Keyword: "SOML", Name: "Send as mail or to terminal", RFC: "RFC 821", Status: statusObsolete,
			Meaning: "deliver to the terminal if the user is logged in, else to the mailbox; removed by RFC 2821",
			Params:  "none", Enables: "SOML FROM:<address>"},
		{Keyword: "SAML", Name: "Send as mail and to terminal", RFC: "RFC 821", Status: statusObsolete,
			Meaning: "deliver to both the terminal and the mailbox; removed by RFC 2821",
			Params:  "none", Enables: "SAML FROM:<address>"},
		{Keyword: "TURN", Name: "Interchange the client and server roles", RFC: "RFC 821", Status: statusObsolete,
			Meaning: "swap client and server roles without authentication; unsafe, replaced by ETRN and ATRN",
			Params:  "none", Enables: "TURN"},
		{Keyword: "SUBMITTER", Name: "SMTP Responsible Submitter", RFC: "RFC 4405", Status: statusHistoric,
			Meaning: "names the party responsible for submitting the message (Sender ID, now historic)",
			Params:  "none", Enables: "MAIL FROM:<address> SUBMITTER=<address>"},
		{Keyword: "UTF8SMTP", Name: "Internationalized email address", RFC: "RFC 5336", Status: statusObsolete,
			Meaning: "the experimental first version of internationalized email; replaced by SMTPUTF8",
			Params:  "none", Enables: "nothing current: use SMTPUTF8"},
		{Keyword: "VERB", Name: "Verbose", RFC: "Eric Allman, sendmail; no RFC", Status: statusLegacy,
			Meaning: "sendmail's verbose mode: the server reports delivery progress during the session",
			Params:  "none", Enables: "VERB"},
		{Keyword: "ONEX", Name: "One message transaction only", RFC: "Eric Allman, sendmail; no RFC", Status: statusLegacy,
			Meaning: "sendmail: the client promises to send only one message on this connection",
			Params:  "none", Enables: "ONEX"},
	}
}

// extensionsUnregistered are seen in real EHLO replies but not in the
// registry; status "unregistered".
func extensionsUnregistered() []Extension {
	return []Extension{
		{Keyword: legacyAuth, Name: "Legacy AUTH advertisement", RFC: "pre-RFC 2554 drafts, old Outlook and Netscape clients", Status: statusUnregistered,
			Meaning: "a second, old spelling of AUTH (AUTH=LOGIN PLAIN) for clients that predate the standard",
			Params:  "the SASL mechanisms, the first one glued to AUTH=", Enables: "AUTH mechanism, as for AUTH"},
		{Keyword: "XCLIENT", Name: "Postfix XCLIENT", RFC: "Postfix XCLIENT_README", Status: statusUnregistered,
			Meaning: "a trusted proxy or test tool may override the client's name, address and HELO as the server sees them",
			Params:  "the attributes that may be overridden, e.g. NAME ADDR PORT PROTO HELO LOGIN",
			Enables: "XCLIENT NAME=... ADDR=... (from authorized clients only)"},
		{Keyword: "XFORWARD", Name: "Postfix XFORWARD", RFC: "Postfix XFORWARD_README", Status: statusUnregistered,
			Meaning: "a trusted content filter may pass on who the original client was, for logging",
			Params:  "the attributes that may be forwarded, e.g. NAME ADDR PROTO HELO",
			Enables: "XFORWARD NAME=... ADDR=... (from authorized clients only)"},
		{Keyword: "XVERP", Name: "Postfix variable envelope return paths", RFC: "Postfix VERP_README", Status: statusUnregistered,
			Meaning: "the server will give each recipient's copy its own bounce address (VERP)",
			Params:  "none", Enables: "MAIL FROM:<address> XVERP"},
		{Keyword: "PIPECONNECT", Name: "Exim early pipelining", RFC: "Exim", Status: statusUnregistered,
			Meaning: "on later connections a client may send EHLO without waiting for the greeting (Exim's PIPE_CONNECT)",
			Params:  "none", Enables: "no new command: greeting and EHLO replies are read after sending"},
		{Keyword: "X-EXPS", Name: "Microsoft Exchange server authentication", RFC: "Microsoft Exchange", Status: statusUnregistered,
			Meaning: "Exchange servers authenticating to each other, often with GSSAPI or NTLM",
			Params:  "SASL mechanisms, e.g. GSSAPI NTLM", Enables: "X-EXPS mechanism (between Exchange servers)"},
		{Keyword: "XEXCH50", Name: "Microsoft Exchange 2000/2003 properties", RFC: "Microsoft Exchange", Status: statusUnregistered,
			Meaning: "Exchange servers pass an opaque blob of message properties along with the message",
			Params:  "none", Enables: "XEXCH50 (between Exchange servers)"},
		{Keyword: "X-LINK2STATE", Name: "Microsoft Exchange link-state routing", RFC: "Microsoft Exchange 2000/2003", Status: statusUnregistered,
			Meaning: "Exchange 2000/2003 servers exchange routing (link-state) updates over SMTP",
			Params:  "none", Enables: "X-LINK2STATE (between Exchange servers)"},
		{Keyword: "X-ANONYMOUSTLS", Name: "Microsoft Exchange anonymous TLS", RFC: "Microsoft Exchange", Status: statusUnregistered,
			Meaning: "Exchange servers in one organisation encrypt traffic between themselves",
			Params:  "none", Enables: "X-ANONYMOUSTLS (between Exchange servers)"},
	}
}
