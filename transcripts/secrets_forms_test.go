package transcripts

import (
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"
)

// TestSecretsOtherEncodings: a secret echoed in hex, percent-encoded or
// in base64's URL alphabet is scrubbed like its other forms, whichever
// way it was learnt.
func TestSecretsOtherEncodings(t *testing.T) {
	const pass = "Tr0ub4dor&3?~>" // '&', '?' and '~' differ in each encoding
	b64url := strings.TrimRight(base64.URLEncoding.EncodeToString([]byte(pass)), "=")
	forms := map[string]string{
		"hex":               hex.EncodeToString([]byte(pass)),
		"HEX":               strings.ToUpper(hex.EncodeToString([]byte(pass))),
		"query-escaped":     url.QueryEscape(pass),
		"path-escaped":      url.PathEscape(pass),
		"base64 URL-safe":   b64url,
		"lower-case escape": strings.ToLower(url.QueryEscape(pass)),
	}
	learners := map[string]func(*Secrets){
		"AUTH LOGIN password": func(s *Secrets) { s.Learn("AUTH LOGIN password", base64.StdEncoding.EncodeToString([]byte(pass))) },
		"AUTH PLAIN": func(s *Secrets) {
			s.Learn("AUTH PLAIN credentials", base64.StdEncoding.EncodeToString([]byte("\x00u\x00"+pass)))
		},
		"typed password": func(s *Secrets) { s.Add("AUTH LOGIN password", pass) },
	}
	for how, learn := range learners {
		var s Secrets
		learn(&s)
		for name, form := range forms {
			text := "535 5.7.8 you sent " + form + " here"
			if got := s.Scrub(text); strings.Contains(got, form) || !strings.Contains(got, "<redacted: ") {
				t.Errorf("%s, echoed %s: Scrub(%q) = %q", how, name, text, got)
			}
		}
	}
}

// TestSecretsBearerToken: an OAuth response (XOAUTH2, OAUTHBEARER) is a
// secret in its base64 wire form and decoded, and so is the bearer token
// inside it, alone, in any of its forms.
func TestSecretsBearerToken(t *testing.T) {
	const token = "ya29.a0AfB_byC-Token/42+x"
	responses := map[string]string{
		"AUTH XOAUTH2 token":     "user=alice@example.org\x01auth=Bearer " + token + "\x01\x01",
		"AUTH OAUTHBEARER token": "n,a=alice@example.org,\x01host=mx.example.org\x01port=587\x01auth=Bearer " + token + "\x01\x01",
	}
	echoes := []string{
		token,
		strings.ToUpper(token),
		"Bearer " + token,
		hex.EncodeToString([]byte(token)),
		url.QueryEscape(token),
		base64.StdEncoding.EncodeToString([]byte(token)),
	}
	for name, response := range responses {
		var s Secrets
		wire := base64.StdEncoding.EncodeToString([]byte(response))
		s.Learn(name, wire)
		for _, echo := range append(echoes, wire, strings.ToUpper(wire)) {
			text := "535-5.7.8 " + echo + " rejected"
			if got := s.Scrub(text); strings.Contains(got, token) || !strings.Contains(got, "<redacted: "+name+">") {
				t.Errorf("%s: Scrub(%q) = %q", name, text, got)
			}
		}
		if got := s.Scrub("535 alice@example.org is not allowed"); got != "535 alice@example.org is not allowed" {
			t.Errorf("%s: the user name beside the token is no secret, got %q", name, got)
		}
	}
}

func TestBearerToken(t *testing.T) {
	tests := []struct{ text, want string }{
		{"user=a\x01auth=Bearer tok.en\x01\x01", "tok.en"},
		{"n,a=a,\x01host=h\x01port=1\x01AUTH=bearer tok\x01\x01", "tok"},
		{"auth=tokenwithoutscheme", "tokenwithoutscheme"},
		{"\x00alice\x00pw", ""},
		{"password", ""},
		{"", ""},
	}
	for _, tc := range tests {
		if got := bearerToken(tc.text); got != tc.want {
			t.Errorf("bearerToken(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

// FuzzBearerToken: whatever a response holds, the token found is a part
// of it that holds no field separator.
func FuzzBearerToken(f *testing.F) {
	f.Add("user=a\x01auth=Bearer tok\x01\x01")
	f.Add("n,a=a,\x01auth=\x01")
	f.Fuzz(func(t *testing.T, text string) {
		tok := bearerToken(text)
		if !strings.Contains(text, tok) || strings.Contains(tok, "\x01") {
			t.Errorf("bearerToken(%q) = %q", text, tok)
		}
	})
}

// BenchmarkScrubReplyLine is the cost every reply line pays once a
// session has sent AUTH PLAIN credentials.
func BenchmarkScrubReplyLine(b *testing.B) {
	var s Secrets
	s.Learn("AUTH PLAIN credentials", base64.StdEncoding.EncodeToString([]byte("\x00alice@example.org\x00Tr0ub4dor&3")))
	line := "250 2.1.5 Ok <jones@foo.com> recipient accepted, queued for delivery as 4Xk2Lq1y8Tz"
	b.ReportAllocs()
	for b.Loop() {
		s.Scrub(line)
	}
}
