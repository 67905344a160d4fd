package explain

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestExplainExact(t *testing.T) {
	tests := []struct {
		query string
		want  string
	}{
		{"PIPELINING", `PIPELINING - Command Pipelining
  meaning:     you may send several commands (e.g. MAIL, RCPT, RCPT, DATA) before reading their replies
  enables:     no new command: batches of commands, replies read afterwards, in order
  status:      current
  reference:   RFC 2920
`},
		{"5.7.8", `5.7.8 Authentication credentials invalid
  meaning:     login failed: the username, password or other credentials are wrong
  class:       5.x.x Permanent Failure: resending unchanged will not work; the message or the destination must change
  subject:     x.7.x Security or Policy Status: about security or policy: authentication, relaying, filtering, cryptography
  reply codes: 535 554
  reference:   RFC 4954 §6
`},
		{"252", `252 Cannot VRFY user, but will accept message and attempt delivery
  meaning:     the server won't confirm the address, but will take mail for it and try to deliver
  class:       2yz Positive Completion reply: the command worked; send the next one
  category:    x5z Mail system: about the receiving mail system: mailboxes, storage, policy
  reference:   RFC 5321 §4.2.3
  enhanced codes the registry pairs with 252:
    2.5.0    Other or undefined protocol status
    2.6.8    UTF-8 string reply is required, but not permitted by the SMTP client
`},
		{"S: 250-SIZE 10240000", `an EHLO reply line

SIZE - Message size declaration
  meaning:     the server states its message size limit and accepts a size declaration on MAIL FROM
  here:        SIZE 10240000: messages up to 10240000 bytes (9.8 MiB) (RFC 1870)
  parameters:  the largest message accepted, in bytes; 0 or nothing means no fixed limit
  enables:     MAIL FROM:<address> SIZE=n (n = the message size in bytes)
  status:      current
  reference:   RFC 1870
`},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got, err := Explain(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Explain(%q) mismatch (-want +got):\n%s", tt.query, diff)
			}
		})
	}
}

// TestExplainForms checks each accepted form for the lines that matter,
// on queries a user would paste from real sessions
// (proto/sandbox/testdata/real-replies.md).
func TestExplainForms(t *testing.T) {
	tests := []struct {
		query string
		want  []string // lines (or line starts) that must appear, in order
	}{
		{"550", []string{"550 Requested action not taken: mailbox unavailable", "  class:       5yz Permanent Negative Completion reply", "  reference:   RFC 5321 §4.2.3", "    5.1.1    Bad destination mailbox address", "    5.7.1    Delivery not authorized, message refused"}},
		{"557", []string{"557 Permanent Negative Completion reply, Mail system (unregistered code, read from its digits)", "  reference:   RFC 5321 §4.2.1"}},
		{"X.7.8", []string{"X.7.8 Authentication credentials invalid", "  class:       X stands for any class", "  reply codes: 535 554"}},
		{"4.7.1", []string{"4.7.1 Delivery not authorized, message refused", "  class:       4.x.x Persistent Transient Failure", "  reply codes: 451 454", "  reference:   RFC 3463 §3.8"}},
		{"5.7.99", []string{"5.7.99 (unregistered detail of Security or Policy Status)", "  reference:   RFC 3463 §3.8"}},
		{"550 5.1.1", []string{"reply: 550 5.1.1", "550 Requested action not taken: mailbox unavailable", "5.1.1 Bad destination mailbox address", "hint: " + hintNoMailbox}},
		{"550-5.1.1 <nosuchuser@example.test>: Recipient address rejected: User unknown in virtual mailbox table", []string{"reply: 550 5.1.1 <nosuchuser@example.test>: Recipient address rejected", "5.1.1 Bad destination mailbox address", "hint: " + hintNoMailbox}},
		{"554 5.7.1 <x@elsewhere.invalid>: Relay access denied", []string{"554 Transaction failed", "5.7.1 Delivery not authorized, message refused", "  reply codes: 502 503 533 550 551", "hint: " + hintRelay}},
		{"530 5.7.0 Must issue a STARTTLS command first", []string{"530 Authentication required / Must issue a STARTTLS command first", "  reference:   RFC 4954 §6; RFC 3207 §4", "hint: " + hintStartTLS}},
		{"550 relay not permitted", []string{"reply: 550 relay not permitted", "550 Requested action not taken", "    5.1.1 ", "hint: " + hintRelay}},
		{"503 5.5.1 Error: need MAIL command", []string{"503 Bad sequence of commands", "5.5.1 Invalid command", "hint: wrong order"}},
		{"552 4.3.4 class mismatch is text", []string{"reply: 552 4.3.4 class mismatch is text", "552 Requested mail action aborted"}},
		{"auth", []string{"AUTH - Authentication", "  parameters:  the SASL mechanisms offered", "  enables:     AUTH mechanism [initial-response]", "  reference:   RFC 4954"}},
		{"AUTH PLAIN LOGIN", []string{"AUTH - Authentication", "  here:        AUTH PLAIN LOGIN: log in with AUTH; mechanisms PLAIN, LOGIN (RFC 4954)"}},
		{"dsn", []string{"DSN - Delivery Status Notification", "  enables:     MAIL FROM:<address> RET=FULL|HDRS ENVID=id; RCPT TO:<address> NOTIFY="}},
		{"8bitmime", []string{"  enables:     MAIL FROM:<address> BODY=8BITMIME"}},
		{"SMTPUTF8", []string{"  enables:     MAIL FROM:<address> SMTPUTF8"}},
		{"chunking", []string{"  enables:     BDAT size [LAST] instead of DATA"}},
		{"AUTH=LOGIN PLAIN", []string{"AUTH= - Legacy AUTH advertisement", "  here:        AUTH=LOGIN PLAIN: legacy spelling of AUTH", "  status:      unregistered"}},
		{"XSECRET", []string{"XSECRET", "  meaning:     a private extension", "  reference:   RFC 5321 §4.1.5"}},
		{"(535, b'5.7.8 Username and Password not accepted.')", []string{"reply: 535 5.7.8 Username and Password not accepted.", "535 ", "5.7.8 Authentication credentials invalid"}},
		{`smtplib.SMTPRecipientsRefused: {'x@y.test': (550, b'5.1.1 <x@y.test>: Recipient address rejected\nUser unknown')}`, []string{"reply: 550 5.1.1 <x@y.test>: Recipient address rejected User unknown", "5.1.1 Bad destination mailbox address"}},
		{"587", []string{"587 is a port, not a reply code: message submission (RFC 6409)"}},
		{"465", []string{"465 is a port, not a reply code: message submission over implicit TLS (RFC 8314 §3.3)"}},
		{"25", []string{"25 is a port, not a reply code: SMTP between mail servers (RFC 5321)"}},
		{"2525", []string{"2525 is a port, not a reply code: an unofficial submission port"}},
		{"110", []string{"110 is a port: POP3", "As a reply code, 110 would be"}},
		{"995", []string{"995 is a port, not a reply code: POP3 over implicit TLS"}},
		{"143", []string{"143 is a port: IMAP"}},
		{"993", []string{"993 is a port, not a reply code: IMAP over implicit TLS"}},
		{"24", []string{"24 is a port, not a reply code: "}},
		{"454 4.7.1 <x@elsewhere.invalid>: Relay access denied", []string{"reply: 454 4.7.1", "hint: " + hintRelay}},
		{"553 5.6.7 <jörg@example.test>: non-ASCII address", []string{"5.6.7 Non-ASCII addresses not permitted", "hint: " + hint567}},
		{"535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.", []string{"reply: 535 5.7.139", "hint: Microsoft 365: "}},
		{`(530, b'5.7.0 Authentication Required. Learn more at\n5.7.0  https://support.google.com/mail/?p=WantAuthError - gsmtp')`, []string{"reply: 530 5.7.0 Authentication Required.", "hint: Gmail: "}},
		{"421 4.7.0 [TSS04] Messages from 192.0.2.2 temporarily deferred due to unexpected volume or user complaints", []string{"hint: Yahoo: "}},
		{"Relay access denied", []string{"no reply code in this text; going by its words:", "hint: " + hintRelay}},
		{"Authentication Required", []string{"no reply code in this text; going by its words:", "hint: " + hintNeedAuth}},
		{"<>", []string{"<> is the null reverse-path"}},
		{"MAIL FROM:<>", []string{"<> is the null reverse-path"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got, err := Explain(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(got, "\n")
			for _, want := range tt.want {
				i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, want) })
				if i < 0 {
					t.Fatalf("Explain(%q): no line starting %q (in order) in:\n%s", tt.query, want, got)
				}
				lines = lines[i+1:]
			}
		})
	}
}

func TestExplainErrors(t *testing.T) {
	tests := []struct {
		query string
		want  string
	}{
		{"", "explain: nothing to explain; " + acceptedForms},
		{"   \n550", "explain: nothing to explain; " + acceptedForms},
		{"hello", `explain: cannot understand "hello"; ` + acceptedForms},
		{"650", `explain: cannot understand "650"; ` + acceptedForms},
		{"5.7", `explain: cannot understand "5.7"; ` + acceptedForms},
		{"3.1.1", `explain: cannot understand "3.1.1"; ` + acceptedForms},
		{"5.1.1 text after an enhanced code", `explain: cannot understand "5.1.1 text after an enhanced code"; ` + acceptedForms},
		{"+55", `explain: cannot understand "+55"; ` + acceptedForms},
	}
	for _, tt := range tests {
		got, err := Explain(tt.query)
		if err == nil {
			t.Errorf("Explain(%q) = %q, want an error", tt.query, got)
			continue
		}
		if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
			t.Errorf("Explain(%q) error mismatch (-want +got):\n%s", tt.query, diff)
		}
	}
}

func FuzzExplain(f *testing.F) {
	for _, seed := range []string{
		"550", "5.7.8", "X.7.8", "550 5.1.1", "550-5.1.1 <x@example.test>: User unknown", "PIPELINING", "auth",
		"AUTH=LOGIN PLAIN", "SIZE 10240000", "SIZE -1", "LIMITS RCPTMAX=", "DELIVERBY x", "FUTURERELEASE 1",
		"334 VXNlcm5hbWU6", "S: 250-SIZE", "5.999.999", "999", "", "\x00", "auth=", "AUTH=\u017f",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, query string) {
		long, err := Explain(query)
		if (err == nil) == (long == "") {
			t.Fatalf("Explain(%q) = %q, %v: want exactly one of text and error", query, long, err)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "explain: ") {
			t.Fatalf("Explain(%q) error %q lacks the package prefix", query, err)
		}
		// The same bytes, fed to the one-line helpers, must not panic either.
		keyword, params, _ := strings.Cut(query, " ")
		if DescribeExtension(keyword, params) == "" {
			t.Fatalf("DescribeExtension(%q, %q) is empty", keyword, params)
		}
		Hint(query, 334, 0, 0, 0, query)
		Hint(query, 501, 5, 5, 4, query)
	})
}
