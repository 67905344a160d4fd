package explain

// Providers' own codes and texts. Each hint says what the provider's help
// page for that reply says to do, in a line; the rules match the
// provider's code together with its wording, so the same code from another
// server keeps the registry's meaning (Microsoft's 5.7.3, say, is RFC
// 3463's "security conversion required" anywhere else).
//
// Sources: Microsoft Learn, "Fix email delivery issues for error code
// 5.7.57", "... 5.7.700 through 5.7.750" and "SMTP AUTH disabled"
// (aka.ms/smtp_auth_disabled); Google Workspace Admin Help, "SMTP error
// reference"; Yahoo Sender Hub, "SMTP error codes"
// (postmaster.yahooinc.com/error-codes).
const (
	hintMS139     = "Microsoft 365: SMTP AUTH (basic authentication) is disabled for this tenant or mailbox: an admin must enable Authenticated SMTP for the mailbox, or the client must use OAuth"
	hintMS708     = "Microsoft 365: mail from this sending IP is refused (its reputation, often a new tenant's); send through another route or ask Microsoft support to review it"
	hintMS57      = "Microsoft 365: log in before MAIL FROM: smtp.office365.com port 587, STARTTLS, then AUTH with the mailbox's own account"
	hintMS3       = "Microsoft 365: the login failed: wrong user or password, SMTP AUTH disabled for the mailbox, or the account needs MFA (use OAuth or an app password)"
	hintGmail579  = "Gmail: this account uses 2-Step Verification: create an App Password and log in with it instead of the account password"
	hintGmail5726 = "Gmail: the message is unauthenticated (DMARC/SPF/DKIM failed for the From: domain): publish SPF and sign with DKIM for that domain"
	hintGmailAuth = "Gmail: log in first: smtp.gmail.com port 587 with STARTTLS (or 465 with TLS), then AUTH, then MAIL FROM"
	hintGmail4728 = "Gmail: too much unsolicited-looking mail from your IP or domain, so it is rate limited: slow down, check SPF, DKIM and DMARC, retry later"
	hintYahooTS   = "Yahoo: deferred for the sending IP's volume or complaints (TSS04, temporary) or its reputation (TS01-TS03): slow down and retry later; see postmaster.yahooinc.com/error-codes"
)

func providerHints() []hintRule {
	microsoft := []string{"authentication unsuccessful", "smtpclientauthentication", "basic authentication is disabled", "outlook.com", "office365"}
	gmail := []string{"gsmtp", "support.google.com"}
	return []hintRule{
		{status: [3]int{anyPart, 7, 139}, hint: hintMS139},
		{status: [3]int{anyPart, 7, 708}, hint: hintMS708},
		{status: [3]int{anyPart, 7, 57}, hint: hintMS57},
		{status: [3]int{anyPart, 7, 3}, text: microsoft, hint: hintMS3},
		{status: [3]int{anyPart, 7, 9}, text: gmail, hint: hintGmail579},
		{status: [3]int{anyPart, 7, 26}, text: gmail, hint: hintGmail5726},
		{codes: []int{530}, text: gmail, hint: hintGmailAuth},
		{status: [3]int{4, 7, 28}, hint: hintGmail4728},
		{text: []string{"[tss0", "[ts0"}, hint: hintYahooTS},
	}
}
