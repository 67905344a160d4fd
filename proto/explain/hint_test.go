package explain

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// hintCase is one reply as the REPL would pass it to Hint; the texts are
// verbatim from proto/sandbox/testdata/real-replies*.md unless the name
// says otherwise.
type hintCase struct {
	name   string
	verb   string
	code   int
	status [3]int
	text   string
	want   string
}

func runHintCases(t *testing.T, tests []hintCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Hint(tt.verb, tt.code, tt.status[0], tt.status[1], tt.status[2], tt.text)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Hint(%q, %d, %v, %q) mismatch (-want +got):\n%s", tt.verb, tt.code, tt.status, tt.text, diff)
			}
		})
	}
}

func TestHintSequence(t *testing.T) {
	runHintCases(t, []hintCase{
		{"aiosmtpd MAIL before EHLO", "MAIL FROM:<b@example.test>", 503, [3]int{}, "Error: send HELO first", "say EHLO first (EHLO client.example.org), then repeat this command"},
		{"exim MAIL before EHLO", "MAIL", 503, [3]int{}, "HELO or EHLO required", "say EHLO first (EHLO client.example.org), then repeat this command"},
		{"postfix RCPT before MAIL", "RCPT", 503, [3]int{5, 5, 1}, "Error: need MAIL command", "send MAIL FROM:<address> first: RCPT only works inside a transaction"},
		{"exim RCPT before MAIL", "rcpt to:<a@example.test>", 503, [3]int{}, "sender not yet given", "send MAIL FROM:<address> first: RCPT only works inside a transaction"},
		{"postfix DATA before MAIL", "DATA", 503, [3]int{5, 5, 1}, "Error: need RCPT command", hintNeedRcpt},
		{"exim DATA before RCPT", "DATA", 503, [3]int{}, "valid RCPT command must precede DATA", hintNeedRcpt},
		{"postfix DATA before RCPT", "DATA", 554, [3]int{5, 5, 1}, "Error: no valid recipients", hintNeedRcpt},
		{"postfix nested MAIL", "MAIL", 503, [3]int{5, 5, 1}, "Error: nested MAIL command", "a transaction is already open: RSET or finish the transaction (RCPT, DATA) before a new MAIL FROM"},
		{"exim nested MAIL", "MAIL", 503, [3]int{}, "sender already given", "a transaction is already open: RSET or finish the transaction (RCPT, DATA) before a new MAIL FROM"},
		{"postfix AUTH in transaction", "AUTH", 503, [3]int{5, 5, 1}, "Error: MAIL transaction in progress", "AUTH must come before MAIL: send RSET (or finish the transaction), then AUTH"},
		{"exim AUTH in transaction", "AUTH", 503, [3]int{}, "not permitted in mail transaction", "AUTH must come before MAIL: send RSET (or finish the transaction), then AUTH"},
		{"postfix AUTH not offered (Postfix text)", "AUTH", 503, [3]int{5, 5, 1}, "Error: authentication not enabled", "this server doesn't offer AUTH here (no AUTH in its EHLO reply; some offer it only after STARTTLS)"},
		{"postfix AUTH twice", "AUTH", 503, [3]int{5, 5, 1}, "Error: already authenticated", "you are already logged in: go on with MAIL FROM:<address>"},
		{"exim too many errors", "FOO", 503, [3]int{}, "Too many syntax or protocol errors", "the server has had enough errors and is hanging up: reconnect and go one step at a time"},
		{"exim too many unknown", "FOO", 500, [3]int{}, "Too many unrecognized commands", "the server has had enough errors and is hanging up: reconnect and go one step at a time"},
		{"other 503 (made up)", "NOOP", 503, [3]int{}, "Bad sequence of commands", "wrong order: the usual sequence is EHLO, [STARTTLS, EHLO, AUTH], MAIL FROM, RCPT TO, DATA (RFC 5321 §4.1.4)"},
	})
}

func TestHintTLSAndAuth(t *testing.T) {
	runHintCases(t, []hintCase{
		{"postfix submission MAIL before TLS", "MAIL", 530, [3]int{5, 7, 0}, "Must issue a STARTTLS command first", hintStartTLS},
		{"postfix submission AUTH before TLS", "AUTH", 530, [3]int{5, 7, 0}, "Must issue a STARTTLS command first", hintStartTLS},
		{"530 auth required (RFC 4954 text)", "MAIL", 530, [3]int{5, 7, 0}, "Authentication required", hintNeedAuth},
		{"postfix STARTTLS", "STARTTLS", 220, [3]int{2, 0, 0}, "Ready to start TLS", "TLS handshake now: the next bytes are TLS, not SMTP; afterwards send EHLO again (RFC 3207 §4.2)"},
		{"exim STARTTLS", "STARTTLS", 220, [3]int{}, "TLS go ahead", "TLS handshake now: the next bytes are TLS, not SMTP; afterwards send EHLO again (RFC 3207 §4.2)"},
		{"postfix smtps STARTTLS", "STARTTLS", 554, [3]int{5, 5, 1}, "Error: TLS already active", "TLS is already active on this connection: no need for STARTTLS"},
		{"exim STARTTLS twice", "STARTTLS", 503, [3]int{}, "STARTTLS command used when not advertised", "STARTTLS isn't on offer now (TLS may already be on): check the last EHLO reply"},
		{"smtp-sink STARTTLS", "STARTTLS", 500, [3]int{5, 5, 1}, "Error: unknown command", "this server doesn't offer TLS (no STARTTLS in its EHLO reply): don't send a password over this connection"},
		{"postfix STARTTLS with argument", "STARTTLS now", 501, [3]int{5, 5, 4}, "Syntax: STARTTLS", "STARTTLS takes no arguments: send just STARTTLS"},
		{"postfix LOGIN username", "AUTH LOGIN", 334, [3]int{}, "VXNlcm5hbWU6", `the challenge decodes to "Username:": answer with your user name in base64 (or * to cancel)`},
		{"postfix LOGIN password", "AUTH", 334, [3]int{}, "UGFzc3dvcmQ6", `the challenge decodes to "Password:": answer with your password in base64 (or * to cancel)`},
		{"aiosmtpd LOGIN username", "AUTH", 334, [3]int{}, "VXNlciBOYW1lAA==", `the challenge decodes to "User Name": answer with your user name in base64 (or * to cancel)`},
		{"PLAIN empty challenge", "AUTH PLAIN", 334, [3]int{}, "", `the server waits for your credentials: for PLAIN, send base64 of "\0user\0password" (or * to cancel)`},
		{"CRAM-MD5 challenge (RFC 2195 example)", "AUTH", 334, [3]int{}, "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+", `CRAM-MD5 challenge "<1896.697170952@postoffice.reston.mci.net>": answer with base64 of "user " + the hex HMAC-MD5 of the challenge keyed with your password`},
		{"SCRAM server-first (RFC 7677 §3)", "AUTH", 334, [3]int{}, "cj1yT3ByTkdmd0ViZVJXZ2JORWtxTyVodllEcFdVYTJSYVRDQWZ1eEZJbGopaE5sRiRrMCxzPVcyMlphSjBTTlk3c29Fc1VFamI2Z1E9PSxpPTQwOTY=", "SCRAM server-first-message: r= the nonce (ours + the server's), s= the salt, i= the PBKDF2 iterations; the proof needs PBKDF2 and HMACs: :auth scram-sha-256 USER computes it (or * to cancel)"},
		{"SCRAM server-final (RFC 7677 §3)", "", 334, [3]int{}, "dj02cnJpVFJCaTIzV3BSUi93dHVwK21NaFVaVW4vZEI1bkxUSlJzamw5NUc0PQ==", "SCRAM server-final-message: v= the server's signature, proof that it knows the password; check it, then send an empty line"},
		{"Google XOAUTH2 error", "AUTH", 334, [3]int{}, "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ==", `an OAuth error in JSON (RFC 7628 §3.2.2): the token was refused; send an empty line (XOAUTH2) or AQ== (OAUTHBEARER) for the final reply`},
		{"garbage challenge", "AUTH", 334, [3]int{}, "!!!", "decode the base64 challenge, then answer with one base64 line (or * to cancel)"},
		{"postfix AUTH ok", "AUTH", 235, [3]int{2, 7, 0}, "Authentication successful", "you are logged in: go on with MAIL FROM:<address>"},
		{"postfix wrong password", "AUTH", 535, [3]int{5, 7, 8}, "Error: authentication failed: authentication failure", "wrong username or password, or the provider wants an app password (Gmail/Outlook with 2-step verification); check the base64 too"},
		{"exim wrong password", "AUTH", 535, [3]int{}, "Incorrect authentication data", "wrong username or password, or the provider wants an app password (Gmail/Outlook with 2-step verification); check the base64 too"},
		{"postfix unknown mechanism", "AUTH", 535, [3]int{5, 7, 8}, "Error: authentication failed: no mechanism available", "the server can't use that mechanism: pick one from the AUTH line of the EHLO reply"},
		{"aiosmtpd unknown mechanism", "AUTH", 504, [3]int{5, 5, 4}, "Unrecognized authentication type", "the server doesn't support that mechanism: use one listed on the AUTH line of the EHLO reply (e.g. PLAIN)"},
		{"exim unknown mechanism", "AUTH", 504, [3]int{}, "CRAM-MD5 authentication mechanism not supported", "the server doesn't support that mechanism: use one listed on the AUTH line of the EHLO reply (e.g. PLAIN)"},
		{"exim bad base64", "AUTH", 501, [3]int{}, "Invalid base64 data", `that wasn't valid base64: encode your answer (AUTH PLAIN wants base64 of "\0user\0password")`},
		{"postfix AUTH cancelled", "*", 501, [3]int{5, 7, 0}, "Authentication aborted", "authentication cancelled (you sent *): start again with AUTH mechanism"},
		{"gmail app password (provider text)", "AUTH", 534, [3]int{5, 7, 9}, "Application-specific password required.", "an application-specific password is required, or the mechanism is too weak: create an app password (Gmail/Outlook with 2-step verification) or use a stronger mechanism"},
		{"gmail web login (provider text)", "AUTH", 534, [3]int{5, 7, 14}, "Please log in via your web browser and then try again.", "the provider blocked this sign-in as suspicious: sign in once on its web page, then retry (or use an app password)"},
		{"538 needs TLS", "AUTH", 538, [3]int{5, 7, 11}, "Encryption required for requested authentication mechanism", hintEncryptFor},
		{"454 auth back end", "AUTH", 454, [3]int{4, 7, 0}, "Temporary authentication failure", "the server's login back end failed, not your password: retry later"},
	})
}

func TestHintDelivery(t *testing.T) {
	runHintCases(t, []hintCase{
		{"postfix unknown user", "RCPT", 550, [3]int{5, 1, 1}, "<nosuchuser@example.test>: Recipient address rejected: User unknown in virtual mailbox table", hintNoMailbox},
		{"postfix VRFY unknown user", "VRFY", 550, [3]int{5, 1, 1}, "<nosuchuser@example.test>: Recipient address rejected: User unknown in virtual mailbox table", hintNoMailbox},
		{"exim unknown user", "RCPT", 550, [3]int{}, "Unrouteable address", "the server can't route that address (unknown user, or a domain it doesn't serve): check the spelling"},
		{"postfix relay", "RCPT", 554, [3]int{5, 7, 1}, "<x@elsewhere.invalid>: Relay access denied", hintRelay},
		{"aiosmtpd relay", "RCPT", 554, [3]int{5, 7, 1}, "<x@elsewhere.invalid>: Relay access denied", hintRelay},
		{"exim relay", "RCPT", 550, [3]int{}, "relay not permitted", hintRelay},
		{"postfix SIZE over limit", "MAIL", 552, [3]int{5, 3, 4}, "Message size exceeds fixed limit", hintTooBig},
		{"postfix body over limit", ".", 552, [3]int{5, 3, 4}, "Error: message file too big", hintTooBig},
		{"aiosmtpd body over limit", "DATA", 552, [3]int{}, "Error: Too much mail data", hintTooBig},
		{"exim SIZE over limit", "MAIL", 552, [3]int{}, "Message size exceeds maximum permitted", hintTooBig},
		{"mailbox full (made up)", "RCPT", 552, [3]int{5, 2, 2}, "Mailbox full", "the recipient's mailbox is full: they must make room; retry later or reach them another way"},
		{"postfix unknown MAIL parameter", "MAIL", 555, [3]int{5, 5, 4}, "Unsupported option: XFOO=bar", "the server doesn't take one of your MAIL/RCPT parameters: drop it (SIZE=, BODY=, NOTIFY=, RET= need their extension in the EHLO reply)"},
		{"exim unknown MAIL parameter", "MAIL", 501, [3]int{}, "<b@example.test> XFOO=bar: malformed address: XFOO=bar may not follow <b@example.test>", "the server takes no parameters it didn't advertise: drop them (check the EHLO reply)"},
		{"postfix bad sender", "MAIL", 501, [3]int{5, 1, 7}, "Bad sender address syntax", "the sender address is malformed: write MAIL FROM:<you@example.org> (or MAIL FROM:<> for a bounce)"},
		{"postfix bad recipient", "RCPT", 501, [3]int{5, 1, 3}, "Bad recipient address syntax", "the recipient address is malformed: write RCPT TO:<user@example.org>"},
		{"postfix bad SIZE", "MAIL", 501, [3]int{5, 5, 4}, "Bad message size syntax", "SIZE= takes the message size in bytes, e.g. MAIL FROM:<you@example.org> SIZE=1024"},
		{"greylisting by enhanced code", "RCPT", 450, [3]int{4, 7, 1}, "Try again later", hintGreylist},
		{"greylisting by text (postgrey)", "RCPT", 450, [3]int{4, 2, 0}, "<a@example.test>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/", hintGreylist},
		{"greylisting 451", "RCPT", 451, [3]int{4, 7, 1}, "Please try again later", hintGreylist},
		{"too many recipients", "RCPT", 452, [3]int{4, 5, 3}, "Error: too many recipients", "too many recipients: send DATA for those accepted and put the rest in a new transaction (RFC 5321 §4.5.3.1.10)"},
		{"SPF fail (made up)", ".", 550, [3]int{5, 7, 23}, "SPF validation failed", "SPF says this IP may not send for the sender's domain: fix the domain's SPF record, or send through its own servers"},
		{"null MX", "RCPT", 556, [3]int{5, 1, 10}, "Recipient address has null MX", hintNullMX},
		{"generic 451", ".", 451, [3]int{4, 3, 0}, "Error: queue file write error", "the server hit a temporary problem: retry later (real mail servers keep retrying for days, RFC 5321 §4.5.4.1)"},
	})
}

func TestHintSyntaxAndSession(t *testing.T) {
	runHintCases(t, []hintCase{
		{"postfix greeting", "", 220, [3]int{}, "mx.example.test ESMTP Postfix (loopback test instance)", "say EHLO with your host name (e.g. EHLO client.example.org) to see what this server offers"},
		{"554 greeting", "", 554, [3]int{}, "mx.example.test ESMTP not accepting connections", "this server offers you no SMTP service (often your IP is blocklisted): send QUIT (RFC 5321 §3.1)"},
		{"521 greeting", "", 521, [3]int{}, "mx.example.test does not accept mail", "this host never accepts mail (RFC 7504): send QUIT and use the domain's real mail server (its MX)"},
		{"421 anywhere", "RCPT", 421, [3]int{4, 4, 2}, "Error: timeout exceeded", "the server is closing the connection (too many errors, a timeout or overload): reconnect, and wait a little if it is busy"},
		{"postfix QUIT", "QUIT", 221, [3]int{2, 0, 0}, "Bye", "the server hangs up now; reconnect to start a new session"},
		{"postfix unknown command", "FOOBAR baz", 500, [3]int{5, 5, 2}, "Error: command not recognized", "the server didn't recognise the command: check the spelling of the verb (or the line was too long)"},
		{"aiosmtpd unknown command", "FOOBAR", 500, [3]int{}, `Error: command "FOOBAR" not recognized`, "the server didn't recognise the command: check the spelling of the verb (or the line was too long)"},
		{"aiosmtpd long line", "NOOP", 500, [3]int{}, "Command line too long", "the line was too long: RFC 5321 only promises room for 512 octets per command line (§4.5.3.1.4)"},
		{"exim MAIL without colon", "MAIL", 500, [3]int{}, "unrecognized command", "the server couldn't parse the line; write it as MAIL FROM:<you@example.org>, parameters after it (e.g. SIZE=1000); no space before <"},
		{"smtp-sink BDAT", "BDAT", 500, [3]int{5, 5, 1}, "Error: unknown command", "this server doesn't do BDAT (no CHUNKING in its EHLO reply): send the message with DATA"},
		{"postfix EHLO without name", "EHLO", 501, [3]int{}, "Syntax: EHLO hostname", "expected syntax: EHLO client.example.org (your host name, or an address literal such as [192.0.2.1])"},
		{"exim EHLO without name", "EHLO", 501, [3]int{}, "Syntactically invalid EHLO argument(s)", "expected syntax: EHLO client.example.org (your host name, or an address literal such as [192.0.2.1])"},
		{"postfix MAIL without colon", "MAIL", 501, [3]int{5, 5, 4}, "Syntax: MAIL FROM:<address>", "expected syntax: MAIL FROM:<you@example.org>, parameters after it (e.g. SIZE=1000); no space before <"},
		{"exim RCPT TO:<>", "RCPT", 501, [3]int{}, "<>: missing or malformed local part", "expected syntax: RCPT TO:<user@example.org>; no space before <"},
		{"aiosmtpd VRFY no argument", "VRFY", 501, [3]int{}, "Syntax: VRFY <address>", "expected syntax: VRFY user, or VRFY user@example.org"},
		{"DATA with argument (made up)", "DATA now", 501, [3]int{5, 5, 4}, "Syntax: DATA", "DATA takes no arguments: send just DATA"},
		{"unknown verb 501 (made up)", "XYZZY", 501, [3]int{}, "Syntax error", "the arguments are malformed: check the command's syntax (HELP may list it)"},
		{"aiosmtpd EXPN", "EXPN", 502, [3]int{}, "EXPN not implemented", "this server won't expand lists (most don't: it gives addresses away, RFC 5321 §7.3)"},
		{"exim EXPN", "EXPN", 550, [3]int{}, "Administrative prohibition", "this server won't expand lists (most don't: it gives addresses away, RFC 5321 §7.3)"},
		{"postfix HELP", "HELP", 500, [3]int{5, 5, 2}, "Error: command not recognized", "this server has no HELP: its EHLO reply lists what it supports"},
		{"old server EHLO", "EHLO", 502, [3]int{}, "Command not implemented", "this server doesn't speak ESMTP: use HELO instead (and expect no extensions)"},
		{"postfix VRFY known", "VRFY", 252, [3]int{2, 0, 0}, "a@example.test", "the server won't confirm users (privacy, RFC 5321 §3.5.3) but would still accept mail for the address"},
		{"aiosmtpd VRFY", "VRFY", 252, [3]int{}, "Cannot VRFY user, but will accept message and attempt delivery", "the server won't confirm users (privacy, RFC 5321 §3.5.3) but would still accept mail for the address"},
		{"postfix DATA", "DATA", 354, [3]int{}, "End data with <CR><LF>.<CR><LF>", `type the message (header lines, an empty line, the body) and end with a line holding only "."`},
		{"postfix EHLO", "EHLO probe.example.test", 250, [3]int{}, "mx.example.test\nPIPELINING\nSIZE 10240000", "each line after the first names an extension (SIZE, STARTTLS, AUTH, ...); next: MAIL FROM:<address>"},
		{"postfix MAIL ok", "MAIL", 250, [3]int{2, 1, 0}, "Ok", "sender accepted: now RCPT TO:<address>, once per recipient"},
		{"postfix queued", ".", 250, [3]int{2, 0, 0}, "Ok: queued as 98478984038", "the server has taken responsibility for the message (RFC 5321 §4.2.5): MAIL FROM for another, or QUIT"},
		{"NOOP: nothing to add", "NOOP", 250, [3]int{2, 0, 0}, "Ok", ""},
		{"HELP text: nothing to add", "HELP", 214, [3]int{}, "AUTH STARTTLS HELO EHLO MAIL RCPT DATA BDAT NOOP QUIT RSET HELP VRFY", ""},
		{"Exim VRFY ok: nothing to add", "VRFY", 250, [3]int{}, "<a@example.test> is deliverable", ""},
	})
}

// The rule table must be well formed: matching lower-cases the reply text
// and upper-cases the verb, so the table must do the same.
func TestHintRulesWellFormed(t *testing.T) {
	for i, r := range hintRules() {
		if (r.hint == "") == (r.build == nil) {
			t.Errorf("rule %d: want exactly one of hint and build", i)
		}
		for _, s := range r.text {
			if s != strings.ToLower(s) {
				t.Errorf("rule %d: text %q is not lower case", i, s)
			}
		}
		for _, v := range r.verbs {
			if v != strings.ToUpper(v) {
				t.Errorf("rule %d: verb %q is not upper case", i, v)
			}
		}
	}
}

func BenchmarkHint(b *testing.B) {
	replies := []hintCase{
		{verb: "RCPT", code: 550, status: [3]int{5, 1, 1}, text: "<x@example.test>: Recipient address rejected: User unknown in virtual mailbox table"},
		{verb: "MAIL", code: 250, status: [3]int{2, 1, 0}, text: "Ok"},
		{verb: "NOOP", code: 250, status: [3]int{2, 0, 0}, text: "Ok"},
		{verb: "DATA", code: 354, text: "End data with <CR><LF>.<CR><LF>"},
		{verb: "AUTH", code: 334, text: "VXNlcm5hbWU6"},
	}
	for i := 0; b.Loop(); i++ {
		r := replies[i%len(replies)]
		Hint(r.verb, r.code, r.status[0], r.status[1], r.status[2], r.text)
	}
}
