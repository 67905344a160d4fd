package transcripts

import (
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
)

// addInner adds, with every form addClear gives, the secret a decoded
// SASL response carries in clear: PLAIN's password (after the last NUL),
// the bearer token of XOAUTH2 and OAUTHBEARER, or else the whole answer
// (LOGIN's password, an unknown mechanism's response).
func (s *Secrets) addInner(name, text string) {
	if i := strings.LastIndexByte(text, 0); i >= 0 { // PLAIN: authzid NUL user NUL password
		s.addClear(name, text[i+1:])
		return
	}
	if token := bearerToken(text); token != "" {
		s.addClear(name, token)
		return
	}
	s.addClear(name, text)
}

// bearerToken is the token in an OAuth SASL response, or "": the
// "auth=Bearer TOKEN" field of the list that XOAUTH2
// ("user=U\x01auth=Bearer T\x01\x01") and OAUTHBEARER (RFC 7628,
// "n,a=U,\x01host=H\x01auth=Bearer T\x01\x01") separate with \x01. The token
// is what grants access; the user name beside it is no secret.
func bearerToken(text string) string {
	for field := range strings.SplitSeq(text, "\x01") {
		if len(field) < len("auth=") || !strings.EqualFold(field[:len("auth=")], "auth=") {
			continue
		}
		value := field[len("auth="):]
		if _, token, ok := strings.Cut(value, " "); ok { // after the scheme, "Bearer"
			value = token
		}
		return strings.TrimSpace(value)
	}
	return ""
}

// addEncodings adds the other cheap encodings a server could echo a
// secret in: hex (in either case, since every form is matched without
// regard to ASCII case, as a debugging dump would show it),
// percent-encoding as in URLs and forms (an OAuth error page's link), and
// base64 with the URL alphabet (the OAuth world's base64). A short secret
// gets none: its hex would be a common word of digits.
func (s *Secrets) addEncodings(name, clear string) {
	if len(clear) < minSecretLen {
		return
	}
	s.add(name, hex.EncodeToString([]byte(clear)), false)
	s.add(name, url.QueryEscape(clear), false)
	s.add(name, url.PathEscape(clear), false)
	s.add(name, strings.TrimRight(base64.URLEncoding.EncodeToString([]byte(clear)), "="), true)
}
