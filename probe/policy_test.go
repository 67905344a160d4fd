package probe

import (
	"strings"
	"testing"
)

func TestParseSTSPolicy(t *testing.T) {
	tests := []struct {
		in   string
		mode string
		mx   []string
		err  string
	}{
		{in: "version: STSv1\nmode: enforce\nmx: mail.example.com\nmx: *.example.net\nmax_age: 604800\n", mode: "enforce", mx: []string{"mail.example.com", "*.example.net"}},
		{in: "version: STSv1\r\nmode: none\r\nmax_age: 0\r\n", mode: "none"},
		{in: "version: STSv1\nmode: testing\nmx: a.test\nmax_age: 1\nextension: fine\n", mode: "testing", mx: []string{"a.test"}},
		{in: "mode: enforce\nmx: a\nmax_age: 1\n", err: `the policy's version is "", not STSv1`},
		{in: "version: STSv1\nmode: strict\nmx: a\nmax_age: 1\n", err: `the policy's mode is "strict", not enforce, testing or none`},
		{in: "version: STSv1\nmode: enforce\nmax_age: 1\n", err: "the policy names no mx: no host could match it"},
		{in: "version: STSv1\nmode: enforce\nmx: a\nmax_age: forever\n", err: `max_age "forever" is not a number of seconds up to 31557600`},
		{in: "version STSv1\n", err: `the policy line "version STSv1" is not KEY: VALUE`},
	}
	for _, tt := range tests {
		p, err := parseSTSPolicy(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("parseSTSPolicy(%q) error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || p.mode != tt.mode || strings.Join(p.mx, ",") != strings.Join(tt.mx, ",") {
			t.Errorf("parseSTSPolicy(%q) = %+v, %v", tt.in, p, err)
		}
	}
}

func TestMXMatches(t *testing.T) {
	tests := []struct {
		pattern, host string
		want          bool
	}{
		{"mail.example.com", "mail.example.com", true},
		{"mail.example.com", "MAIL.example.com.", true},
		{"*.example.com", "mx1.example.com", true},
		{"*.example.com", "example.com", false},
		{"*.example.com", "a.b.example.com", false},
		{"mail.example.com", "mail.example.org", false},
	}
	for _, tt := range tests {
		if got := mxMatches(tt.pattern, tt.host); got != tt.want {
			t.Errorf("mxMatches(%q, %q) = %v", tt.pattern, tt.host, got)
		}
	}
}

// FuzzPolicy: a policy file and TXT records come from whoever runs the
// domain; nothing in them may crash the probe or escape unbounded.
func FuzzPolicy(f *testing.F) {
	f.Add("version: STSv1\nmode: enforce\nmx: *.example.com\nmax_age: 86400\n", "v=STSv1; id=1")
	f.Add("version: STSv1\r\nmode: none\r\nmax_age: 0", "v=TLSRPTv1;rua=mailto:a@b")
	f.Fuzz(func(t *testing.T, policy, record string) {
		p, err := parseSTSPolicy(policy)
		if err == nil {
			if p.version != "STSv1" || len(p.mx) > 100 {
				t.Fatalf("accepted %+v", p)
			}
			for _, m := range p.mx {
				mxMatches(m, "mx.example.com")
			}
		}
		tagValue(record, "id")
	})
}
