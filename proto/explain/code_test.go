package explain

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLookupCode(t *testing.T) {
	tests := []struct {
		code   int
		want   Code
		wantOK bool
	}{
		{550, Code{550, "Requested action not taken: mailbox unavailable", "the mailbox doesn't exist or can't be used, or policy refused the command", "RFC 5321 §4.2.3"}, true},
		{521, Code{521, "Server does not accept mail", "this host never accepts mail; usually sent instead of the 220 greeting", "RFC 7504"}, true},
		// Unregistered codes are read digit by digit (RFC 5321 §4.2.1).
		{557, Code{557, "Permanent Negative Completion reply, Mail system", "nothing happened, and repeating the command unchanged will not help; about the receiving mail system: mailboxes, storage, policy", "RFC 5321 §4.2.1"}, false},
		{422, Code{422, "Transient Negative Completion reply, Connections", "nothing happened, but the same command may succeed later: retry; about the connection itself", "RFC 5321 §4.2.1"}, false},
		{296, Code{296, "Positive Completion reply, undefined category", "the command worked; send the next one; a second digit of 9 is not defined", "RFC 5321 §4.2.1"}, false},
		{150, Code{150, "Positive Preliminary reply", "not used by SMTP: the FTP-style 1yz replies are not part of the SMTP model", "RFC 5321 §4.2.1"}, false},
		{99, Code{}, false},
		{600, Code{}, false},
		{-550, Code{}, false},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.code), func(t *testing.T) {
			got, ok := LookupCode(tt.code)
			if ok != tt.wantOK {
				t.Errorf("ok = %v, want %v", ok, tt.wantOK)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("LookupCode(%d) mismatch (-want +got):\n%s", tt.code, diff)
			}
		})
	}
}

// The three codes two RFCs define must carry both phrases and both RFCs.
func TestLookupCodeSharedCodes(t *testing.T) {
	tests := []struct {
		code       int
		titles     []string
		references []string
	}{
		{454, []string{"Temporary authentication failure", "TLS not available due to temporary reason"}, []string{"RFC 4954", "RFC 3207"}},
		{500, []string{"Syntax error, command unrecognized", "Authentication Exchange line is too long"}, []string{"RFC 5321", "RFC 4954"}},
		{530, []string{"Authentication required", "Must issue a STARTTLS command first"}, []string{"RFC 4954", "RFC 3207"}},
	}
	for _, tt := range tests {
		c, _ := LookupCode(tt.code)
		for _, s := range tt.titles {
			if !strings.Contains(c.Title, s) {
				t.Errorf("LookupCode(%d).Title = %q, want %q in it", tt.code, c.Title, s)
			}
		}
		for _, s := range tt.references {
			if !strings.Contains(c.RFC, s) {
				t.Errorf("LookupCode(%d).RFC = %q, want %q in it", tt.code, c.RFC, s)
			}
		}
	}
}

func TestDescribeCode(t *testing.T) {
	tests := []struct {
		code int
		want string
	}{
		{250, "250 success: the command worked"},
		{354, "354 go on: send the message now and end it with a line holding only a dot"},
		{421, "421 temporary failure: the server is closing this connection (shutdown, overload, timeout or too many errors)"},
		{535, "535 permanent failure: login failed: the username, password or other credentials are wrong (5.7.8)"},
		{459, "459 temporary failure: ETRN refused: you may not ask for a queue run for that domain"},
		{557, "557 permanent failure (unregistered code): nothing happened, and repeating the command unchanged will not help; about the receiving mail system: mailboxes, storage, policy"},
		{42, "42: not an SMTP reply code (SMTP codes are three digits, 200-599)"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, DescribeCode(tt.code)); diff != "" {
			t.Errorf("DescribeCode(%d) mismatch (-want +got):\n%s", tt.code, diff)
		}
	}
}

func TestDescribeCodeNeverEmpty(t *testing.T) {
	for code := 100; code <= 599; code++ {
		got := DescribeCode(code)
		if !strings.HasPrefix(got, strconv.Itoa(code)+" ") || strings.Contains(got, "\n") || len(got) > 200 {
			t.Errorf("DescribeCode(%d) = %q, want one short line starting with the code", code, got)
		}
	}
}

func TestCodeEntriesComplete(t *testing.T) {
	seen := make(map[int]bool)
	for _, c := range codeEntries() {
		if seen[c.Code] {
			t.Errorf("%d: listed twice", c.Code)
		}
		seen[c.Code] = true
		if c.Code < 200 || c.Code > 599 || c.Title == "" || c.Meaning == "" || c.RFC == "" {
			t.Errorf("%d: incomplete entry %+v", c.Code, c)
		}
	}
}

func BenchmarkDescribeCode(b *testing.B) {
	codes := []int{220, 250, 354, 421, 503, 550, 557}
	for i := 0; b.Loop(); i++ {
		DescribeCode(codes[i%len(codes)])
	}
}
