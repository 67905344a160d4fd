package repl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/sandbox"
	"github.com/smtprepl/smtprepl/proto/visible"
)

// Config is what a session needs to know before it connects.
type Config struct {
	Addr        string // host:port; the sandbox's own when Sandbox is set
	ImplicitTLS bool
	StartTLS    bool // EHLO + STARTTLS straight after the greeting
	TLS         proto.TLSOptions
	Timeout     time.Duration
	Pipeline    bool   // send RFC 2920 batches in script mode
	Record      string // transcript file to write, "" for none
	// KeepAlive sends TCP keep-alive probes: for the shell and guided
	// lessons, whose connection may sit idle at a prompt. Scripts and send
	// wait no longer than Timeout at any point, and save the four socket
	// options it takes.
	KeepAlive bool
	// OnRecording, when set, is called as a recording starts (Record, or
	// :record in a script): the caller then makes sure an interrupt
	// ends the session cleanly rather than cutting the file short.
	OnRecording func()
	EHLOName    string // used by --starttls's automatic EHLO
	// Sandbox is the in-process practice server the session has, if any:
	// :mailbox reads it, ":open sandbox" goes back to it after visiting
	// another server, and while connected to it the session says so.
	Sandbox *sandbox.Server
	// AllowPlaintextAuth sends credentials even when STARTTLS was asked
	// for or tried and the connection is still not encrypted.
	AllowPlaintextAuth bool
	// Timing shows how long connecting, each TLS handshake and each reply
	// took (--timing); Now is the clock read, nil for time.Now.
	Timing bool
	Now    func() time.Time
	// WireHex follows every wire line with its hex dump (--wire hex).
	WireHex bool
	// JSON makes script mode write JSON Lines instead of the transcript
	// notation (--json).
	JSON bool
	// LocalAddr is the address to connect from (--local-addr); nil: any.
	LocalAddr *net.TCPAddr
	// LMTP speaks LMTP (RFC 2033, --lmtp): LHLO opens the session, and the
	// end of a message gets one reply per accepted recipient.
	LMTP bool
	// TLSShow prints, after every TLS handshake, the report of that form
	// (TLSShowChain, TLSShowPEM, TLSShowFingerprint); "" for none.
	TLSShow string
	// POP3 makes the session speak POP3 (--pop3, :open pop3://HOST):
	// lines are POP3 commands and answers are +OK/-ERR (pop3.go).
	POP3 bool
	// XClient is sent after the first HELO or EHLO the server accepts
	// (--xclient); nil: none.
	XClient []proto.XClientAttr
	// Proxy is a PROXY protocol header sent before the greeting (--proxy).
	Proxy *proto.ProxyOptions
	// StopAfter is the stop-point (--quit-after, --drop-after): script
	// mode and send say QUIT there, or hang up when DropAfter is set, and
	// send nothing more. "" for none.
	StopAfter Stage
	DropAfter bool
	// Show is how much message text script mode prints: all (the
	// default), headers, or none.
	Show Show
	// AuthSecret is the password or token :auth uses instead of asking
	// (--auth-password-env, --auth-password-file, SMTPREPL_PASSWORD).
	AuthSecret Secret
	// SCRAMNonce fixes :auth scram-sha-256's client nonce, for tests and
	// lessons; empty draws a random one.
	SCRAMNonce string
	// Resolver is the DNS server (HOST:PORT) :mx and MXDomain ask; "":
	// the system's.
	Resolver string
	// MXDomain, when set, makes the next Open connect to the domain's MX
	// hosts in order, as an MTA would (--mx); Addr is then filled in.
	MXDomain string
}

// PipeAddr is the Config.Addr of a session with a process (--pipe): the
// command, run with sh -c, whose stdin and stdout speak SMTP.
func PipeAddr(command string) string { return proto.PipePrefix + command }

// Session is the testable core of the REPL and of script mode: lines in,
// wire traffic and explanations out, no terminal.
type Session struct {
	cfg       Config
	view      front
	errOut    io.Writer
	client    *proto.Client
	body      *proto.BodyWriter
	failed    bool          // some reply was 4xx/5xx
	cmds      *commandTable // see commands
	cmdsOnce  sync.Once
	recording *recording
	wireLog   wireLog // this connection's lines so far, for a late :record
	quit      bool
	// model is where the session stands, for the prompt, completion and
	// the meaning of the next line: fed every reply, read everywhere.
	model proto.Session

	// ask reads answers from the person at the keyboard during a command
	// (AUTH's questions); nil in script mode, where the script's answer
	// lines answer a 334 (scriptAuthAnswers).
	ask Asker
	// auth is the exchange :auth is driving, nil when AUTH was typed.
	auth      *authRun
	lastReply *proto.Reply
	// rawReply is the last reply as it came, before secrets were cut out
	// of it for the view: AUTH computes its answers from the challenge
	// itself (a CRAM-MD5 or SCRAM challenge may look like a piece of one).
	rawReply *proto.Reply
	lastVerb string
	// pendingVerb names what the reply being waited for answers, for
	// messages.
	pendingVerb string
	msg         msgState
	// dotEnded: the last line typed was the "." that ended a message, so
	// an unknown command next was likely meant as more message text.
	dotEnded bool
	// refusedLines of a refused DATA's text the shell skipped so far, and
	// refusedCode, the refusal; whether it skips is the model's to say.
	refusedCode  int
	refusedLines int
	// sec is what the session knows of the secrets it sent, so none
	// reaches the screen, a recording or a transcript when echoed.
	sec   secretKeeper
	guard authGuard
	// composer is :compose's message; its options (random boundaries and
	// the real clock, or a lesson's fixed ones) are set with it.
	composer *composer
	// instruments are the optional displays of the wire: timings and hex.
	instruments instruments
	// undelivered are the LMTP recipients a message did not reach, for
	// the script's last sentence.
	undelivered undelivered
	// p3 is where a POP3 session stands (Config.POP3).
	p3 pop3State
	// hello is the last HELO or EHLO line the server accepted, and
	// xclientSent whether --xclient went on this connection.
	hello       string
	xclientSent bool
	// tlsPlanned: send will say STARTTLS after the first hello, so
	// --xclient waits for the hello inside TLS.
	tlsPlanned bool
	// stops follows the stages passed, for the stop-points and for naming
	// where a failure happened.
	stops stops
	// sending: Send drives the session, and its one error sentence says
	// what failed; nothing else writes one.
	sending bool
}

// ErrQuit ends a session loop without being an error.
var ErrQuit = errors.New("quit")

// NewSession is a session rendered by v; errOut receives the warnings
// that must reach a person even when v's output is kept (a script's
// transcript). ask answers AUTH's questions at a terminal; nil means
// nobody is there to ask (script mode, lessons).
func NewSession(cfg Config, v View, errOut io.Writer, ask Asker) *Session {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	if cfg.EHLOName == "" {
		cfg.EHLOName = defaultEHLOName()
	}
	s := &Session{cfg: cfg, view: newFront(v), errOut: errOut, ask: ask, instruments: instruments{timing: cfg.Timing, hex: hexDumper{on: cfg.WireHex}}}
	s.composer = &composer{}
	if cfg.LMTP {
		s.model = *proto.NewLMTPSession()
	}
	s.stops = stops{at: cfg.StopAfter, drop: cfg.DropAfter}
	s.sec = newSecretKeeper()
	if cfg.AuthSecret.Given() {
		// Known from the start: a server may echo it before AUTH is over.
		s.sec.set.Add("your password or token", cfg.AuthSecret.value)
	}
	if sh, ok := s.view.View.(secretSharer); ok {
		sh.useSecrets(s.sec.set)
	}
	return s
}

// Start begins the recording asked for in the config and opens the
// connection.
func (s *Session) Start(ctx context.Context) error {
	if s.cfg.Record != "" {
		if _, err := s.StartRecording(s.cfg.Record); err != nil {
			return err
		}
	}
	return s.Open(ctx)
}

// DefaultEHLOName is name, or when it is empty the name a session's
// EHLO gives by default.
func DefaultEHLOName(name string) string {
	if name != "" {
		return name
	}
	return defaultEHLOName()
}

func defaultEHLOName() string {
	if h, err := os.Hostname(); err == nil && strings.Contains(h, ".") {
		return h
	}
	return "localhost"
}

// Failed reports whether any reply was 4xx or 5xx.
func (s *Session) Failed() bool { return s.failed }

// Connected reports whether a live connection exists.
func (s *Session) Connected() bool { return s.client != nil && !s.client.Closed() }

// Open dials, reads the greeting, and does --starttls when asked.
func (s *Session) Open(ctx context.Context) error {
	if err := s.connect(ctx); err != nil {
		return err
	}
	if err := s.autoStartTLS(ctx); err != nil && !errors.Is(err, errStopped) {
		return err
	}
	return nil
}

// connect dials and reads the greeting.
func (s *Session) connect(ctx context.Context) error {
	if s.Connected() {
		s.client.Close()
	}
	if s.inData() {
		// A message left open on the old connection is gone with it.
		s.model.ConnectionClosed()
		s.body = nil
		s.view.dataMode(false)
	}
	s.wireLog = wireLog{}
	s.stops.current = StageConnect
	c, err := s.dial(ctx)
	var he *proto.HandshakeError
	if errors.As(err, &he) {
		s.stops.current = StageTLS // connected; implicit TLS failed
	}
	if err != nil {
		s.showRefusedChain(err)
		return err
	}
	s.client, s.lastReply, s.guard = c, nil, s.guard.newConnection()
	s.hello, s.xclientSent = "", false
	s.instruments.hex.offset = [2]int{}
	s.instruments.show(s, "connect", c.Timings().Connect)
	s.model.Restart()
	s.stops.connected()
	if info := c.TLS(); info != nil {
		s.model.TLSEstablished()
		s.stops.note(StageTLS)
		s.showTLS(info)
	}
	if s.cfg.POP3 {
		return s.pop3Greeting(ctx)
	}
	s.pendingVerb = "" // the greeting: no command asked for it
	s.stops.awaiting(s.model.State(), "")
	greeting, err := s.readReply(ctx)
	if err != nil {
		return s.greetingError(err)
	}
	s.noteReply("", greeting)
	s.stops.answered("", greeting)
	s.model.Greeting(greeting)
	if greeting.Code == 421 && s.mayWantProxy() && c.Timings().Reply >= time.Second {
		return fmt.Errorf("the server answered 421 after %s instead of greeting: Postfix with smtpd_upstream_proxy_protocol does that when no PROXY header came within smtpd_upstream_proxy_timeout; if this port sits behind a proxy, add --proxy (or --proxy v2)", c.Timings().Reply.Round(100*time.Millisecond))
	}
	return nil
}

// dial connects to the server, or starts the --pipe process.
func (s *Session) dial(ctx context.Context) (*proto.Client, error) {
	opts := proto.Options{Timeout: s.cfg.Timeout, ImplicitTLS: s.cfg.ImplicitTLS, TLS: s.tlsOptions(), Tap: s.tap, BeforeWait: s.flushView,
		Now: s.cfg.Now, LocalAddr: s.cfg.LocalAddr, Proxy: s.cfg.Proxy, PipeStderr: s.errOut, KeepAlive: s.cfg.KeepAlive}
	if s.cfg.MXDomain != "" {
		return s.dialMX(ctx, opts)
	}
	if command, ok := strings.CutPrefix(s.cfg.Addr, proto.PipePrefix); ok {
		return proto.DialPipe(ctx, command, opts)
	}
	return proto.Dial(ctx, s.cfg.Addr, opts)
}

// greetingError says why there is no greeting. A server that is silent
// or closes before greeting may be waiting for what smtprepl did not
// send: a PROXY header (Postfix's smtpd_upstream_proxy_protocol closes after
// smtpd_upstream_proxy_timeout, 5 s); a --pipe process may have failed
// to start.
func (s *Session) greetingError(err error) error {
	var te *proto.TimeoutError
	switch {
	case errors.As(err, &te) && te.Partial == 0 && s.mayWantProxy():
		return fmt.Errorf("reading the greeting: %w; a server that says nothing at all may be waiting for a PROXY protocol header (smtprepl sandbox --proxy, Postfix's smtpd_upstream_proxy_protocol): try --proxy", err)
	case !errors.Is(err, proto.ErrClosed):
	case s.client.IsPipe():
		return fmt.Errorf("reading the greeting: the --pipe process closed its output before greeting (what it wrote to stderr is above, marked [pipe stderr]): %w", err)
	case s.mayWantProxy():
		return fmt.Errorf("reading the greeting: %w; a server that closes before it greets may be a PROXY protocol listener (Postfix's smtpd_upstream_proxy_protocol) waiting for a header: try --proxy", err)
	}
	return fmt.Errorf("reading the greeting: %w", err)
}

// mayWantProxy: a server that does not greet may be waiting for a PROXY
// header, which this session could send but did not.
func (s *Session) mayWantProxy() bool {
	return s.cfg.Proxy == nil && !s.client.IsPipe()
}

// tap fans every wire line out to the view and any recorders.
func (s *Session) tap(l proto.TapLine) {
	l = s.sec.learnAndScrub(l)
	s.view.wire(l)
	s.instruments.hex.tap(s.view.View, s.sec.set, l)
	s.recording.tap(l)
	s.wireLog.add(l)
}

// autoStartTLS is --starttls: EHLO and STARTTLS straight after the
// greeting.
func (s *Session) autoStartTLS(ctx context.Context) error {
	if !s.cfg.StartTLS {
		return nil
	}
	hello := s.helloVerb()
	if err := s.command(ctx, hello+" "+s.cfg.EHLOName); err != nil {
		return err
	}
	if !s.model.Capabilities().StartTLS() {
		return fmt.Errorf("--starttls: %s does not offer STARTTLS in its %s reply", s.cfg.Addr, hello)
	}
	if err := s.command(ctx, "STARTTLS"); err != nil {
		return err
	}
	if s.client.TLS() == nil {
		return fmt.Errorf("--starttls: the server refused STARTTLS")
	}
	return nil
}

// flusher is a view that buffers its output.
type flusher interface{ flush() }

func (s *Session) flushView() {
	if f, ok := s.view.View.(flusher); ok {
		f.flush()
	}
}

// Exec runs one line: a colon-command, a line of message text inside DATA,
// or an SMTP command sent as typed.
func (s *Session) Exec(ctx context.Context, line string) error {
	switch {
	case s.cfg.POP3 && (s.p3.inAuth || !strings.HasPrefix(line, ":")):
		return s.pop3Line(ctx, line)
	case s.RefusedText():
		s.skipRefusedLine(line)
		return nil
	case s.inData():
		return s.dataLine(ctx, line)
	case strings.HasPrefix(line, ":"):
		return s.colon(ctx, line[1:])
	}
	return s.command(ctx, line)
}

func (s *Session) requireConn() error {
	if s.client == nil {
		return noConnError("not connected: use :open HOST[:PORT]")
	}
	if s.client.Closed() {
		return noConnError("the connection is closed: use :open to reconnect")
	}
	return nil
}

// command sends one SMTP line and handles its reply.
func (s *Session) command(ctx context.Context, line string) error {
	if err := s.requireConn(); err != nil {
		return err
	}
	line = s.sec.expandBuilt(line)
	if s.model.State().InAuth() {
		return s.authAnswer(ctx, line)
	}
	if s.skipsAnswer(line) {
		return nil
	}
	if err := s.stopFirst(ctx, line); err != nil {
		return err // a colon-command's own command (:send's DATA) meets the stop-point too
	}
	cmd, err := proto.ParseCommand(line)
	if err != nil {
		return err
	}
	if cmd.Verb == "STARTTLS" && s.client.IsPipe() {
		return scriptMistake{error: errors.New("STARTTLS not sent: this session is a --pipe to a process on this machine, with no connection for TLS to protect (and the process would wait for a handshake on its stdin)")}
	}
	if send, err := s.guardAuth(cmd, line); !send || err != nil {
		return err
	}
	if err := s.client.Send(line); err != nil {
		return err
	}
	return s.awaitReply(ctx, cmd)
}

func (s *Session) awaitReply(ctx context.Context, cmd proto.Command) error {
	s.pendingVerb = replyTo(cmd)
	rcpts, bdatLast := s.lmtpBDATLast(cmd)
	s.stops.awaiting(s.model.State(), cmd.Verb)
	reply, err := s.readReply(ctx)
	if err != nil {
		return fmt.Errorf("waiting for the reply to %s: %w", replyTo(cmd), err)
	}
	s.noteReply(cmd.Verb, reply)
	s.stops.answered(cmd.Verb, reply)
	if note := bareAddressNote(cmd); note != "" && s.ask != nil {
		s.view.note(note)
	}
	s.noteAfterDot(reply)
	if err := s.afterReply(ctx, cmd, reply); err != nil || !bdatLast {
		return err
	}
	return s.bdatLastDeliveries(ctx, rcpts, reply)
}

// noteAfterDot explains, in the shell, an unknown command right after a
// message ended: the line was meant as more message text, and the lone
// "." before it ended the message instead.
func (s *Session) noteAfterDot(r *proto.Reply) {
	if s.ask != nil && s.dotEnded && (r.Code == 500 || r.Code == 502) {
		s.view.note(`the lone "." above ended the message, so this line went to the server as a command; the message was sent without it (a new DATA starts another)`)
	}
	s.dotEnded = false
}

// bareAddressNote is the shell's remark on MAIL FROM: or RCPT TO: given
// without angle brackets: many servers take it, RFC 5321 §4.1.2 does not
// (a path is "<" mailbox ">"), and a strict server answers 501.
func bareAddressNote(cmd proto.Command) string {
	prefix := map[string]string{"MAIL": "FROM:", "RCPT": "TO:"}[cmd.Verb]
	if prefix == "" || len(cmd.Arg) < len(prefix) || !strings.EqualFold(cmd.Arg[:len(prefix)], prefix) {
		return ""
	}
	path, params, _ := strings.Cut(strings.TrimSpace(cmd.Arg[len(prefix):]), " ")
	if path == "" || strings.HasPrefix(path, "<") {
		return ""
	}
	fixed := cmd.Verb + " " + strings.ToUpper(prefix) + "<" + path + ">"
	if params != "" {
		fixed += " " + params
	}
	return fmt.Sprintf("address without angle brackets: RFC 5321 §4.1.2 requires them (a server may be lenient, the RFC is not); write %s", visible.Clip(fixed, 200))
}

// readReply reads the next reply with the session's secrets cut out: the
// one place replies are scrubbed, so everything the session does with one
// (show it, :explain it, build completion and tables from it) sees it
// scrubbed.
func (s *Session) readReply(ctx context.Context) (*proto.Reply, error) {
	r, err := s.client.ReadReply(ctx)
	if err != nil {
		return nil, err
	}
	s.instruments.reply(s)
	s.rawReply = r
	return s.sec.scrubReply(r), nil
}

// noteReply takes a reply readReply returned.
func (s *Session) noteReply(verb string, r *proto.Reply) {
	if r.Failed() {
		s.failed = true
	}
	s.lastReply, s.lastVerb = r, verb
	s.view.reply(verb, r)
}
