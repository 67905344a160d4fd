package sandbox

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
)

// mechanism is one SASL mechanism; run returns the authenticated user or
// the reply that refuses, and an error only when the session must end.
type mechanism struct {
	name string
	run  func(s *session, initial string, hasInitial bool) (string, *canned, error)
}

// mechanisms lists what EHLO offers, in Postfix's order plus CRAM-MD5,
// then the modern ones: SCRAM and the OAuth bearer tokens.
func mechanisms() []mechanism {
	return []mechanism{{"PLAIN", (*session).authPlain}, {"LOGIN", (*session).authLogin}, {"CRAM-MD5", (*session).authCRAMMD5},
		{"SCRAM-SHA-256", (*session).authSCRAM}, {"XOAUTH2", (*session).authXOAUTH2}, {"OAUTHBEARER", (*session).authOAuthBearer}}
}

func authFailed(why string) *canned {
	return &canned{535, ec(5, 7, 8), "Error: authentication failed: " + why}
}

func (s *session) cmdAuth(arg string) error {
	arg = strings.TrimSpace(arg)
	name, initial := proto.SplitVerb(arg) // the mechanism ends at a space or a tab
	hasInitial := name != arg
	switch {
	case s.auth != "":
		s.reply(503, ec(5, 5, 1), "Error: already authenticated")
	case s.tx != nil:
		s.reply(503, ec(5, 5, 1), "Error: MAIL transaction in progress")
	case name == "":
		s.reply(501, ec(5, 5, 4), "Syntax: AUTH mechanism")
	default:
		return s.authenticate(strings.ToUpper(name), initial, hasInitial)
	}
	return nil
}

func (s *session) authenticate(name, initial string, hasInitial bool) error {
	for _, m := range s.srv.mechs {
		if m.name != name {
			continue
		}
		user, refusal, err := m.run(s, initial, hasInitial)
		if err != nil {
			return err
		}
		if refusal != nil {
			s.send(*refusal)
			return nil
		}
		if s.cfg.AuthFailsOnce && s.srv.firstAuth(clientIP(s.remoteAddr())) {
			s.send(*authFailed("authentication failed (scenario: the first try always fails)"))
			return nil
		}
		s.auth = user
		s.emit(EventAuth, user)
		s.reply(235, ec(2, 7, 0), "Authentication successful")
		return nil
	}
	// Postfix passes Cyrus SASL's wording through.
	s.send(*authFailed("no mechanism available"))
	return nil
}

// answer returns the client's base64 text: the initial response if one
// came with AUTH, else the reply to a 334 challenge. "*" cancels (RFC 4954 §4).
func (s *session) answer(initial string, hasInitial bool, challenge string) (string, *canned, error) {
	line := initial
	if !hasInitial {
		s.reply(334, proto.EnhancedCode{}, challenge)
		var err error
		line, err = s.readLine(canned{500, ec(5, 5, 6), "SASL response limit exceeded"})
		if err == nil {
			s.traceSecret(line)
		}
		if errors.Is(err, errLineTooLong) {
			return "", &canned{}, nil // refused already: send skips it
		} else if err != nil {
			return "", nil, err
		}
	}
	if line == "*" {
		return "", &canned{501, ec(5, 7, 0), "Authentication aborted"}, nil
	}
	return line, nil, nil
}

// ask is answer, decoded. RFC 4954 §4 says a server that cannot decode a
// response MUST reject it with 501 and 5.5.2, which we do where Postfix
// (through Cyrus) says 535.
func (s *session) ask(initial string, hasInitial bool, challenge string) (string, *canned, error) {
	b64, refusal, err := s.answer(initial, hasInitial, challenge)
	if refusal != nil || err != nil {
		return "", refusal, err
	}
	text, derr := proto.UnB64(b64)
	if derr != nil {
		return "", &canned{501, ec(5, 5, 2), "Cannot decode response"}, nil
	}
	return text, nil, nil
}

// authPlain (RFC 4616): an empty 334 asks for the response when AUTH
// carried none.
func (s *session) authPlain(initial string, hasInitial bool) (string, *canned, error) {
	b64, refusal, err := s.answer(initial, hasInitial, "")
	if refusal != nil || err != nil {
		return "", refusal, err
	}
	if _, derr := proto.UnB64(b64); derr != nil {
		return "", &canned{501, ec(5, 5, 2), "Cannot decode response"}, nil
	}
	authzid, user, pass, perr := proto.DecodePlain(b64)
	switch {
	case perr != nil:
		return "", authFailed("bad protocol / cancel"), nil
	case authzid != "" && authzid != user, !s.checkPassword(user, pass):
		return "", authFailed("authentication failure"), nil
	}
	return user, nil, nil
}

// authLogin asks "Username:" then "Password:", in base64 as Postfix does.
func (s *session) authLogin(initial string, hasInitial bool) (string, *canned, error) {
	user, refusal, err := s.ask(initial, hasInitial, proto.B64("Username:"))
	if refusal != nil || err != nil {
		return "", refusal, err
	}
	pass, refusal, err := s.ask("", false, proto.B64("Password:"))
	if refusal != nil || err != nil {
		return "", refusal, err
	}
	if !s.checkPassword(user, pass) {
		return "", authFailed("authentication failure"), nil
	}
	return user, nil, nil
}

// authCRAMMD5 (RFC 2195) builds its challenge from a counter and the
// clock, so a fixed Config.Clock gives a reproducible transcript.
func (s *session) authCRAMMD5(_ string, hasInitial bool) (string, *canned, error) {
	if hasInitial { // CRAM-MD5 starts with the server's challenge
		return "", authFailed("bad protocol / cancel"), nil
	}
	challenge := fmt.Sprintf("<%d.%d@%s>", s.srv.challenges.Add(1), s.cfg.Clock().Unix(), s.cfg.Hostname)
	resp, refusal, err := s.ask("", false, proto.B64(challenge))
	if refusal != nil || err != nil {
		return "", refusal, err
	}
	user, digest, _ := strings.Cut(resp, " ")
	pass, known := s.cfg.Users[user]
	want := proto.CRAMMD5Digest(pass, challenge)
	if !known || subtle.ConstantTimeCompare([]byte(strings.ToLower(digest)), []byte(want)) != 1 {
		return "", authFailed("authentication failure"), nil
	}
	return user, nil, nil
}

func (s *session) checkPassword(user, pass string) bool {
	want, ok := s.cfg.Users[user]
	return ok && subtle.ConstantTimeCompare([]byte(want), []byte(pass)) == 1
}
