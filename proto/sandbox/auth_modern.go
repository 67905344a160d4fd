package sandbox

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strconv"

	"github.com/smtprepl/smtprepl/proto"
)

// PracticeToken is the bearer token the sandbox takes for XOAUTH2 and
// OAUTHBEARER, for every user in Config.Users, so the OAuth mechanisms
// can be tried without a provider.
const PracticeToken = "smtprepl-practice-token"

// scramIterations is RFC 7677's minimum, and what Cyrus SASL asks.
const scramIterations = 4096

// oauthError is the JSON error challenge of RFC 7628 §3.2.2.
var oauthError = proto.B64(`{"status":"invalid_token","schemes":"bearer","scope":"https://mail.smtprepl.test/"}`)

func (s *session) authXOAUTH2(initial string, hasInitial bool) (string, *canned, error) {
	return s.authOAuth(initial, hasInitial, proto.ParseXOAUTH2)
}

func (s *session) authOAuthBearer(initial string, hasInitial bool) (string, *canned, error) {
	return s.authOAuth(initial, hasInitial, proto.ParseOAuthBearer)
}

// authOAuth checks a bearer token. A wrong one gets the JSON error as a
// 334, and the exchange ends only after the client answered it (RFC 7628
// §3.2.3), with 535 whatever the answer.
func (s *session) authOAuth(initial string, hasInitial bool, parse func(string) (string, string, error)) (string, *canned, error) {
	resp, refusal, err := s.ask(initial, hasInitial, "")
	if refusal != nil || err != nil {
		return "", refusal, err
	}
	user, token, perr := parse(resp)
	_, known := s.cfg.Users[user]
	if perr == nil && known && subtle.ConstantTimeCompare([]byte(token), []byte(PracticeToken)) == 1 {
		return user, nil, nil
	}
	if _, refusal, err := s.answer("", false, oauthError); refusal != nil || err != nil {
		return "", refusal, err
	}
	return "", authFailed("authentication failure"), nil
}

// authSCRAM is SCRAM-SHA-256's server side (RFC 5802, RFC 7677): the
// salt and StoredKey are derived from Config.Users' passwords as a real
// server would have stored them.
func (s *session) authSCRAM(initial string, hasInitial bool) (string, *canned, error) {
	first, refusal, err := s.ask(initial, hasInitial, "")
	if refusal != nil || err != nil {
		return "", refusal, err
	}
	cf, perr := proto.ParseSCRAMClientFirst(first)
	if perr != nil {
		return "", authFailed("bad protocol / cancel"), nil
	}
	pass, known := s.cfg.Users[cf.User]
	salt := scramSalt(s.cfg.Hostname, cf.User)
	// An unknown user gets a challenge like any other: the reply to the
	// proof is the first to say no, so names cannot be probed.
	nonce := cf.Nonce + s.scramNonce()
	serverFirst := "r=" + nonce + ",s=" + base64.StdEncoding.EncodeToString(salt) + ",i=" + strconv.Itoa(scramIterations)
	final, refusal, err := s.ask("", false, proto.B64(serverFirst))
	if refusal != nil || err != nil {
		return "", refusal, err
	}
	fin, perr := proto.ParseSCRAMClientFinal(final)
	keys, kerr := proto.DeriveSCRAMKeys(pass, salt, scramIterations)
	authMessage := proto.SCRAMAuthMessage(cf.Bare, serverFirst, fin.WithoutProof)
	gs2 := first[:len(first)-len(cf.Bare)] // channel binding repeats it
	if perr != nil || kerr != nil || !known || fin.Nonce != nonce || fin.Binding != proto.B64(gs2) ||
		!proto.CheckSCRAMProof(keys.Stored, authMessage, fin.Proof) {
		return "", authFailed("authentication failure"), nil
	}
	sig := "v=" + base64.StdEncoding.EncodeToString(keys.ServerSignature(authMessage))
	if _, refusal, err := s.answer("", false, proto.B64(sig)); refusal != nil || err != nil {
		return "", refusal, err
	}
	return cf.User, nil, nil
}

// scramSalt is a user's salt: fixed per server and user, as a password
// database keeps it.
func scramSalt(host, user string) []byte {
	h := sha256.Sum256([]byte("smtprepl sandbox SCRAM salt\x00" + host + "\x00" + user))
	return h[:16]
}

// scramNonce is the server's part of the nonce.
func (s *session) scramNonce() string {
	if s.cfg.SCRAMNonce != nil {
		return s.cfg.SCRAMNonce()
	}
	return rand.Text()
}
