package repl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/visible"
	"github.com/smtprepl/smtprepl/transcripts"
)

// secretSharer is a view that writes a transcript: it scrubs with the
// session's secrets and learns into them.
type secretSharer interface {
	useSecrets(set *transcripts.Secrets)
}

// secretKeeper is what the session knows of the AUTH secrets it sent:
// every form a server could echo (set), the tracker that learns them from
// the wire, and what :b64 and :plain built, by placeholder.
type secretKeeper struct {
	set   *transcripts.Secrets
	track *transcripts.Tracker
	built map[string]string
}

func newSecretKeeper() secretKeeper {
	set := &transcripts.Secrets{}
	return secretKeeper{set: set, track: transcripts.NewTracker(set), built: map[string]string{}}
}

// learnAndScrub follows a tapped line for secrets and returns it with
// every known secret cut out of what the server said: a server may echo
// the credentials, and what it says reaches the screen and recordings.
func (k *secretKeeper) learnAndScrub(l proto.TapLine) proto.TapLine {
	switch l.Kind {
	case proto.Sent:
		k.track.Client(l.Data)
		return l
	case proto.Received:
		k.track.Server(l.Data)
	}
	l.Data = k.set.ScrubBytes(l.Data)
	return l
}

// scrubReply is the reply as the view may show it.
func (k *secretKeeper) scrubReply(r *proto.Reply) *proto.Reply {
	if k.set.Empty() {
		return r
	}
	raw := strings.Join(r.Raw, "\n")
	if k.set.Scrub(raw) == raw {
		return r
	}
	c := *r
	c.Raw, c.Lines = k.scrubAll(r.Raw), k.scrubAll(r.Lines)
	return &c
}

func (k *secretKeeper) scrubAll(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = k.set.Scrub(l)
	}
	return out
}

// ScrubError returns err with the session's secrets cut out of its
// sentence (a malformed reply is quoted in it, and may echo them).
func (s *Session) ScrubError(err error) error { return s.sec.set.ScrubError(err) }

// authGuard is what the session decided about credentials on this
// connection.
type authGuard struct {
	// refusedBy is the server that answered STARTTLS with something other
	// than 220: reconnecting to it does not make credentials safe.
	refusedBy string
	warned    bool // the cleartext warning was given for this exchange
	// answersOver says why a line that is not a command is taken for an
	// AUTH answer nobody asks for, and skipped: the exchange is over, or
	// its AUTH was withheld. Sent as a command, a base64 answer would put
	// a password on the wire, and in the server's "500 unknown command"
	// echo. The next command ends it.
	answersOver string
	withheld    int // lines withheld for want of TLS in the whole session
}

// guardAuth decides whether an AUTH command, or a line after a withheld
// one, may go out; send is false when the line was withheld.
func (s *Session) guardAuth(cmd proto.Command, line string) (send bool, err error) {
	if cmd.Verb != "AUTH" {
		return true, nil
	}
	if s.guard.refuses(s.cfg, s.client) {
		s.guard.answersOver = "the AUTH line above was not sent"
		return false, s.withhold(authShown(cmd, "<redacted: initial response>"), s.guard.reason(s.client))
	}
	s.warnPlaintextAuth()
	if name := s.sec.track.SecretIn(line); name != "" && s.auth == nil {
		// Typed, the line is on screen once already; once is enough.
		s.view.hideNext(authShown(cmd, "••••••••") + " (hidden: " + name + ")")
	}
	return true, nil
}

// skipsAnswer skips a line that is not a command (isScriptCommand) while
// answers are over: it is an AUTH answer the server no longer asks for,
// pasted or written after the exchange. A command ends that state.
func (s *Session) skipsAnswer(line string) bool {
	switch {
	case s.guard.answersOver == "":
		return false
	case isScriptCommand(line):
		s.guard.answersOver = ""
		return false
	}
	s.failed = true // a line the user gave was not sent
	s.view.output("skipped, not sent: <redacted: AUTH answer> (" + s.guard.answersOver + ")")
	return true
}

// startsAuth reports whether a script line is an AUTH command or an
// answer the server waits for: such lines never share a pipelined batch,
// so each is checked before it goes out and named in its own messages.
func (s *scriptRun) startsAuth(line string) bool {
	return verbOf(line) == "AUTH" || s.model.State().InAuth()
}

// authShown is an AUTH command as it may be shown: its initial response,
// if any, replaced by mask, and its mechanism, which a script or a paste
// wrote, escaped and bounded.
func authShown(cmd proto.Command, mask string) string {
	mech, ir := proto.SplitVerb(cmd.Arg)
	mech = visible.Clip(mech, 40)
	if strings.TrimSpace(ir) == "" {
		return "AUTH " + mech
	}
	return "AUTH " + mech + " " + mask
}

// refuses reports whether credentials must not go out on c: the user
// wanted TLS (--starttls, or a STARTTLS that was refused) and the
// connection is still plaintext.
func (g *authGuard) refuses(cfg Config, c *proto.Client) bool {
	if cfg.AllowPlaintextAuth || c.TLS() != nil {
		return false
	}
	return cfg.StartTLS || g.refusedBy == c.Addr()
}

// newConnection is the guard for a new connection: only what a server
// refused is remembered.
func (g authGuard) newConnection() authGuard {
	return authGuard{refusedBy: g.refusedBy, withheld: g.withheld}
}

// reason says why credentials wait on c: which TLS was wanted.
func (g *authGuard) reason(c *proto.Client) string {
	if g.refusedBy == c.Addr() {
		return "STARTTLS was refused, so the connection is not encrypted; --allow-plaintext-auth sends it anyway"
	}
	return "--starttls was asked for and the connection is not encrypted; --allow-plaintext-auth sends it anyway"
}

var errCredentialsWithheld = errors.New("credentials were not sent: TLS was asked for (--starttls or STARTTLS) and the connection is not encrypted; --allow-plaintext-auth sends them anyway")

// withhold skips one line of an AUTH exchange: in a script it is shown as
// a comment and the script goes on; in the shell it is an error.
func (s *Session) withhold(shown, why string) error {
	s.guard.withheld++
	if s.ask != nil {
		return errCredentialsWithheld
	}
	s.view.output("skipped, not sent: " + shown + " (" + why + ")")
	return nil
}

// CredentialsWithheld says, once a script is over, that AUTH lines were
// withheld, or nil.
func (s *Session) CredentialsWithheld() error {
	if s.guard.withheld == 0 {
		return nil
	}
	return errCredentialsWithheld
}

// warnPlaintextAuth warns, once per exchange, before credentials go out
// over a plaintext connection to another machine: on the screen in the
// shell, on stderr in a script. Loopback stays quiet: nothing crosses a
// network.
func (s *Session) warnPlaintextAuth() {
	if s.guard.warned || s.client.TLS() != nil || isLoopback(s.client) {
		return
	}
	s.guard.warned = true
	if s.ask != nil {
		s.view.warn(cleartextWarning)
		return
	}
	fmt.Fprintf(s.errOut, "smtprepl: warning: sending AUTH credentials to %s over a connection that is not encrypted: anyone on the path can read them (STARTTLS first, or --tls)\n", s.client.Addr())
}

const cleartextWarning = "this connection is not encrypted: what AUTH sends next can be read by anyone listening, since base64 is an encoding, not a cipher (STARTTLS first on a real server)"

// isLoopback reports whether c's server is on this machine.
func isLoopback(c *proto.Client) bool {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return a.IP.IsLoopback()
	}
	host, _, err := net.SplitHostPort(c.Addr())
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

// authAnswer sends a script's answer to a 334, as the shell's answers
// go (sendAnswer: named by its step, never by its text), once it is sure
// the answer may go out in clear.
func (s *Session) authAnswer(ctx context.Context, line string) error {
	if name := s.sec.track.SecretIn(line); name != "" {
		if s.guard.refuses(s.cfg, s.client) {
			return s.withhold("<redacted: "+name+">", s.guard.reason(s.client))
		}
		s.warnPlaintextAuth()
	}
	reply, err := s.sendAnswer(ctx, &authRun{}, authStep{wire: line})
	if err != nil {
		return err
	}
	if !s.model.State().InAuth() { // sendAnswer fed the reply to the model
		s.authOver(reply)
	}
	return nil
}

// authOver notes that an AUTH exchange ended with r, in the shell as in a
// script: lines after it that are not commands are not sent, and the
// cleartext warning is due again.
func (s *Session) authOver(r *proto.Reply) {
	s.guard.warned = false
	s.guard.answersOver = fmt.Sprintf("the AUTH exchange is over: the server answered %d", r.Code)
}

// The placeholders a script writes for what :b64 and :plain built, since
// their output is redacted: "AUTH PLAIN <plain>", or "<b64>" as the
// answer to a 334.
const (
	b64Token   = "<b64>"
	plainToken = "<plain>"
)

// secretOutput is a view whose output is kept (a script's transcript):
// it shows a built secret by a marker.
type secretOutput interface {
	builtSecret(name, token string)
}

// showBuilt shows what :b64 or :plain built, except where output is kept,
// and remembers it for its placeholder. Every form of it is a secret from
// now on; :b64's text may be a mere user name, so only its base64 is.
func (s *Session) showBuilt(token, name, value string) {
	s.sec.built[token] = value
	if token == b64Token {
		s.sec.set.LearnEncoded(name, value)
	} else {
		s.sec.set.Learn(name, value)
	}
	if so, ok := s.view.View.(secretOutput); ok {
		so.builtSecret(name, token)
		return
	}
	s.view.output(value)
}

// expandBuilt puts what :b64 or :plain built in place of its placeholder:
// the whole line when it answers a 334, or an AUTH command's initial
// response. Anywhere else the placeholder is text like any other.
func (k *secretKeeper) expandBuilt(line string) string {
	if len(k.built) == 0 {
		return line
	}
	t := strings.TrimSpace(line)
	if v, ok := k.built[t]; ok && k.track.AwaitsAnswer() {
		return v
	}
	head, last, ok := cutLast(t)
	if v, found := k.built[last]; ok && found && verbOf(head) == "AUTH" {
		return head + " " + v
	}
	return line
}

// cutLast cuts s at its last space or tab, as a server splits words.
func cutLast(s string) (head, last string, ok bool) {
	i := strings.LastIndexAny(s, " \t")
	if i < 0 {
		return s, "", false
	}
	return strings.TrimRight(s[:i], " \t"), s[i+1:], true
}
