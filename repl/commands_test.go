package repl

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseOpenArgs(t *testing.T) {
	tests := []struct {
		args    string
		want    openArgs
		wantErr string
	}{
		{"", openArgs{}, ""},
		{"mx.example.com", openArgs{addr: "mx.example.com"}, ""},
		{"smtp.example.com:465 --tls", openArgs{addr: "smtp.example.com:465", tls: true}, ""},
		{"--insecure --cafile ca.pem", openArgs{insecure: true, cafile: "ca.pem"}, ""},
		{"pop3://mail.example.com", openArgs{addr: "mail.example.com", pop3: true}, ""},
		{"POP3://mail.example.com:1110/", openArgs{addr: "mail.example.com:1110", pop3: true}, ""},
		{"pop3s://mail.example.com", openArgs{addr: "mail.example.com", pop3: true, tls: true}, ""},
		{"smtp://mx.example.com", openArgs{addr: "mx.example.com"}, ""},
		{"pop3://sandbox", openArgs{addr: "sandbox", pop3: true}, ""},
		{"a b", openArgs{}, "one server at a time"},
		{"--bogus", openArgs{}, "unknown option --bogus"},
	}
	for _, tc := range tests {
		got, err := parseOpenArgs(tc.args)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parseOpenArgs(%q) err = %v, want %q", tc.args, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseOpenArgs(%q) = %+v, %v; want %+v", tc.args, got, err, tc.want)
		}
	}
}

func TestHelpListsEveryCommand(t *testing.T) {
	s := testSession(t, nil)
	text := s.helpText()
	var missing []string
	for _, c := range s.commands().list {
		if !strings.Contains(text, ":"+c.name) {
			missing = append(missing, c.name)
		}
	}
	if diff := cmp.Diff([]string(nil), missing); diff != "" {
		t.Errorf(":help misses commands (-want +got):\n%s", diff)
	}
}
