package repl

import (
	"errors"
	"strings"
)

// Secret is a password or bearer token given before the session starts:
// read from the environment or a file by the command line's flags, so that
// :auth needs no terminal to ask at, and never from the command line
// itself, where ps and shell history would show it. The zero Secret is
// none: :auth asks at the terminal, and a script fails.
type Secret struct {
	value string
	from  string
}

// NewSecret is value, found where from says ("--auth-password-env
// MAIL_PASS"), for messages.
func NewSecret(value, from string) Secret { return Secret{value: value, from: from} }

// Given reports whether a secret was given.
func (s Secret) Given() bool { return s.value != "" }

// From says where the secret came from.
func (s Secret) From() string { return s.from }

// String keeps the secret out of any %v or %s of a Config.
func (s Secret) String() string {
	if s.Given() {
		return "<redacted: secret from " + s.from + ">"
	}
	return "<no secret>"
}

// GoString keeps it out of %#v too.
func (s Secret) GoString() string { return s.String() }

// errNoSecret is :auth in a script that was given no secret: nobody is at
// a terminal to be asked.
var errNoSecret = errors.New(":auth needs the password (or token), and a script has no terminal to ask at: give it with --auth-password-env VAR, --auth-password-file FILE, or the SMTPREPL_PASSWORD environment variable")

// authSecret is the password or token for :auth: the one given, else
// asked for without echo (runAuth made sure someone can be asked).
// Either way it becomes a secret of the session, scrubbed in every
// encoding from anything a server echoes.
func (s *Session) authSecret(user, word string) (string, error) {
	pass := s.cfg.AuthSecret.value
	if s.cfg.AuthSecret.Given() {
		s.authNote("the " + word + " comes from " + s.cfg.AuthSecret.from + " (never shown)")
	} else {
		var err error
		if pass, err = s.ask.AskSecret(capitalise(word) + " for " + user + ": "); err != nil {
			return "", err
		}
	}
	s.sec.set.Add("your "+word, pass)
	return pass, nil
}

// secretWord names what a mechanism needs: a token for the OAuth ones.
func secretWord(mech string) string {
	if mech == "XOAUTH2" || mech == "OAUTHBEARER" {
		return "token"
	}
	return "password"
}

func capitalise(w string) string { return strings.ToUpper(w[:1]) + w[1:] }
