package explain

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLookupEnhanced(t *testing.T) {
	tests := []struct {
		name                   string
		class, subject, detail int
		want                   Enhanced
		wantOK                 bool
	}{
		{"registered", 5, 7, 8, Enhanced{"5.7.8", "Authentication credentials invalid", "login failed: the username, password or other credentials are wrong", "RFC 4954 §6", []string{"535", "554"}}, true},
		{"any class", 0, 1, 1, Enhanced{"X.1.1", "Bad destination mailbox address", "the recipient mailbox (the part before the @) doesn't exist there", "RFC 3463 §3.2", []string{"451", "550"}}, true},
		{"two-digit detail", 5, 1, 10, Enhanced{"5.1.10", "Recipient address has null MX", "the recipient's domain publishes a null MX: it accepts no mail at all", "RFC 7505; RFC 7504", []string{"556"}}, true},
		// RFC 3463 §2: report the subject when the detail is unknown.
		{"unknown detail", 4, 7, 99, Enhanced{"4.7.99", "Security or Policy Status", "unregistered detail; persistent transient failure: the message is fine but a passing condition got in the way; a later attempt may work; about security or policy: authentication, relaying, filtering, cryptography", "RFC 3463 §3.8", nil}, false},
		{"unknown subject", 5, 9, 1, Enhanced{"5.9.1", "", "unregistered detail; permanent failure: resending unchanged will not work; the message or the destination must change; subject 9 is not defined", "RFC 3463 §2", nil}, false},
		{"bad class", 3, 1, 1, Enhanced{"3.1.1", "", "not a valid enhanced status code: it is class.subject.detail, the class 2, 4 or 5", "RFC 3463 §2", nil}, false},
		{"negative", 5, -1, 0, Enhanced{"5.-1.0", "", "not a valid enhanced status code: it is class.subject.detail, the class 2, 4 or 5", "RFC 3463 §2", nil}, false},
		{"four digits", 5, 1000, 0, Enhanced{"5.1000.0", "", "not a valid enhanced status code: it is class.subject.detail, the class 2, 4 or 5", "RFC 3463 §2", nil}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := LookupEnhanced(tt.class, tt.subject, tt.detail)
			if ok != tt.wantOK {
				t.Errorf("ok = %v, want %v", ok, tt.wantOK)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("LookupEnhanced(%d, %d, %d) mismatch (-want +got):\n%s", tt.class, tt.subject, tt.detail, diff)
			}
		})
	}
}

// The tables are shared: a caller editing its copy must not change them.
func TestLookupEnhancedReturnsCopy(t *testing.T) {
	e, _ := LookupEnhanced(5, 7, 8)
	e.BasicCodes[0] = "999"
	again, _ := LookupEnhanced(5, 7, 8)
	if diff := cmp.Diff([]string{"535", "554"}, again.BasicCodes); diff != "" {
		t.Errorf("table changed by a caller (-want +got):\n%s", diff)
	}
}

func TestDescribeEnhanced(t *testing.T) {
	tests := []struct {
		class, subject, detail int
		want                   string
	}{
		{5, 1, 1, "5.1.1 Bad destination mailbox address: the recipient mailbox (the part before the @) doesn't exist there"},
		{4, 7, 1, "4.7.1 Delivery not authorized, message refused: the sender may not send to this recipient: policy, filtering, or relaying refused"},
		{2, 0, 0, "2.0.0 Other undefined Status: no detail: only the class (success, temporary, permanent) is reported"},
		{0, 7, 9, "X.7.9 Authentication mechanism is too weak: the AUTH mechanism is weaker than policy allows for this user"},
		{5, 5, 77, "5.5.77: unregistered detail; permanent failure: resending unchanged will not work; the message or the destination must change; about the SMTP exchange itself: commands, syntax, sequence"},
		{1, 0, 0, "1.0.0: not a valid enhanced status code: it is class.subject.detail, the class 2, 4 or 5"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, DescribeEnhanced(tt.class, tt.subject, tt.detail)); diff != "" {
			t.Errorf("DescribeEnhanced(%d, %d, %d) mismatch (-want +got):\n%s", tt.class, tt.subject, tt.detail, diff)
		}
	}
}

func TestEnhancedEntriesComplete(t *testing.T) {
	seen := make(map[enhancedKey]bool)
	for _, e := range enhancedEntries() {
		key := enhancedKey{e.subject, e.detail}
		if seen[key] {
			t.Errorf("X.%d.%d: listed twice", e.subject, e.detail)
		}
		seen[key] = true
		if e.Name == "" || e.Meaning == "" || e.RFC == "" || e.Code != "" {
			t.Errorf("X.%d.%d: incomplete entry %+v", e.subject, e.detail, e.Enhanced)
		}
	}
}
