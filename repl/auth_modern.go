package repl

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/visible"
)

// The mechanisms of today's providers: the OAuth bearer-token ones
// (XOAUTH2, OAUTHBEARER, RFC 7628) and SCRAM-SHA-256 (RFC 7677), each
// driven by :auth and explained step by step.

func firstXOAUTH2(s *Session, a *authRun) (string, error) {
	s.authNote("step 1: AUTH XOAUTH2 with an initial response: base64 of \"user=USER ^A auth=Bearer TOKEN ^A ^A\" (Google's and Microsoft's layout); the token stands in for the password")
	s.view.hideNext(fmt.Sprintf("AUTH XOAUTH2 •••••••• (hidden: base64 of \"user=%s\\x01auth=Bearer \" and your token)", visible.Clip(a.user, 80)))
	return "AUTH XOAUTH2 " + proto.XOAUTH2Response(a.user, a.pass), nil
}

func firstOAuthBearer(s *Session, a *authRun) (string, error) {
	host, port := serverHostPort(s.client)
	s.authNote("step 1: AUTH OAUTHBEARER with an initial response (RFC 7628 §3.1): base64 of the GS2 header \"n,a=USER,\", then ^A-separated host=, port= and auth=Bearer TOKEN, ending in ^A^A")
	s.view.hideNext(fmt.Sprintf("AUTH OAUTHBEARER •••••••• (hidden: base64 of \"n,a=%s,\\x01host=%s\\x01port=%d\\x01auth=Bearer \" and your token)",
		visible.Clip(proto.SASLName(a.user), 80), visible.Clip(host, 80), port))
	return "AUTH OAUTHBEARER " + proto.OAuthBearerResponse(a.user, host, port, a.pass), nil
}

// serverHostPort is the server's host and port as OAUTHBEARER names them;
// none for a Unix socket.
func serverHostPort(c *proto.Client) (string, int) {
	if c == nil {
		return "", 0
	}
	host, p, err := net.SplitHostPort(c.Addr())
	if err != nil {
		return "", 0
	}
	port, _ := strconv.Atoi(p)
	return host, port
}

// answerOAuth answers the one 334 an OAuth mechanism gets: the server's
// JSON error, decoded and explained, then the response that ends the
// exchange so the server can say its final no.
func answerOAuth(s *Session, a *authRun, challenge string) (authStep, error) {
	final := proto.OAuthFinalResponses[a.mech]
	e, err := proto.ParseOAuthError(challenge)
	if e == nil {
		s.authNote(s.outside(fmt.Sprintf("the server refused the token, but its 334 is not the JSON error RFC 7628 §3.2.2 describes (%s)", errText(err))))
	} else {
		s.authNote("the server refused the token; its 334 is a JSON error, decoded:")
		for _, line := range e.Explain() {
			s.authNote(s.outside("  " + line))
		}
	}
	how := "an empty line"
	if final != "" {
		how = fmt.Sprintf("%q (base64 of a lone ^A, RFC 7628 §3.2.3)", final)
	}
	return authStep{wire: final,
		meaning: fmt.Sprintf("%s must finish the exchange before the server gives its final reply: sending %s", a.mech, how),
	}, nil
}

// outside escapes and bounds a sentence that quotes the server, and cuts
// out the session's secrets, which a server may echo.
func (s *Session) outside(text string) string {
	return visible.TextClip(s.sec.set.Scrub(text), 400)
}

func firstSCRAM(s *Session, a *authRun) (string, error) {
	c, err := proto.NewSCRAMClient(a.user, a.pass, s.cfg.SCRAMNonce)
	if err != nil {
		return "", err
	}
	a.scram = c
	s.authNote(s.outside(fmt.Sprintf("step 1: AUTH SCRAM-SHA-256 with the client-first-message as initial response: %q = \"n,,\" (no channel binding, no other identity), n= the user name, r= a random nonce of ours (RFC 5802 §5.1)", c.First())))
	return "AUTH SCRAM-SHA-256 " + proto.B64(c.First()), nil
}

// answerSCRAM answers SCRAM's two challenges: the server-first-message
// with the proof, and the server-final-message, whose signature is
// checked, with the empty response that ends the exchange.
func answerSCRAM(s *Session, a *authRun, challenge string) (authStep, error) {
	msg, err := proto.UnB64(challenge)
	if err != nil {
		return authStep{wire: "*", after: "the challenge is not base64: cancelled with \"*\""}, nil
	}
	if a.scram == nil {
		return authStep{wire: "*", after: "no SCRAM exchange under way: cancelled with \"*\""}, nil
	}
	if a.step == 0 {
		return scramFinal(s, a, msg)
	}
	return scramVerify(s, a, msg)
}

func scramFinal(s *Session, a *authRun, msg string) (authStep, error) {
	s.authNote(s.outside(fmt.Sprintf("server-first-message, decoded: %q", msg)))
	final, sf, err := a.scram.Final(msg)
	if err != nil {
		s.authNote(s.outside("it cannot be answered: " + errText(err)))
		return authStep{wire: "*", after: "cancelled with \"*\" (RFC 4954 §4)"}, nil
	}
	s.authNote("  r= is our nonce with the server's own part appended (checked: it starts with ours, so the message is fresh)")
	s.authNote(fmt.Sprintf("  s= is the salt (%d bytes) and i=%d the iteration count: SaltedPassword = PBKDF2-HMAC-SHA-256(password, salt, %d)", len(sf.Salt), sf.Iterations, sf.Iterations))
	s.authNote("  ClientKey = HMAC(SaltedPassword, \"Client Key\"), StoredKey = SHA-256(ClientKey): the server keeps StoredKey, never the password")
	s.authNote("  AuthMessage = client-first-bare , server-first , client-final-without-proof: both sides sign the whole conversation")
	noProof, proof, _ := strings.Cut(final, ",p=")
	return authStep{wire: proto.B64(final),
		meaning: s.outside(fmt.Sprintf("client-final-message \"%s,p=%s…\": c=biws is base64 of \"n,,\" again, r= the joint nonce, p= the proof, ClientKey XOR HMAC(StoredKey, AuthMessage): it shows we know the password without sending it", noProof, proof[:min(8, len(proof))])),
	}, nil
}

func scramVerify(s *Session, a *authRun, msg string) (authStep, error) {
	s.authNote(s.outside(fmt.Sprintf("server-final-message, decoded: %q", msg)))
	err := a.scram.Verify(msg)
	var se *proto.SCRAMServerError
	switch {
	case err == nil:
		a.verified = true
		return authStep{wire: "",
			meaning: "v= is HMAC(ServerKey, AuthMessage) and matches ours: the server knows the password's keys, so it is the server the account was set up with; an empty line ends the exchange",
		}, nil
	case errors.As(err, &se):
		s.authNote(s.outside(fmt.Sprintf("e=%s: the server refuses, and says why (RFC 5802 §7)", se.Value)))
	case errors.Is(err, proto.ErrSCRAMServerSignature):
		a.forged = true
		s.authWarn("THE SERVER'S SIGNATURE DOES NOT MATCH: this server does not know the password, or it is an impostor. Cancelling.")
	default:
		s.authNote(s.outside(errText(err)))
	}
	return authStep{wire: "*", after: "cancelled with \"*\" (RFC 4954 §4)"}, nil
}

// verdict is said once :auth's exchange is over: a SCRAM server that did
// not prove itself is an error, loudly, for the shell and a script alike.
func (a *authRun) verdict(s *Session) error {
	switch {
	case a.forged:
		s.failed = true
		return errors.New(strings.TrimPrefix(proto.ErrSCRAMServerSignature.Error(), "proto: ") + "; the exchange was cancelled")
	case a.scram != nil && !a.verified && s.lastReply != nil && s.lastReply.Code == 235:
		s.authWarn("the server said 235 without sending its signature (v=): it never proved it knows the password")
	}
	if r := s.lastReply; r != nil && r.Failed() && s.ask == nil && s.errOut != nil && !s.sending {
		// A script's transcript shows the reply; whoever runs it sees this.
		fmt.Fprintf(s.errOut, "smtprepl: :auth %s %s: the server refused the login: %s\n",
			strings.ToLower(a.mech), visible.Clip(a.user, 100), visible.Clip(s.sec.set.Scrub(strings.Join(r.Raw, " / ")), 300))
	}
	return nil
}

// authWarn is a warning of :auth, in the shell and in a script's output.
func (s *Session) authWarn(text string) {
	if s.ask == nil {
		s.view.output("WARNING: " + text)
		return
	}
	s.view.warn(text)
}

// errText is a proto error as a sentence: without the package's prefixes.
func errText(err error) string { return strings.ReplaceAll(err.Error(), "proto: ", "") }
