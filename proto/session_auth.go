package proto

import "strings"

// authState follows AUTH (RFC 4954). Of the lines it sees it keeps the
// user name alone: never a password, a token or a digest.
type authState struct {
	done    bool   // a 235 came
	user    string // the user name the accepted exchange carried
	mech    string // the exchange under way, as typed
	pending string // the user name the exchange under way carried so far
	askUser bool   // the last LOGIN challenge asked for the user name
	answers int    // responses sent in the exchange under way
}

// afterAUTH starts an exchange: its initial response may carry the user
// name (RFC 4954 §4).
func afterAUTH(s *Session, line string, r *Reply) {
	_, args := SplitVerb(line)
	mech, ir := SplitVerb(args)
	// Copies: a slice would keep the whole line, secret and all, alive.
	s.auth.mech, s.auth.pending, s.auth.answers, s.auth.askUser = strings.Clone(mech), "", 0, true
	if ir = strings.TrimSpace(ir); ir != "" {
		s.auth.pending = userIn(mech, ir, true)
		s.auth.answers = 1
	}
	s.authReply(r)
}

// feedAnswer takes the reply to an answer sent after a 334.
func (s *Session) feedAnswer(line string, r *Reply) {
	if u := userIn(s.auth.mech, line, s.auth.askUser); u != "" {
		s.auth.pending = u
	}
	s.auth.answers++
	s.authReply(r)
}

// authReply: 334 asks for an answer; any other reply ends the exchange,
// and answer lines the client still holds belong to it.
func (s *Session) authReply(r *Reply) {
	if r.Code == 334 {
		if s.phase != PhaseAuth {
			s.resume, s.phase = s.phase, PhaseAuth
		}
		s.auth.askUser = asksUser(s.auth.mech, r, s.auth.answers)
		return
	}
	if r.Code == 235 {
		s.auth.done, s.auth.user = true, s.auth.pending
	}
	if s.phase == PhaseAuth {
		s.phase = s.resume
	}
	s.auth.mech, s.auth.pending, s.auth.answers = "", "", 0
	s.skip = skipAnswers
}

// asksUser reports whether a LOGIN challenge asks for the user name: by
// its words, else by its order (the name comes first).
func asksUser(mech string, r *Reply, answers int) bool {
	if !strings.EqualFold(mech, "LOGIN") || len(r.Lines) == 0 {
		return false
	}
	switch _, kind := ClassifyLoginChallenge(r.Lines[0]); kind {
	case LoginUsername:
		return true
	case LoginPassword:
		return false
	}
	return answers == 0
}

// userIn is the user name a response carries: PLAIN's authcid (RFC 4616),
// LOGIN's answer to the name question, CRAM-MD5's first word (RFC 2195);
// "" for anything else. The rest of the response is dropped here.
func userIn(mech, response string, askUser bool) string {
	switch {
	case strings.EqualFold(mech, "PLAIN"):
		_, user, _, err := DecodePlain(response)
		if err == nil {
			return strings.Clone(user) // not a slice of the password's string
		}
	case strings.EqualFold(mech, "LOGIN") && askUser:
		if user, err := UnB64(response); err == nil {
			return user
		}
	case strings.EqualFold(mech, "CRAM-MD5"):
		if decoded, err := UnB64(response); err == nil {
			user, _, _ := strings.Cut(decoded, " ")
			return strings.Clone(user)
		}
	case strings.EqualFold(mech, "XOAUTH2"), strings.EqualFold(mech, "OAUTHBEARER"):
		return oauthUser(mech, response)
	case strings.HasPrefix(strings.ToUpper(mech), "SCRAM-"):
		// Only the client-first-message names the user; later ones fail
		// to parse as one and say nothing.
		if decoded, err := UnB64(response); err == nil {
			if cf, err := ParseSCRAMClientFirst(decoded); err == nil {
				return strings.Clone(cf.User)
			}
		}
	}
	return ""
}

// oauthUser is the user an XOAUTH2 or OAUTHBEARER response names; the
// token is dropped.
func oauthUser(mech, response string) string {
	decoded, err := UnB64(response)
	if err != nil {
		return ""
	}
	parse := ParseXOAUTH2
	if strings.EqualFold(mech, "OAUTHBEARER") {
		parse = ParseOAuthBearer
	}
	if user, _, err := parse(decoded); err == nil {
		return strings.Clone(user)
	}
	return ""
}
