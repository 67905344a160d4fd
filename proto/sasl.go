package proto

import (
	"crypto/hmac"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// SASL helpers for AUTH (RFC 4954). They only encode and decode: a stepper
// shows each step, so the exchange itself is driven by the caller.

// B64 encodes s as AUTH expects (standard alphabet, padded).
func B64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// UnB64 decodes a challenge or answer; "=" alone is RFC 4954's empty response.
func UnB64(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "=" {
		return "", nil
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return "", fmt.Errorf("proto: not base64: %w", err)
	}
	return string(b), nil
}

// PlainResponse builds PLAIN's authzid NUL authcid NUL passwd (RFC 4616),
// base64-encoded; authzid is usually empty.
func PlainResponse(authzid, user, pass string) string {
	return B64(authzid + "\x00" + user + "\x00" + pass)
}

// DecodePlain splits a PLAIN response back into its three fields.
func DecodePlain(b64 string) (authzid, user, pass string, err error) {
	raw, err := UnB64(b64)
	if err != nil {
		return "", "", "", err
	}
	parts := strings.Split(raw, "\x00")
	if len(parts) != 3 {
		return "", "", "", fmt.Errorf("proto: PLAIN response has %d NUL-separated fields, want 3", len(parts))
	}
	return parts[0], parts[1], parts[2], nil
}

// LoginChallenge names what a LOGIN challenge asks for. Servers word it
// differently (Postfix "Username:", aiosmtpd "User Name\x00"), so match
// loosely and fall back to the step number.
type LoginChallenge int

const (
	LoginUnknown LoginChallenge = iota
	LoginUsername
	LoginPassword
)

// ClassifyLoginChallenge decodes a 334 text and says which it is.
func ClassifyLoginChallenge(b64 string) (decoded string, kind LoginChallenge) {
	decoded, err := UnB64(b64)
	if err != nil {
		return "", LoginUnknown
	}
	lower := strings.ToLower(decoded)
	switch {
	case strings.Contains(lower, "pass"):
		return decoded, LoginPassword
	case strings.Contains(lower, "user"), strings.Contains(lower, "name"):
		return decoded, LoginUsername
	}
	return decoded, LoginUnknown
}

// CRAMMD5Response answers a CRAM-MD5 challenge (RFC 2195): base64 of
// "user " + hex(HMAC-MD5(password, decoded challenge)).
func CRAMMD5Response(user, pass, challengeB64 string) (string, error) {
	challenge, err := UnB64(challengeB64)
	if err != nil {
		return "", fmt.Errorf("proto: CRAM-MD5 challenge: %w", err)
	}
	mac := hmac.New(md5.New, []byte(pass))
	mac.Write([]byte(challenge))
	return B64(user + " " + hex.EncodeToString(mac.Sum(nil))), nil
}

// CRAMMD5Digest is the hex digest alone, for a server checking a response.
func CRAMMD5Digest(pass, challenge string) string {
	mac := hmac.New(md5.New, []byte(pass))
	mac.Write([]byte(challenge))
	return hex.EncodeToString(mac.Sum(nil))
}

// XOAUTH2Response is Google's and Microsoft's initial response:
// base64("user=" user "\x01auth=Bearer " token "\x01\x01").
func XOAUTH2Response(user, token string) string {
	return B64("user=" + user + "\x01auth=Bearer " + token + "\x01\x01")
}
