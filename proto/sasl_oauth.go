package proto

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// OAuthBearerResponse is OAUTHBEARER's initial response (RFC 7628 §3.1):
// a GS2 header naming the user, then key=value pairs separated by ^A: the
// server's host and port, and the token as an HTTP Authorization value.
// Port 0 leaves the port out.
func OAuthBearerResponse(user, host string, port int, token string) string {
	var b strings.Builder
	b.WriteString("n,a=" + SASLName(user) + ",\x01")
	if host != "" {
		b.WriteString("host=" + host + "\x01")
	}
	if port > 0 {
		b.WriteString("port=" + strconv.Itoa(port) + "\x01")
	}
	b.WriteString("auth=Bearer " + token + "\x01\x01")
	return B64(b.String())
}

// SASLName escapes a name for a GS2 header or a SCRAM attribute (RFC 5802
// §5.1): "," and "=" would end or open a field, so they become "=2C" and
// "=3D".
func SASLName(s string) string {
	return strings.NewReplacer("=", "=3D", ",", "=2C").Replace(s)
}

// OAuthFinalResponses are what a client must send after a server's JSON
// error challenge to end the exchange, per mechanism: OAUTHBEARER a lone
// ^A (RFC 7628 §3.2.3), XOAUTH2 an empty line (Google's and Microsoft's
// documentation). The server then answers with its failure code.
var OAuthFinalResponses = map[string]string{"OAUTHBEARER": "AQ==", "XOAUTH2": ""}

// OAuthError is the JSON a server sends, base64-encoded in a 334, when it
// refuses a token (RFC 7628 §3.2.2; XOAUTH2 sends the same fields).
// Values are kept as the server wrote them; a number is kept as its text.
type OAuthError struct {
	Status       string // "invalid_token", "insufficient_scope", or an HTTP code ("401")
	Schemes      string // the authorization schemes it takes ("bearer")
	Scope        string // the scope a token needs, space-separated
	OpenIDConfig string // "openid-configuration": where to find the provider
	Other        []string
}

// maxOAuthError bounds the JSON decoded: real errors are a few hundred bytes.
const maxOAuthError = 16 << 10

// ParseOAuthError decodes a 334's text as an OAuth error. It fails for
// what is not base64 of one JSON object.
func ParseOAuthError(challengeB64 string) (*OAuthError, error) {
	if len(challengeB64) > maxOAuthError*4/3+4 {
		return nil, fmt.Errorf("proto: OAuth error challenge longer than %d KiB", maxOAuthError>>10)
	}
	raw, err := UnB64(challengeB64)
	if err != nil {
		return nil, fmt.Errorf("proto: OAuth error challenge: %w", err)
	}
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(strings.NewReader(raw))
	if err := dec.Decode(&fields); err != nil {
		return nil, fmt.Errorf("proto: OAuth error challenge is not a JSON object: %w", err)
	}
	if dec.More() {
		return nil, errors.New("proto: OAuth error challenge has text after its JSON object")
	}
	if fields == nil {
		return nil, errors.New("proto: OAuth error challenge is JSON null, not an object")
	}
	e := &OAuthError{}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := jsonText(fields[k])
		switch k {
		case "status":
			e.Status = v
		case "schemes":
			e.Schemes = v
		case "scope":
			e.Scope = v
		case "openid-configuration":
			e.OpenIDConfig = v
		default:
			e.Other = append(e.Other, k+"="+v)
		}
	}
	if e.Status == "" {
		return e, errors.New("proto: OAuth error challenge has no \"status\", which RFC 7628 §3.2.2 requires")
	}
	return e, nil
}

// jsonText is a JSON string's value, or any other value's text.
func jsonText(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	return string(bytes.TrimSpace(v))
}

// oauthStatus says what each status a provider sends means.
var oauthStatus = map[string]string{
	"invalid_token":      "the token is expired, revoked, malformed or for another service (RFC 6750 §3.1): get a fresh one",
	"insufficient_scope": "the token is valid but was not granted the scope mail needs (RFC 6750 §3.1): ask for a token with the scope below",
	"invalid_request":    "the request was malformed (RFC 6750 §3.1): the user name or the response's layout is wrong",
	"400":                "bad request (Google's XOAUTH2 wording, an HTTP code): the response's layout or the user name is wrong",
	"401":                "unauthorized (an HTTP code): the token is expired, revoked, or does not belong to this user",
	"403":                "forbidden (an HTTP code): the account may not use this service, or IMAP/SMTP access is off for it",
}

// Explain says, one sentence a field, what the error means.
func (e *OAuthError) Explain() []string {
	var out []string
	if m, ok := oauthStatus[e.Status]; ok {
		out = append(out, fmt.Sprintf("status %q: %s", e.Status, m))
	} else {
		out = append(out, fmt.Sprintf("status %q: the server's reason, not one RFC 6750 names", e.Status))
	}
	if e.Schemes != "" {
		out = append(out, fmt.Sprintf("schemes %q: the kinds of token the server takes", e.Schemes))
	}
	if e.Scope != "" {
		out = append(out, fmt.Sprintf("scope %q: what the token must be allowed to do", e.Scope))
	}
	if e.OpenIDConfig != "" {
		out = append(out, fmt.Sprintf("openid-configuration %q: where the provider says how to get a token", e.OpenIDConfig))
	}
	for _, o := range e.Other {
		out = append(out, "also: "+o)
	}
	return out
}

// ParseXOAUTH2 reads a decoded XOAUTH2 response, as a server does:
// "user=USER ^A auth=Bearer TOKEN ^A ^A".
func ParseXOAUTH2(msg string) (user, token string, err error) {
	kv, err := oauthPairs(msg)
	if err != nil {
		return "", "", fmt.Errorf("proto: XOAUTH2 response: %w", err)
	}
	user, ok := kv["user"]
	if !ok {
		return "", "", errors.New("proto: XOAUTH2 response has no user=")
	}
	if token, err = bearer(kv); err != nil {
		return "", "", err
	}
	return user, token, nil
}

// ParseOAuthBearer reads a decoded OAUTHBEARER client response (RFC 7628
// §3.1), as a server does: the GS2 header's a= is the user.
func ParseOAuthBearer(msg string) (user, token string, err error) {
	gs2, rest, ok := strings.Cut(msg, "\x01")
	if !ok {
		return "", "", errors.New("proto: OAUTHBEARER response has no ^A after its GS2 header")
	}
	flag, authzid, ok1 := strings.Cut(gs2, ",")
	authzid, tail, ok2 := strings.Cut(authzid, ",")
	switch {
	case !ok1 || !ok2 || tail != "":
		return "", "", errors.New("proto: OAUTHBEARER GS2 header is not \"n,a=USER,\"")
	case flag != "n" && flag != "y":
		return "", "", errors.New("proto: OAUTHBEARER GS2 header asks for channel binding, which RFC 7628 does not use")
	case authzid != "" && !strings.HasPrefix(authzid, "a="):
		return "", "", errors.New("proto: OAUTHBEARER GS2 header's identity does not start with a=")
	}
	if user, err = unescapeSASLName(strings.TrimPrefix(authzid, "a=")); err != nil {
		return "", "", err
	}
	kv, err := oauthPairs(rest)
	if err != nil {
		return "", "", fmt.Errorf("proto: OAUTHBEARER response: %w", err)
	}
	if token, err = bearer(kv); err != nil {
		return "", "", err
	}
	return user, token, nil
}

// oauthPairs reads key=value pairs, each ended by ^A, the whole ended by
// one more ^A.
func oauthPairs(msg string) (map[string]string, error) {
	body, ok := strings.CutSuffix(msg, "\x01\x01")
	if !ok {
		return nil, errors.New("it does not end in ^A^A")
	}
	kv := map[string]string{}
	for pair := range strings.SplitSeq(body, "\x01") {
		k, v, ok := strings.Cut(pair, "=")
		if !ok || k == "" {
			return nil, errors.New("a field is not key=value")
		}
		kv[k] = v
	}
	return kv, nil
}

func bearer(kv map[string]string) (string, error) {
	auth, ok := kv["auth"]
	scheme, token, _ := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", errors.New("proto: OAuth response has no auth=Bearer TOKEN")
	}
	return token, nil
}
