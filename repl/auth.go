package repl

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/visible"
)

// Asker reads an answer from the person at the keyboard in the middle of
// a command. AskSecret does not echo. Both return ErrAskCancelled when the
// person pressed Ctrl-C.
type Asker interface {
	Ask(prompt string) (string, error)
	AskSecret(prompt string) (string, error)
}

var ErrAskCancelled = errors.New("cancelled")

// hiddenPassword stands on screen for a line that carries a password.
const hiddenPassword = "•••••••• (hidden: your password, base64-encoded)"

// authRun is one assisted AUTH exchange (RFC 4954): the mechanism, what
// the user has told us so far, and how many answers were sent.
type authRun struct {
	mech     string
	user     string
	pass     string
	haveUser bool
	havePass bool
	step     int
	narrate  bool // :auth explains each step; typed AUTH lets replies speak
	// scram is SCRAM's client side; verified says the server's signature
	// matched, forged that it did not.
	scram            *proto.SCRAMClient
	verified, forged bool
}

// authStep is one answer to a 334: the wire line, what to show instead of
// it when it holds a secret, and a remark printed after it was sent.
type authStep struct {
	wire, hidden, after, meaning string
}

// answerers compute the answer to a challenge per mechanism; the rest get
// the raw answer typed by the user, hidden.
var answerers = map[string]func(s *Session, a *authRun, challenge string) (authStep, error){
	"LOGIN":    answerLogin,
	"PLAIN":    answerPlain,
	"CRAM-MD5": answerCRAMMD5,
}

// maxAuthAnswers bounds :auth's answers to one exchange: SCRAM, the
// longest, needs two, LOGIN two, the others one, and a cancelled one more.
const maxAuthAnswers = 3

// narratedAnswerers answer for :auth only: a typed AUTH of these has its
// answers typed too, since the state they need (SCRAM's nonce and keys)
// is :auth's.
var narratedAnswerers = map[string]func(s *Session, a *authRun, challenge string) (authStep, error){
	"XOAUTH2":       answerOAuth,
	"OAUTHBEARER":   answerOAuth,
	"SCRAM-SHA-256": answerSCRAM,
}

// assistAuth answers 334 challenges until the server gives a final reply:
// challenges shown decoded, answers typed in plain text and sent
// base64-encoded, passwords read without echo and never shown.
// It returns the final reply.
func (s *Session) assistAuth(ctx context.Context, cmd proto.Command, r *proto.Reply) (*proto.Reply, error) {
	run := s.auth
	if run == nil {
		run = &authRun{mech: mechanismOf(cmd)}
	}
	s.auth = nil
	for r.Code == 334 {
		if run.narrate && run.step >= maxAuthAnswers {
			// No mechanism :auth drives takes this many: a server that
			// keeps asking would keep a script answering for ever.
			s.client.Close()
			return nil, fmt.Errorf("the server asked for more than %d AUTH answers, which no %s exchange needs: the connection was closed", maxAuthAnswers, run.mech)
		}
		next, err := run.answer(ctx, s, r)
		if err != nil {
			return nil, err
		}
		r = next
	}
	return r, nil
}

func mechanismOf(cmd proto.Command) string {
	mech, _ := proto.SplitVerb(cmd.Arg)
	return strings.ToUpper(mech)
}

// answer answers one 334 challenge and reads the reply.
func (run *authRun) answer(ctx context.Context, s *Session, r *proto.Reply) (*proto.Reply, error) {
	if run.step == 0 && !run.narrate {
		s.view.note(typedAuthNote(run.mech))
	}
	challenge := r.Text()
	if s.rawReply != nil && s.rawReply.Code == r.Code && len(s.rawReply.Lines) == len(r.Lines) {
		challenge = s.rawReply.Text()
	}
	step, err := run.next(s, challenge)
	if errors.Is(err, ErrAskCancelled) {
		step, err = authStep{wire: "*", after: "cancelled: \"*\" tells the server to abandon the exchange (RFC 4954 §4)"}, nil
	}
	if err != nil {
		return nil, err
	}
	if run.narrate && step.meaning != "" {
		s.authNote(fmt.Sprintf("step %d: %s", run.step+2, step.meaning))
	}
	return s.sendAnswer(ctx, run, step)
}

// typedAuthNote says how to answer after a typed AUTH: as wire lines,
// the way a script and the lessons do, except for CRAM-MD5, whose
// digest nobody computes by hand.
func typedAuthNote(mech string) string {
	if mech == "CRAM-MD5" {
		return "type the answers in plain text: smtprepl computes the digest and base64-encodes it (Ctrl-C or * cancels)"
	}
	if slices.Contains(authMechs, strings.ToLower(mech)) && mech != "PLAIN" && mech != "LOGIN" {
		return "type each answer as it goes on the wire, in base64 (Ctrl-C or * cancels); :auth " + strings.ToLower(mech) + " USER builds every step for you and explains it"
	}
	return "type each answer as it goes on the wire, in base64 (:b64 TEXT shows it; :auth does it all for you); Ctrl-C or * cancels"
}

// next computes the answer to challenge, asking the user what it needs.
// A typed AUTH takes its answers as typed (wireAnswerers); :auth builds
// them.
func (run *authRun) next(s *Session, challenge string) (authStep, error) {
	if f, ok := wireAnswerers[run.mech]; ok && !run.narrate {
		return f(s, run, challenge)
	}
	if f, ok := answerers[run.mech]; ok {
		return f(s, run, challenge)
	}
	if f, ok := narratedAnswerers[run.mech]; ok && run.narrate {
		return f(s, run, challenge)
	}
	return answerRaw(s, run, challenge)
}

func (s *Session) sendAnswer(ctx context.Context, run *authRun, step authStep) (*proto.Reply, error) {
	if step.hidden != "" {
		s.view.hideNext(step.hidden)
	}
	what := "the AUTH answer" // named by its step, never by its text
	if name := s.sec.track.SecretIn(step.wire); name != "" {
		what = "the " + name
	}
	if err := s.client.Send(step.wire); err != nil {
		return nil, fmt.Errorf("sending %s: %w", what, err)
	}
	if step.after != "" {
		s.authNote(step.after)
	}
	run.step++
	s.pendingVerb = what
	reply, err := s.readReply(ctx)
	if err != nil {
		return nil, fmt.Errorf("waiting for the reply to %s: %w", what, err)
	}
	s.noteReply("AUTH", reply)
	s.model.Feed(step.wire, reply)
	return reply, nil
}

func answerLogin(s *Session, a *authRun, challenge string) (authStep, error) {
	decoded, kind := proto.ClassifyLoginChallenge(challenge)
	if kind == proto.LoginUnknown {
		// Servers word the questions differently; the order is fixed.
		kind = []proto.LoginChallenge{proto.LoginUsername, proto.LoginPassword}[min(a.step, 1)]
	}
	// The server chose these words, and they become the input prompt.
	prompt := visible.Clip(strings.TrimSpace(s.sec.set.Scrub(decoded)), 80) + " "
	if kind == proto.LoginPassword {
		pass, err := a.password(s, promptOr(prompt, "Password: "))
		return authStep{wire: proto.B64(pass), hidden: hiddenPassword,
			meaning: "the server asks for the password: sending it base64-encoded (hidden here)"}, err
	}
	user, err := a.username(s, promptOr(prompt, "Username: "))
	return authStep{wire: proto.B64(user), after: fmt.Sprintf("base64 of %q", user),
		meaning: fmt.Sprintf("the server asks for the user name: sending base64 of %q", user)}, err
}

// promptOr keeps a challenge's own words as the prompt when it has any.
func promptOr(prompt, def string) string {
	if strings.TrimSpace(prompt) == "" {
		return def
	}
	return prompt
}

func answerPlain(s *Session, a *authRun, _ string) (authStep, error) {
	user, err := a.username(s, "Username: ")
	if err != nil {
		return authStep{}, err
	}
	pass, err := a.password(s, "Password: ")
	return authStep{
		wire:    proto.PlainResponse("", user, pass),
		hidden:  fmt.Sprintf("•••••••• (hidden: base64 of \"\\0%s\\0\" and your password)", user),
		meaning: "the server sent an empty challenge: sending base64 of NUL user NUL password (RFC 4616)",
	}, err
}

func answerCRAMMD5(s *Session, a *authRun, challenge string) (authStep, error) {
	user, err := a.username(s, "Username: ")
	if err != nil {
		return authStep{}, err
	}
	pass, err := a.password(s, "Password: ")
	if err != nil {
		return authStep{}, err
	}
	wire, err := proto.CRAMMD5Response(user, pass, challenge)
	if err != nil {
		return authStep{}, err
	}
	decoded, _ := proto.UnB64(wire)
	// Said before the answer goes: once sent, it is a secret of the
	// session, and a note quoting it would show only a marker.
	return authStep{wire: wire,
		meaning: fmt.Sprintf("the server sent a one-time challenge: answering with base64 of %q, your user name and the HMAC-MD5 of the challenge keyed with your password (RFC 2195); the password itself never crosses the wire", visible.Clip(decoded, 120)),
	}, nil
}

// wireAnswerers read a typed AUTH's answers as the wire lines they are.
var wireAnswerers = map[string]func(s *Session, a *authRun, challenge string) (authStep, error){
	"LOGIN": answerWireLogin,
	"PLAIN": answerWirePlain,
}

// answerWireLogin reads the base64 answer to a LOGIN question: the user
// name in sight, the password without echo.
func answerWireLogin(s *Session, a *authRun, challenge string) (authStep, error) {
	decoded, kind := proto.ClassifyLoginChallenge(challenge)
	if kind == proto.LoginUnknown {
		kind = []proto.LoginChallenge{proto.LoginUsername, proto.LoginPassword}[min(a.step, 1)]
	}
	prompt := strings.TrimSpace(visible.Clip(strings.TrimSpace(s.sec.set.Scrub(decoded)), 80))
	if kind == proto.LoginPassword {
		s.warnCleartext(a.mech)
		ans, err := s.ask.AskSecret(promptOr(prompt, "Password:") + " (base64, not echoed) ")
		return s.sec.wireStep(ans, hiddenPassword, false), err
	}
	ans, err := s.ask.Ask(promptOr(prompt, "Username:") + " (base64) ")
	return s.sec.wireStep(ans, "", true), err
}

// answerWirePlain reads PLAIN's base64 answer, which holds the password.
func answerWirePlain(s *Session, a *authRun, _ string) (authStep, error) {
	s.warnCleartext(a.mech)
	ans, err := s.ask.AskSecret("base64 of NUL user NUL password (not echoed; :plain builds it): ")
	return s.sec.wireStep(ans, "•••••••• (hidden: your PLAIN answer)", false), err
}

// wireStep is a typed answer as it goes out: a :b64 or :plain placeholder
// stands for what it built; the answer is shown decoded when it is no
// secret, and an answer that is not base64 is sent anyway, since the
// server's refusal is the lesson, with the reason beside it.
func (k *secretKeeper) wireStep(ans, hidden string, show bool) authStep {
	ans = strings.TrimSpace(ans)
	if v, ok := k.built[ans]; ok {
		ans = v
	}
	step := authStep{wire: ans, hidden: hidden}
	decoded, err := proto.UnB64(ans)
	switch {
	case ans == "*":
		step.after = "cancelled: \"*\" tells the server to abandon the exchange (RFC 4954 §4)"
	case err != nil && show:
		step.after = fmt.Sprintf("not base64: the server cannot decode it and will refuse it; :b64 %s shows its base64", visible.Clip(ans, 80))
	case err != nil:
		step.after = "not base64: the server cannot decode it and will refuse it; :b64 TEXT shows the base64 of TEXT"
	case show:
		step.after = `decodes to "` + visible.Clip(decoded, 80) + `"`
	}
	return step
}

// answerRaw is for mechanisms smtprepl cannot compute (XOAUTH2, SCRAM...):
// the user types the base64 answer itself, which may hold a token.
func answerRaw(s *Session, a *authRun, _ string) (authStep, error) {
	if a.step > 0 || typedAuthNote(a.mech) == typedAuthNote("") {
		s.view.note("type the answer as it goes on the wire (base64; not echoed, never kept), or * to cancel")
	}
	ans, err := s.ask.AskSecret("answer: ")
	return authStep{wire: ans, hidden: "•••••••• (hidden: your answer)"}, err
}

func (a *authRun) username(s *Session, prompt string) (string, error) {
	if !a.haveUser {
		u, err := s.ask.Ask(prompt)
		if err != nil {
			return "", err
		}
		if u == "*" {
			return "", ErrAskCancelled
		}
		a.user, a.haveUser = u, true
	}
	return a.user, nil
}

func (a *authRun) password(s *Session, prompt string) (string, error) {
	if !a.havePass {
		s.warnCleartext(a.mech)
		p, err := s.ask.AskSecret(prompt)
		if err != nil {
			return "", err
		}
		if p == "*" {
			return "", ErrAskCancelled
		}
		a.pass, a.havePass = p, true
	}
	return a.pass, nil
}

// warnCleartext says that base64 is not encryption, where that matters:
// before a password is asked for on a plaintext connection to another
// machine.
func (s *Session) warnCleartext(mech string) {
	if s.client != nil && slices.Contains([]string{"PLAIN", "LOGIN", "XOAUTH2", "OAUTHBEARER"}, mech) {
		s.warnPlaintextAuth()
	}
}

// authMechs are the mechanisms :auth can drive itself.
var authMechs = []string{"plain", "login", "cram-md5", "xoauth2", "oauthbearer", "scram-sha-256"}

// runAuth is :auth MECH USER: find the password or token, then do the
// whole exchange, saying what each step means.
func runAuth(ctx context.Context, s *Session, args string) error {
	mech, user, _ := strings.Cut(args, " ")
	mech, user = strings.ToLower(mech), strings.TrimSpace(user)
	if !slices.Contains(authMechs, mech) || user == "" {
		return errors.New("usage: :auth " + strings.Join(authMechs, "|") + " USER")
	}
	if strings.IndexFunc(user, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		// ^A separates XOAUTH2's fields and NUL PLAIN's: a user name
		// holding one would rewrite the response.
		return errors.New(":auth: the user name holds a control character, which no AUTH response can carry")
	}
	if !s.cfg.AuthSecret.Given() && s.ask == nil {
		return scriptMistake{error: errNoSecret}
	}
	mech = strings.ToUpper(mech)
	if err := s.authReady(mech); err != nil {
		return err
	}
	s.warnCleartext(mech)
	pass, err := s.authSecret(user, secretWord(mech))
	if err != nil {
		return err
	}
	run := &authRun{mech: mech, user: user, pass: pass, haveUser: true, havePass: true, narrate: true}
	first, err := run.firstLine(s)
	if err != nil {
		return scriptMistake{error: err}
	}
	s.auth = run
	defer func() { s.auth = nil }()
	if err := s.command(ctx, first); err != nil {
		return err
	}
	return run.verdict(s)
}

// authReady refuses :auth where it cannot work, and says why.
func (s *Session) authReady(mech string) error {
	if err := s.requireConn(); err != nil {
		return err
	}
	if s.model.State().Hello == "" {
		return errors.New("say EHLO first: AUTH is an ESMTP extension (RFC 4954)")
	}
	if s.guard.refuses(s.cfg, s.client) {
		return errCredentialsWithheld
	}
	if offered := s.model.Capabilities().AuthMechanisms(); !slices.Contains(offered, mech) {
		s.authWarn(fmt.Sprintf("the server did not offer %s (it offers %s); trying anyway, its reply is the lesson", mech, orNone(offered)))
	}
	return nil
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "no mechanism at all"
	}
	return strings.Join(list, " ")
}

// firstLine is the AUTH command :auth sends. PLAIN, the OAuth
// mechanisms and SCRAM carry their first response in it (RFC 4954 §4
// initial response); the secret ones are hidden on screen.
func (a *authRun) firstLine(s *Session) (string, error) {
	if f, ok := firstLines[a.mech]; ok {
		return f(s, a)
	}
	s.authNote(fmt.Sprintf("step 1: AUTH %s: the server answers with 334 challenges, one per question", a.mech))
	return "AUTH " + a.mech, nil
}

var firstLines = map[string]func(s *Session, a *authRun) (string, error){
	"PLAIN":         firstPlain,
	"XOAUTH2":       firstXOAUTH2,
	"OAUTHBEARER":   firstOAuthBearer,
	"SCRAM-SHA-256": firstSCRAM,
}

func firstPlain(s *Session, a *authRun) (string, error) {
	s.authNote("step 1: AUTH PLAIN with an initial response: base64 of NUL user NUL password in the same line (RFC 4616), so there is no 334 at all")
	s.view.hideNext(fmt.Sprintf("AUTH PLAIN •••••••• (hidden: base64 of \"\\0%s\\0\" and your password)", a.user))
	return "AUTH PLAIN " + proto.PlainResponse("", a.user, a.pass), nil
}

// authNote explains a step of :auth: a note in the shell, a comment in a
// script's transcript, where :auth's exchange would otherwise go
// unexplained (a typed AUTH's lines speak for themselves).
func (s *Session) authNote(text string) {
	if s.ask == nil {
		s.view.output(text)
		return
	}
	s.view.note(text)
}
