package transcripts

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/smtprepl/smtprepl/proto/visible"
)

// MockUser is the one user a mock with [MockConfig.User] accepts.
type MockUser struct {
	Name, Secret string
}

// errAuth says why a SASL exchange did not authenticate; the mock answers
// it with code and reports it as a deviation, naming the mechanism and
// never the secret.
type errAuth struct {
	code, why string
}

// authOK answers good credentials when the recording has no final reply.
const authOK = "235 2.7.0 Authentication successful"

var (
	authWrong     = &errAuth{"535 5.7.8 Error: authentication failed", "wrong credentials"}
	authCancelled = &errAuth{"501 5.7.0 Authentication cancelled", "the client cancelled"}
	authGarbled   = &errAuth{"501 5.5.2 Cannot decode the response", "an answer that is not base64"}
	authUnknown   = &errAuth{"504 5.5.4 Unrecognized authentication type", "a mechanism the mock does not check (PLAIN, LOGIN, CRAM-MD5)"}
)

// authenticate answers an AUTH itself, for [MockConfig.User]: it runs
// the client's mechanism (PLAIN, LOGIN or CRAM-MD5, with a fresh random
// challenge) and checks the credentials. The recorded exchange, its 334s
// and the client's recorded answers, is skipped; its final reply is sent
// when the credentials check, and "535 5.7.8" when they do not.
func (s *mockSession) authenticate(st step, line string) error {
	_, args := cutField(trimEOL(line))
	mech, initial := cutField(args)
	mech, initial = strings.ToUpper(mech), strings.TrimSpace(initial)
	s.authMech = mech
	final := s.authFinal
	if final == nil { // not a second try after a refusal
		s.authStep = s.i + 1
		if want := recordedMech(st.cmd); want != "" && want != mech {
			s.note("step %d: AUTH %s, recorded AUTH %s", s.i+1, visible.Clip(mech, maxShown), visible.Clip(want, maxShown))
		}
		var err error
		if final, err = s.skipAuth(st); err != nil {
			return err
		}
	}
	user, fail, err := s.sasl(mech, initial)
	if err != nil || s.closed {
		return err
	}
	// A recording that ends inside its AUTH does not say: take it as one
	// that accepted the right credentials.
	recordedOK := len(final) == 0 || strings.HasPrefix(lineText(final[0]), "2")
	s.authFinal = nil
	switch {
	case fail != nil && recordedOK:
		s.deviate("step %d: AUTH %s: %s", s.authStep, visible.Clip(mech, maxShown), fail.why)
		// The recording stays after its AUTH: a client may try again,
		// as smtplib does with its next mechanism.
		s.authFinal = final
		return s.reply([]Entry{{Kind: Server, Text: fail.code}})
	case fail == nil && !recordedOK:
		s.note("step %d: AUTH %s: the credentials are right, but the recording refused them", s.authStep, visible.Clip(mech, maxShown))
	case fail == nil:
		s.authUser = user
	}
	if len(final) == 0 { // the recording ends inside its AUTH exchange
		final = []Entry{{Kind: Server, Text: authOK}}
		if fail != nil {
			final[0].Text = fail.code
		}
	}
	return s.reply(final)
}

// recordedMech is the mechanism of a recorded AUTH line.
func recordedMech(cmd Entry) string {
	_, args := cutField(lineText(cmd))
	mech, _ := cutField(args)
	return strings.ToUpper(mech)
}

// skipAuth moves past the recorded AUTH exchange and returns its final
// reply: the recorded challenges and answers are the recording's, not
// this client's.
func (s *mockSession) skipAuth(st step) ([]Entry, error) {
	s.advance()
	for parseReplyLine(lineText(firstLine(st.reply))).code == 334 {
		next, err := s.steps.next()
		if err != nil {
			return nil, fmt.Errorf("reading the recording: %w", err)
		}
		if next == nil {
			return nil, nil
		}
		st = *next
		s.advance()
	}
	return played(st), nil
}

func firstLine(reply []Entry) Entry {
	if len(reply) == 0 {
		return Entry{}
	}
	return reply[0]
}

// sasl runs one mechanism with the client; fail says why it did not
// authenticate, err that the connection failed.
func (s *mockSession) sasl(mech, initial string) (user string, fail *errAuth, err error) {
	want := s.m.cfg.User
	switch mech {
	case "PLAIN":
		resp, fail, err := s.saslAnswer(initial, "")
		if fail != nil || err != nil {
			return "", fail, err
		}
		parts := strings.Split(resp, "\x00")
		if len(parts) != 3 || !same(parts[1], want.Name) || !same(parts[2], want.Secret) {
			return "", authWrong, nil
		}
		return parts[1], nil, nil
	case "LOGIN":
		name, fail, err := s.saslAnswer(initial, "Username:")
		if fail != nil || err != nil {
			return "", fail, err
		}
		pass, fail, err := s.saslAnswer("", "Password:")
		if fail != nil || err != nil {
			return "", fail, err
		}
		if !same(name, want.Name) || !same(pass, want.Secret) {
			return "", authWrong, nil
		}
		return name, nil, nil
	case "CRAM-MD5":
		return s.cramMD5(initial)
	}
	return "", authUnknown, nil
}

// cramMD5 sends a challenge never sent before (RFC 2195) and checks the
// keyed digest of it.
func (s *mockSession) cramMD5(initial string) (string, *errAuth, error) {
	if initial != "" {
		return "", authGarbled, nil // CRAM-MD5 has no initial response
	}
	var nonce [12]byte
	rand.Read(nonce[:])
	challenge := fmt.Sprintf("<%s.%d@smtprepl.mock>", hex.EncodeToString(nonce[:]), time.Now().Unix())
	resp, fail, err := s.saslAnswer("", challenge)
	if fail != nil || err != nil {
		return "", fail, err
	}
	user, digest, ok := strings.Cut(resp, " ")
	mac := hmac.New(md5.New, []byte(s.m.cfg.User.Secret))
	mac.Write([]byte(challenge))
	if !ok || !same(user, s.m.cfg.User.Name) || !same(digest, hex.EncodeToString(mac.Sum(nil))) {
		return "", authWrong, nil
	}
	return user, nil, nil
}

// saslAnswer is the client's answer, decoded: the initial response when
// there is one, else the answer to a 334 carrying challenge.
func (s *mockSession) saslAnswer(initial, challenge string) (string, *errAuth, error) {
	answer := initial
	if answer == "" {
		// An empty challenge is "334 " with its space (RFC 4954 section 4).
		ask := Entry{Kind: Server, Text: "334 " + base64.StdEncoding.EncodeToString([]byte(challenge)) + "\r\n", Exact: true}
		if err := s.reply([]Entry{ask}); err != nil {
			return "", nil, err
		}
		line, err := s.readLine()
		if err != nil || s.closed {
			return "", nil, err
		}
		s.red.client(string(line))
		answer = trimEOL(string(line))
	}
	switch answer {
	case "*":
		return "", authCancelled, nil
	case "=":
		return "", nil, nil // an empty initial response (RFC 4954 section 4)
	}
	b, err := base64.StdEncoding.DecodeString(answer)
	if err != nil {
		return "", authGarbled, nil
	}
	return string(b), nil, nil
}

// same compares in constant time, so that a client cannot time its way
// to the secret.
func same(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
