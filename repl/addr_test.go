package repl

import (
	"strings"
	"testing"
)

func TestNormaliseAddr(t *testing.T) {
	cases := []struct {
		in       string
		tls      bool
		want     string // "" when refused
		errWords string
	}{
		{"mx.example", false, "mx.example:25", ""},
		{"mx.example", true, "mx.example:465", ""},
		{"mx.example:2525", false, "mx.example:2525", ""},
		{"127.0.0.1", false, "127.0.0.1:25", ""},
		{"127.0.0.1:53277", false, "127.0.0.1:53277", ""},
		{"[::1]:2525", false, "[::1]:2525", ""},
		{"[::1]", false, "[::1]:25", ""},
		{"[::1]", true, "[::1]:465", ""},
		{"::1", false, "[::1]:25", ""},
		{"[fe80::1%eth0]:25", false, "[fe80::1%eth0]:25", ""},
		{"unix:/run/smtp.sock", false, "unix:/run/smtp.sock", ""},
		{"127.0.0.1:53277:99", false, "", "not a server address"},
		{"mx.example:25:26", false, "", "not a server address"},
		{"[mx.example]:25", false, "", "not a server address"},
		{"[127.0.0.1]", false, "", "not a server address"},
		{"[::1]:", false, "", "not a server address"},
		{"mx.example:", false, "", "not a server address"},
		{"mx.example:99999", false, "", "port must be"},
		{"mx.example:smtp", false, "", "port must be"},
		{":25", false, "", "names no host"},
		{"unix:", false, "", "names no socket"},
		{"a/b:25", false, "", "not a server address"},
	}
	for _, tc := range cases {
		got, err := NormaliseAddr(tc.in, tc.tls)
		if tc.want != "" {
			if err != nil || got != tc.want {
				t.Errorf("NormaliseAddr(%q, %v) = %q, %v; want %q", tc.in, tc.tls, got, err, tc.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.errWords) {
			t.Errorf("NormaliseAddr(%q) = %q, %v; want an error saying %q", tc.in, got, err, tc.errWords)
		}
	}
}

func FuzzNormaliseAddr(f *testing.F) {
	for _, s := range []string{"mx.example:25", "[::1]:2525", "127.0.0.1:53277:99", "unix:/x", "[::1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormaliseAddr(s, false)
		if err != nil {
			return
		}
		if strings.HasPrefix(got, "unix:") {
			return
		}
		again, err := NormaliseAddr(got, false)
		if err != nil || again != got {
			t.Errorf("NormaliseAddr(%q) = %q, which normalises to %q, %v", s, got, again, err)
		}
	})
}

func TestNormaliseLMTPAddr(t *testing.T) {
	cases := []struct{ in, want, errWords string }{
		{"lmtp.example", "lmtp.example:24", ""},
		{"127.0.0.1", "127.0.0.1:24", ""},
		{"[::1]", "[::1]:24", ""},
		{"::1", "[::1]:24", ""},
		{"127.0.0.1:2424", "127.0.0.1:2424", ""},
		{"unix:/run/dovecot/lmtp", "unix:/run/dovecot/lmtp", ""},
		{"127.0.0.1:24:99", "", "not a server address"},
		{"lmtp.example:0", "", "port must be"},
	}
	for _, tc := range cases {
		got, err := NormaliseLMTPAddr(tc.in, false)
		if tc.want != "" && (err != nil || got != tc.want) {
			t.Errorf("NormaliseLMTPAddr(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
		if tc.want == "" && (err == nil || !strings.Contains(err.Error(), tc.errWords)) {
			t.Errorf("NormaliseLMTPAddr(%q) = %q, %v; want an error saying %q", tc.in, got, err, tc.errWords)
		}
	}
}

func TestNormalisePOP3Addr(t *testing.T) {
	tests := []struct {
		arg  string
		tls  bool
		want string
	}{
		{"mail.example.com", false, "mail.example.com:110"},
		{"mail.example.com", true, "mail.example.com:995"},
		{"127.0.0.1:1110", false, "127.0.0.1:1110"},
		{"[::1]", false, "[::1]:110"},
	}
	for _, tt := range tests {
		if got, err := NormalisePOP3Addr(tt.arg, tt.tls); err != nil || got != tt.want {
			t.Errorf("NormalisePOP3Addr(%q, %v) = %q, %v; want %q", tt.arg, tt.tls, got, err, tt.want)
		}
	}
	if _, err := NormalisePOP3Addr("a:b:c", false); err == nil {
		t.Error("a:b:c was taken as an address")
	}
}
