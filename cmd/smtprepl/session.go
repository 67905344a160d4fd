package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/smtprepl/smtprepl/mx"
	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/sandbox"
	"github.com/smtprepl/smtprepl/proto/visible"
	"github.com/smtprepl/smtprepl/repl"
	"github.com/smtprepl/smtprepl/repl/term"
)

const sessionUsage = `usage: smtprepl [flags] [HOST[:PORT]]
HOST is a name or address, HOST:PORT, [IPv6]:PORT, or unix:/path for a Unix socket.
Without HOST, smtprepl starts its practice server on 127.0.0.1 and connects to it.
--pop3 speaks POP3 instead (port 110; without HOST, the practice server's POP3).
Script mode (stdin not a terminal, or -f FILE) prints the session as a transcript.`

// connFlags are shared by sessions, replay and lessons.
type connFlags struct {
	tls, starttls, insecure bool
	cafile                  string
	timeout                 time.Duration
	noColor                 bool
	tlsKnobs                tlsFlags
}

func (c *connFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&c.tls, "tls", false, "implicit TLS from the first byte (default port 465)")
	fs.BoolVar(&c.starttls, "starttls", false, "EHLO + STARTTLS straight after the greeting")
	fs.BoolVar(&c.insecure, "insecure", false, "accept any certificate (said loudly in the output)")
	fs.StringVar(&c.cafile, "cafile", "", "trust this CA or self-signed certificate (PEM)")
	fs.DurationVar(&c.timeout, "timeout", 60*time.Second, "per-reply timeout")
	fs.BoolVar(&c.noColor, "no-color", false, "no colours (also: NO_COLOR)")
	c.tlsKnobs.register(fs)
}

func (c *connFlags) validate() error {
	if c.timeout <= 0 {
		return usagef("--timeout must be positive, got %s", c.timeout)
	}
	if c.tls && c.starttls {
		return usagef("--tls and --starttls exclude each other: --tls is TLS from the first byte, --starttls upgrades a plaintext session")
	}
	if c.cafile != "" {
		if _, err := os.Stat(c.cafile); err != nil {
			return usagef("--cafile: %v", err)
		}
	}
	return c.tlsKnobs.validate()
}

func (c *connFlags) config() repl.Config {
	cfg := repl.Config{
		ImplicitTLS: c.tls, StartTLS: c.starttls, Timeout: c.timeout,
		TLS: proto.TLSOptions{CAFile: c.cafile, Insecure: c.insecure},
	}
	c.tlsKnobs.apply(&cfg.TLS)
	return cfg
}

type sessionFlags struct {
	connFlags
	pipeline       bool
	record         string
	file           string
	allowPlainAuth bool
	timing         bool
	wire           string
	ehlo           string
	localAddr      string
	lmtp           bool
	tlsShow        string
	pop3           bool
	quitAfter      string
	dropAfter      string
	auth           authFlags
	mx             string
	resolver       string
	transport      transportFlags
	json           bool
}

func runSession(ctx context.Context, e *env, args []string) (int, error) {
	var f sessionFlags
	fs := newFlagSet("smtprepl", e, sessionUsage)
	f.register(fs)
	f.registerSessionOnly(fs)
	fs.StringVar(&f.file, "f", "", "script mode: run the lines of FILE")
	pos, err := parseInterleaved(fs, joinProxyVersion(args))
	if err != nil {
		return exitUsage, err
	}
	if len(pos) > 1 {
		return exitUsage, usagef("one server at most, got %q", pos)
	}
	if f.mx != "" && len(pos) > 0 {
		return exitUsage, usagef("a HOST or --mx DOMAIN, not both")
	}
	if f.mx != "" && f.lmtp {
		return exitUsage, usagef("--mx and --lmtp exclude each other: MX hosts speak SMTP, LMTP is for a mailbox store")
	}
	if f.mx != "" {
		if _, _, err := repl.ParseMXTarget(f.mx, f.tls); err != nil {
			return exitUsage, usagef("%v", err)
		}
	}
	cfg, err := f.sessionConfig(e.getenv)
	if err != nil {
		return exitUsage, err
	}
	if cfg.Resolver, err = resolverFlag(f.resolver, e.getenv); err != nil {
		return exitUsage, err
	}
	cfg.MXDomain = f.mx
	if err := f.transport.apply(&cfg, len(pos) == 1 || f.mx != ""); err != nil {
		return exitUsage, err
	}
	stop, err := target(&cfg, pos)
	if err != nil {
		return exitUsage, err
	}
	defer stop()
	if f.file == "" && e.stdinTTY {
		if cfg.StopAfter != "" {
			return exitUsage, usagef("%s is for script mode (-f FILE, or a script on stdin) and send; in the shell, type QUIT or :close where you want to stop", f.stopFlag())
		}
		colour := term.ColorByDefault() && !f.noColor && e.getenv("NO_COLOR") == "" && e.stdoutTTY
		// The shell watches Ctrl-C and SIGTERM itself (repl/term).
		return runInteractive(ctx, e, cfg, colour)
	}
	watchInterrupts(e, &cfg)
	return scriptExit(runScript(ctx, e, cfg, f.file))
}

// registerSessionOnly adds the flags of a session that replay does not
// share.
func (f *sessionFlags) registerSessionOnly(fs *flag.FlagSet) {
	fs.BoolVar(&f.pipeline, "pipeline", false, "script mode: send RFC 2920 batches when the server offers PIPELINING")
	fs.StringVar(&f.record, "record", "", "write the session as a transcript to FILE (secrets redacted)")
	fs.BoolVar(&f.allowPlainAuth, "allow-plaintext-auth", false, "send AUTH credentials even after STARTTLS was asked for (--starttls) or refused")
	fs.BoolVar(&f.timing, "timing", false, "show how long connecting, each TLS handshake and each reply took (script mode: as # comments)")
	fs.StringVar(&f.wire, "wire", "", "hex: follow every wire line with offset, hex and ASCII (script mode: as # comments)")
	fs.StringVar(&f.ehlo, "ehlo", "", "the name --starttls's EHLO gives (default: this host's name, or localhost)")
	fs.BoolVar(&f.pop3, "pop3", false, "speak POP3 (default port 110, 995 with --tls): USER, PASS, STAT, RETR... typed and explained")
	f.auth.register(fs)
	fs.StringVar(&f.localAddr, "local-addr", "", "connect from this IP address (and :PORT), e.g. to test a server's access rules")
	fs.StringVar(&f.tlsShow, "tls-show", "", "after each TLS handshake show chain (every certificate described), pem (the chain as PEM) or fingerprint (SHA-256 of each)")
	fs.BoolVar(&f.lmtp, "lmtp", false, "speak LMTP (RFC 2033): LHLO, one reply per recipient after the message (default port 24; no HOST: the sandbox in LMTP mode)")
	stages := repl.Stages()
	quitStages := slices.DeleteFunc(slices.Clone(stages), func(s string) bool { return s == string(repl.StageData) })
	fs.StringVar(&f.quitAfter, "quit-after", "", "say QUIT after this stage and send nothing more: "+strings.Join(quitStages, "|")+" (swaks's names)")
	fs.StringVar(&f.dropAfter, "drop-after", "", "hang up without QUIT after this stage: "+strings.Join(stages, "|"))
	fs.StringVar(&f.mx, "mx", "", "connect to DOMAIN's MX hosts in order, as an MTA would, instead of HOST (DOMAIN:PORT: another port than 25)")
	fs.BoolVar(&f.json, "json", false, "script mode: write JSON Lines, one object per wire line and event, instead of the transcript (schema: transcripts/README.md)")
	fs.StringVar(&f.resolver, "resolver", "", "send every DNS query (--mx, :mx) to HOST:PORT (default: $SMTPREPL_RESOLVER, else /etc/resolv.conf)")
	f.transport.register(fs)
}

// stopFlag names the stop-point flag given, for messages.
func (f *sessionFlags) stopFlag() string {
	if f.dropAfter != "" {
		return "--drop-after"
	}
	return "--quit-after"
}

// stopPoint reads --quit-after or --drop-after.
func (f *sessionFlags) stopPoint() (repl.Stage, bool, error) {
	switch {
	case f.quitAfter != "" && f.dropAfter != "":
		return "", false, usagef("--quit-after and --drop-after exclude each other: one stop-point, with QUIT or without")
	case f.quitAfter == "" && f.dropAfter == "":
		return "", false, nil
	}
	drop := f.dropAfter != ""
	st, err := repl.ParseStage(f.quitAfter + f.dropAfter)
	if err != nil {
		return "", false, usagef("%s: %v", f.stopFlag(), err)
	}
	if st == repl.StageData && !drop {
		return "", false, usagef("--quit-after data cannot be: after DATA's 354 every line is message text, so QUIT would be text; use --drop-after data")
	}
	return st, drop, nil
}

// sessionConfig checks the flags and makes the session's configuration;
// an error is a usage error.
func (f *sessionFlags) sessionConfig(getenv func(string) string) (repl.Config, error) {
	if err := f.validate(); err != nil {
		return repl.Config{}, err
	}
	if f.tlsShow != "" && !repl.ValidTLSShow(f.tlsShow) {
		return repl.Config{}, usagef("--tls-show takes chain, pem or fingerprint, got %s", visible.Clip(strconv.Quote(f.tlsShow), 200))
	}
	if f.wire != "" && f.wire != "hex" {
		return repl.Config{}, usagef("--wire takes hex, got %q", f.wire)
	}
	if f.ehlo != "" && strings.IndexFunc(f.ehlo, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return repl.Config{}, usagef("--ehlo takes one name without spaces or control characters, got %s", visible.Clip(strconv.Quote(f.ehlo), 200))
	}
	if f.pop3 && (f.starttls || f.pipeline || f.ehlo != "" || f.mx != "" || f.quitAfter != "" || f.dropAfter != "" ||
		f.auth.passwordEnv != "" || f.auth.passwordFile != "") {
		return repl.Config{}, usagef("--starttls, --pipeline, --ehlo, --mx, --quit-after, --drop-after and --auth-password-* are SMTP's; with --pop3, type STLS, USER and PASS")
	}
	cfg := f.config()
	cfg.POP3 = f.pop3
	cfg.Pipeline, cfg.Record, cfg.AllowPlaintextAuth = f.pipeline, f.record, f.allowPlainAuth
	cfg.Timing, cfg.WireHex, cfg.EHLOName, cfg.JSON = f.timing, f.wire == "hex", f.ehlo, f.json
	cfg.LMTP, cfg.TLSShow = f.lmtp, f.tlsShow
	var err error
	if cfg.StopAfter, cfg.DropAfter, err = f.stopPoint(); err != nil {
		return repl.Config{}, err
	}
	secret, err := f.auth.secret(getenv)
	if err != nil {
		return repl.Config{}, err
	}
	cfg.AuthSecret = secret
	if f.localAddr != "" {
		addr, err := proto.ParseLocalAddr(f.localAddr)
		if err != nil {
			return repl.Config{}, usagef("--local-addr: %v", err)
		}
		cfg.LocalAddr = addr
	}
	return cfg, nil
}

// runInteractive starts the readline shell; connection trouble is shown
// at its prompt, so only a broken terminal is an error here.
func runInteractive(ctx context.Context, e *env, cfg repl.Config, colour bool) (int, error) {
	err := term.RunTerminal(ctx, cfg, term.TerminalOptions{
		Stdout: e.stdout, Stderr: e.stderr, Color: colour,
		HistoryPath: term.DefaultHistoryPath(e.getenv),
	})
	if err != nil {
		return exitFailure, err
	}
	return exitOK, nil
}

// target fills in the server address: the one named, or a sandbox started
// in-process so that `smtprepl` alone works with no server anywhere.
func target(cfg *repl.Config, pos []string) (stop func(), err error) {
	if cfg.MXDomain != "" || cfg.Addr != "" { // --mx, or --pipe
		return func() {}, nil
	}
	normalise := repl.NormaliseAddr
	switch {
	case cfg.POP3:
		normalise = repl.NormalisePOP3Addr
	case cfg.LMTP:
		normalise = repl.NormaliseLMTPAddr
	}
	if len(pos) == 1 {
		cfg.Addr, err = normalise(pos[0], cfg.ImplicitTLS)
		return func() {}, err
	}
	if cfg.ImplicitTLS {
		return nil, usagef("--tls needs a HOST: the built-in sandbox speaks STARTTLS, not implicit TLS")
	}
	sc := sandbox.DefaultConfig()
	if cfg.LMTP {
		sc = sandbox.LMTPConfig()
	}
	sc.Proxy = cfg.Proxy != nil // --proxy against the sandbox: it reads the header
	srv, err := sandbox.New(sc)
	if err != nil {
		return nil, fmt.Errorf("starting the sandbox: %w", err)
	}
	addr, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting the sandbox: %w", err)
	}
	cfg.Addr, cfg.Sandbox = addr.String(), srv
	if cfg.POP3 {
		if cfg.Addr, err = repl.SandboxPOP3(srv); err != nil {
			srv.Close()
			return nil, err
		}
	}
	return func() { srv.Close() }, nil
}

// watchInterrupts catches SIGINT and SIGTERM for a script or send run
// that a signal must not cut short: a --pipe child would be left running,
// and from the moment a recording starts (--record, or :record in the
// script) the file would be left unfinished. Anything else may simply
// end on Ctrl-C, as swaks does.
func watchInterrupts(e *env, cfg *repl.Config) {
	if strings.HasPrefix(cfg.Addr, repl.PipeAddr("")) {
		e.catchInterrupts()
	}
	cfg.OnRecording = e.catchInterrupts
}

func runScript(ctx context.Context, e *env, cfg repl.Config, file string) (int, error) {
	in := e.stdin
	if file != "" {
		fh, err := os.Open(file)
		if err != nil {
			return exitUsage, usagef("-f: %v", err)
		}
		defer fh.Close()
		in = fh
	}
	s := repl.NewScriptSession(cfg, e.stdout, e.stderr)
	defer s.Close()
	if err := s.Start(ctx); err != nil {
		return exitFailure, sessionError(s.ScrubError(atStage(s, err)), cfg)
	}
	if err := s.RunScript(ctx, in); err != nil {
		return exitFailure, sessionError(s.ScrubError(atStage(s, err)), cfg)
	}
	if err := s.CredentialsWithheld(); err != nil {
		return exitFailure, err
	}
	if msg := s.UndeliveredSentence(); msg != "" {
		// Named on stderr as well as in the transcript: an LMTP reply
		// after the first is easy to miss, and it is the one that failed.
		fmt.Fprintf(e.stderr, "smtprepl: %s\n", visible.TextClip(msg, maxErrorBytes))
	}
	if s.Failed() {
		return exitReplies, nil
	}
	return exitOK, nil
}

// atStage names the stage a session error happened in, as swaks would
// name it; a mistake in the script itself is no stage's.
func atStage(s *repl.Session, err error) error {
	var se *repl.ScriptError
	if errors.As(err, &se) || s.Stage() == "" {
		return err
	}
	return fmt.Errorf("%s stage: %w", s.Stage(), err)
}

// sessionError adds the way forward to a refused certificate.
func sessionError(err error, cfg repl.Config) error {
	var ce *proto.CertError
	if errors.As(err, &ce) {
		return fmt.Errorf("%w; to go on, trust it with --cafile FILE or accept it with --insecure", err)
	}
	return err
}

// resolverFlag picks the DNS server: --resolver, else SMTPREPL_RESOLVER,
// else "" (the system's), and checks its form before any query is made.
func resolverFlag(flagValue string, getenv func(string) string) (string, error) {
	v, from := flagValue, "--resolver"
	if v == "" {
		v, from = getenv("SMTPREPL_RESOLVER"), "SMTPREPL_RESOLVER"
	}
	if v == "" {
		return "", nil
	}
	if _, err := mx.NewResolver(v, 0); err != nil {
		return "", usagef("%s: %v", from, err)
	}
	return v, nil
}

var _ io.Writer = (*os.File)(nil)
