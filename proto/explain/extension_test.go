package explain

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLookupExtension(t *testing.T) {
	tests := []struct {
		keyword     string
		wantKeyword string
		wantStatus  string
		wantRFC     string
		wantOK      bool
	}{
		{"SIZE", "SIZE", "current", "RFC 1870", true},
		{"size", "SIZE", "current", "RFC 1870", true},
		{" Smtputf8 ", "SMTPUTF8", "current", "RFC 6531", true},
		{"TURN", "TURN", "obsolete", "RFC 821", true},
		{"SUBMITTER", "SUBMITTER", "historic", "RFC 4405", true},
		{"VERB", "VERB", "legacy", "Eric Allman, sendmail; no RFC", true},
		{"XCLIENT", "XCLIENT", "unregistered", "Postfix XCLIENT_README", true},
		{"pipeconnect", "PIPECONNECT", "unregistered", "Exim", true},
		{"AUTH=LOGIN", "AUTH=", "unregistered", "pre-RFC 2554 drafts, old Outlook and Netscape clients", true},
		{"auth=plain", "AUTH=", "unregistered", "pre-RFC 2554 drafts, old Outlook and Netscape clients", true},
		// RFC 5321 §4.1.5: X keywords are private; others are just unknown.
		{"XFOO", "XFOO", "unregistered", "RFC 5321 §4.1.5", false},
		{"FOOBAR", "FOOBAR", "unregistered", "", false},
		{"", "", "", "", false},
		{"SI ZE", "", "", "", false},
		{"-SIZE", "", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.keyword, func(t *testing.T) {
			e, ok := LookupExtension(tt.keyword)
			want := []any{tt.wantKeyword, tt.wantStatus, tt.wantRFC, tt.wantOK}
			got := []any{e.Keyword, e.Status, e.RFC, ok}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("LookupExtension(%q) [keyword status rfc ok] mismatch (-want +got):\n%s", tt.keyword, diff)
			}
		})
	}
}

// Every keyword the four reference servers advertise
// (proto/sandbox/testdata/real-replies.md)
// must be known, with its parameters read where they carry data.
func TestDescribeExtensionRealEHLO(t *testing.T) {
	tests := []struct {
		server, keyword, params string
		want                    string
	}{
		{"postfix", "PIPELINING", "", "PIPELINING: you may send several commands (e.g. MAIL, RCPT, RCPT, DATA) before reading their replies (RFC 2920)"},
		{"postfix", "SIZE", "10240000", "SIZE 10240000: messages up to 10240000 bytes (9.8 MiB) (RFC 1870)"},
		{"postfix", "VRFY", "", "VRFY: the server answers VRFY, asking whether an address is valid (many refuse to say, for privacy) (RFC 5321 §3.5)"},
		{"postfix", "ETRN", "", "ETRN: a client may ask the server to flush the mail it has queued for a domain (RFC 1985)"},
		{"postfix", "STARTTLS", "", "STARTTLS: the connection can be upgraded to TLS; afterwards the client must send EHLO again (RFC 3207)"},
		{"postfix", "AUTH", "PLAIN LOGIN", "AUTH PLAIN LOGIN: log in with AUTH; mechanisms PLAIN, LOGIN (RFC 4954)"},
		{"postfix", "ENHANCEDSTATUSCODES", "", "ENHANCEDSTATUSCODES: replies carry an enhanced status code such as 5.1.1 after the reply code (RFC 2034)"},
		{"postfix", "8BITMIME", "", "8BITMIME: the message body may contain 8-bit bytes (lines still end in CRLF and stay under 1000 bytes) (RFC 6152)"},
		{"postfix", "DSN", "", "DSN: you can ask for delivery reports (success, failure, delay) and control what they contain (RFC 3461)"},
		{"postfix", "SMTPUTF8", "", "SMTPUTF8: addresses and header fields may contain UTF-8 (internationalized email) (RFC 6531)"},
		{"postfix", "CHUNKING", "", "CHUNKING: the message may be sent in counted chunks with BDAT instead of DATA (no dot-stuffing) (RFC 3030)"},
		{"aiosmtpd", "SIZE", "10485760", "SIZE 10485760: messages up to 10485760 bytes (10 MiB) (RFC 1870)"},
		{"aiosmtpd", "AUTH", "LOGIN PLAIN", "AUTH LOGIN PLAIN: log in with AUTH; mechanisms LOGIN, PLAIN (RFC 4954)"},
		{"aiosmtpd", "HELP", "", "HELP: the server answers HELP with text for a human (RFC 821)"},
		{"exim", "PIPECONNECT", "", "PIPECONNECT: on later connections a client may send EHLO without waiting for the greeting (Exim's PIPE_CONNECT) (Exim; unregistered)"},
		{"smtp-sink", "XCLIENT", "NAME HELO", "XCLIENT NAME HELO: trusted clients may override these session attributes: NAME, HELO (Postfix XCLIENT_README; unregistered)"},
		{"smtp-sink", "XFORWARD", "NAME ADDR PROTO HELO", "XFORWARD NAME ADDR PROTO HELO: trusted clients may pass on these attributes of the original client: NAME, ADDR, PROTO, HELO (Postfix XFORWARD_README; unregistered)"},
	}
	for _, tt := range tests {
		t.Run(tt.server+"/"+tt.keyword, func(t *testing.T) {
			if _, ok := LookupExtension(tt.keyword); !ok {
				t.Errorf("LookupExtension(%q): unknown", tt.keyword)
			}
			if diff := cmp.Diff(tt.want, DescribeExtension(tt.keyword, tt.params)); diff != "" {
				t.Errorf("DescribeExtension(%q, %q) mismatch (-want +got):\n%s", tt.keyword, tt.params, diff)
			}
		})
	}
}

func TestDescribeExtensionParams(t *testing.T) {
	tests := []struct {
		keyword, params string
		want            string
	}{
		{"SIZE", "0", "SIZE 0: no fixed size limit (0 means none) (RFC 1870)"},
		{"SIZE", "", "SIZE: the server states its message size limit and accepts a size declaration on MAIL FROM (RFC 1870)"},
		{"SIZE", "lots", `SIZE lots: size limit "lots" is not a number of bytes (RFC 1870)`},
		{"SIZE", "52428800", "SIZE 52428800: messages up to 52428800 bytes (50 MiB) (RFC 1870)"},
		{"SIZE", "1000", "SIZE 1000: messages up to 1000 bytes (1000 bytes) (RFC 1870)"},
		{"AUTH=LOGIN", "PLAIN", "AUTH=LOGIN PLAIN: legacy spelling of AUTH for old clients; mechanisms LOGIN, PLAIN (pre-RFC 2554 drafts, old Outlook and Netscape clients; unregistered)"},
		{"LIMITS", "MAILMAX=1000 RCPTMAX=100", "LIMITS MAILMAX=1000 RCPTMAX=100: at most 1000 transactions per session; at most 100 recipients per transaction (RFC 9422)"},
		{"LIMITS", "RCPTDOMAINMAX=9 FUTURE=4", "LIMITS RCPTDOMAINMAX=9 FUTURE=4: at most 9 recipient domains per transaction; FUTURE=4 (a limit we don't know) (RFC 9422)"},
		{"DELIVERBY", "604800", "DELIVERBY 604800: messages may ask for delivery within a deadline (BY=) of at least 604800 seconds (7 days) (RFC 2852)"},
		{"FUTURERELEASE", "604800 2012-01-01T00:00:00Z", "FUTURERELEASE 604800 2012-01-01T00:00:00Z: messages may be held for later release for up to 604800 seconds (7 days), or until 2012-01-01T00:00:00Z (HOLDFOR=/HOLDUNTIL=) (RFC 4865)"},
		{"MT-PRIORITY", "MIXER", "MT-PRIORITY MIXER: messages may carry MT-PRIORITY=-9..9; priorities are handled by policy MIXER (RFC 6710)"},
		{"8BITMIME", "odd", "8BITMIME odd: the message body may contain 8-bit bytes (lines still end in CRLF and stay under 1000 bytes); parameters: odd (RFC 6152)"},
		{"SEND", "", "SEND: deliver to the user's terminal instead of the mailbox; removed from SMTP by RFC 2821 (RFC 821; obsolete)"},
		{"XFOO", "bar", "XFOO bar: a private extension: keywords starting with X are agreed between client and server, not registered; parameters: bar (RFC 5321 §4.1.5; unregistered)"},
		{"FOOBAR", "", "FOOBAR: not a registered extension: the server's HELP or documentation may say what it does"},
		{"", "", `"": not an EHLO keyword`},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, DescribeExtension(tt.keyword, tt.params)); diff != "" {
			t.Errorf("DescribeExtension(%q, %q) mismatch (-want +got):\n%s", tt.keyword, tt.params, diff)
		}
	}
}

// Every table entry must be complete: the long form prints all fields.
func TestExtensionEntriesComplete(t *testing.T) {
	seen := make(map[string]bool)
	for _, e := range extensionEntries() {
		if seen[e.Keyword] {
			t.Errorf("%s: listed twice", e.Keyword)
		}
		seen[e.Keyword] = true
		for field, v := range map[string]string{"Name": e.Name, "Meaning": e.Meaning, "RFC": e.RFC, "Status": e.Status, "Params": e.Params, "Enables": e.Enables} {
			if v == "" {
				t.Errorf("%s: %s is empty", e.Keyword, field)
			}
		}
	}
}
