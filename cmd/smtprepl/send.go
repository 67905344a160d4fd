package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/smtprepl/smtprepl/proto/visible"
	"github.com/smtprepl/smtprepl/repl"
	"github.com/smtprepl/smtprepl/repl/term"
)

const sendUsage = `usage: smtprepl send --to ADDR[,ADDR...] [--server HOST[:PORT]] [flags]
One message, as swaks sends it, printed as a transcript. Without --server,
the practice server, started in-process. The exit status names the stage
that failed, with swaks's numbers (README: Exit status).`

// maxBodyText bounds --body's text, held whole to choose its encoding;
// bigger files go as --attach or --data, which stream.
const maxBodyText = 16 << 20

// addrList is a repeatable flag whose values may also be comma-separated.
type addrList []string

func (l *addrList) String() string { return strings.Join(*l, ",") }

func (l *addrList) Set(v string) error {
	for part := range strings.SplitSeq(v, ",") {
		if p := strings.TrimSpace(part); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

// sendAuthFlag is --auth [MECH]: alone, the best mechanism the server offers.
type sendAuthFlag struct {
	on   bool
	mech string
}

func (a *sendAuthFlag) String() string   { return a.mech }
func (a *sendAuthFlag) IsBoolFlag() bool { return true }

func (a *sendAuthFlag) Set(v string) error {
	a.on = true
	if v != "true" {
		a.mech = v
	}
	return nil
}

// sendMechanisms are the names --auth takes, as :auth does.
var sendMechanisms = []string{"plain", "login", "cram-md5", "xoauth2", "oauthbearer", "scram-sha-256"}

// joinAuthMechanism reads "--auth PLAIN" as "--auth=PLAIN", as swaks
// does: a flag with an optional value takes the next argument only when
// it is a mechanism's name.
func joinAuthMechanism(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if (a == "--auth" || a == "-auth") && i+1 < len(args) && slices.Contains(sendMechanisms, strings.ToLower(args[i+1])) {
			a = "--auth=" + args[i+1]
			i++
		}
		out = append(out, a)
	}
	return out
}

type sendFlags struct {
	sessionFlags
	server, from, subject, body, data, show string
	to                                      addrList
	attach, headers                         listFlag
	authMech                                sendAuthFlag
	authUser                                string
}

func (f *sendFlags) registerSend(fs *flag.FlagSet) {
	f.register(fs)
	f.registerSessionOnly(fs)
	fs.StringVar(&f.server, "server", "", "HOST[:PORT] to send to (default: the practice server, in-process)")
	fs.StringVar(&f.from, "from", "", "envelope sender and From; <> is the null sender (default smtprepl@ the --ehlo name)")
	fs.Var(&f.to, "to", "recipient, repeatable or comma-separated")
	fs.Var(&f.headers, "header", "'Name: value' header field, repeatable; it replaces one of the same name")
	fs.StringVar(&f.subject, "subject", "", "Subject (default: test and the date, as swaks)")
	fs.StringVar(&f.body, "body", "", "the text: TEXT, @FILE, or - for stdin (default: This is a test mailing)")
	fs.Var(&f.attach, "attach", "attach FILE (type guessed from its name), repeatable")
	fs.StringVar(&f.data, "data", "", "send FILE (an .eml, - for stdin) as the message, as it is: line ends made CRLF, dots doubled")
	fs.Var(&f.authMech, "auth", "log in after EHLO; --auth MECH (plain, login, cram-md5, xoauth2, oauthbearer, scram-sha-256), alone the best offered")
	fs.StringVar(&f.authUser, "auth-user", "", "the user name to log in as (implies --auth)")
	fs.StringVar(&f.show, "show", "all", "how much of the message is printed: all, headers (and a count of the body), none (a count)")
}

func runSend(ctx context.Context, e *env, args []string) (int, error) {
	var f sendFlags
	fs := newFlagSet("smtprepl send", e, sendUsage)
	f.registerSend(fs)
	pos, err := parseInterleaved(fs, joinProxyVersion(joinAuthMechanism(args)))
	if err != nil {
		return exitUsage, err
	}
	if len(pos) > 0 {
		return exitUsage, usagef("send takes flags only, got %q: the server is --server HOST[:PORT]", pos)
	}
	cfg, err := f.sendConfig(e.getenv)
	if err != nil {
		return exitUsage, err
	}
	if err := f.sendMX(e, &cfg); err != nil {
		return exitUsage, err
	}
	if err := f.transport.apply(&cfg, f.server != "" || f.mx != ""); err != nil {
		return exitUsage, err
	}
	if f.starttls && strings.HasPrefix(cfg.Addr, repl.PipeAddr("")) {
		return exitUsage, usagef("--pipe cannot be encrypted: the process's stdin and stdout are pipes on this machine, there is no connection for TLS (drop --starttls)")
	}
	text, name, summary, err := f.message(e, cfg)
	if err != nil {
		return exitUsage, err
	}
	defer text.Close()
	var servers []string
	if f.server != "" {
		servers = []string{f.server}
	}
	stop, err := target(&cfg, servers)
	if err != nil {
		return exitUsage, err
	}
	defer stop()
	m := repl.Mail{From: f.from, To: f.to, StartTLS: f.starttls, Text: text, Name: name, Summary: summary}
	if f.authMech.on {
		if !cfg.AuthSecret.Given() {
			if cfg.AuthSecret, err = askAuthSecret(e, f.authUser); err != nil {
				return exitUsage, err
			}
		}
		m.Auth = repl.AuthWith(f.authMech.mech, f.authUser)
	}
	watchInterrupts(e, &cfg)
	return f.send(ctx, e, cfg, m)
}

func (f *sendFlags) send(ctx context.Context, e *env, cfg repl.Config, m repl.Mail) (int, error) {
	if m.From == "<>" {
		m.From = ""
	}
	s := repl.NewScriptSession(cfg, e.stdout, e.stderr)
	defer s.Close()
	err := s.Send(ctx, m)
	if code, ok := transportExit(err); ok {
		return code, sessionError(s.ScrubError(err), cfg)
	}
	var se *repl.StageError
	if errors.As(err, &se) {
		return se.ExitCode(), sessionError(s.ScrubError(err), cfg)
	}
	if err != nil {
		return exitFailure, sessionError(s.ScrubError(err), cfg)
	}
	return exitOK, nil
}

// sendConfig checks send's flags and makes the session's configuration.
func (f *sendFlags) sendConfig(getenv func(string) string) (repl.Config, error) {
	// send does its own STARTTLS, at its place among the stages.
	starttls := f.starttls
	f.starttls = false
	cfg, err := f.sessionConfig(getenv)
	f.starttls = starttls
	if err != nil {
		return cfg, err
	}
	if f.starttls && f.tls {
		return cfg, usagef("--tls and --starttls exclude each other: --tls is TLS from the first byte, --starttls upgrades a plaintext session")
	}
	if cfg.Show, err = repl.ParseShow(f.show); err != nil {
		return cfg, usagef("--show %v", err)
	}
	if err := f.checkAuth(); err != nil {
		return cfg, err
	}
	if len(f.to) == 0 && needsRecipient(cfg.StopAfter) {
		return cfg, usagef("--to is needed: who the message is for (repeat it, or separate addresses with commas)")
	}
	// Named once: the default sender, the Message-ID's host and the EHLO
	// all use it, and it costs a system call to learn.
	cfg.EHLOName = repl.DefaultEHLOName(cfg.EHLOName)
	if f.from == "" {
		f.from = "smtprepl@" + cfg.EHLOName
	}
	for _, a := range append([]string{f.from}, f.to...) {
		if a != "<>" && (strings.ContainsAny(a, "<> \t\r\n\x00") || a == "") {
			return cfg, usagef("%s is not an address: give it bare (bob@example.test), without <> or spaces; <> alone is the null sender", visible.Clip(fmt.Sprintf("%q", a), 200))
		}
	}
	if len(f.to) == 0 {
		f.to = addrList{"postmaster"} // never sent: the stop-point comes first
	}
	return cfg, nil
}

// sendMX is --mx DOMAIN for send: the domain's MX hosts in order, as an
// MTA would, instead of --server.
func (f *sendFlags) sendMX(e *env, cfg *repl.Config) error {
	if f.mx == "" {
		return nil
	}
	if f.server != "" {
		return usagef("--server HOST or --mx DOMAIN, not both")
	}
	if _, _, err := repl.ParseMXTarget(f.mx, f.tls); err != nil {
		return usagef("%v", err)
	}
	var err error
	if cfg.Resolver, err = resolverFlag(f.resolver, e.getenv); err != nil {
		return err
	}
	cfg.MXDomain = f.mx
	return nil
}

// askAuthSecret asks for --auth's password at the terminal, without
// echo, before anything is sent: send has no shell to ask in later.
// Without a terminal it is a usage error naming the three sources.
func askAuthSecret(e *env, user string) (repl.Secret, error) {
	f, ok := e.stdin.(*os.File)
	if !e.stdinTTY || !ok || !isTerminal(f) {
		return repl.Secret{}, usagef("--auth needs the password (or token), and stdin is not a terminal to ask at: give it with --auth-password-env VAR, --auth-password-file FILE, or the SMTPREPL_PASSWORD environment variable")
	}
	fmt.Fprintf(e.stderr, "Password for %s (not echoed): ", visible.Clip(user, 100))
	b, err := term.ReadPassword(f)
	fmt.Fprintln(e.stderr)
	if err != nil {
		return repl.Secret{}, usagef("reading the password: %v", err)
	}
	if len(b) == 0 {
		return repl.Secret{}, usagef("no password was typed")
	}
	return repl.NewSecret(string(b), "the prompt"), nil
}

// checkAuth checks --auth and --auth-user; the secret's sources are the
// session's flags.
func (f *sendFlags) checkAuth() error {
	if f.authUser != "" {
		f.authMech.on = true // swaks: a user name means AUTH
	}
	switch {
	case !f.authMech.on:
		return nil
	case f.authMech.mech != "" && !slices.Contains(sendMechanisms, strings.ToLower(f.authMech.mech)):
		return usagef("--auth %s: the mechanisms are %s", visible.Clip(fmt.Sprintf("%q", f.authMech.mech), 100), strings.Join(sendMechanisms, ", "))
	case f.authUser == "":
		return usagef("--auth needs --auth-user USER: who to log in as")
	case strings.ContainsAny(f.authUser, " \t\r\n\x00"):
		return usagef("--auth-user takes one name without spaces or control characters")
	}
	return nil
}

// needsRecipient: a stop-point before RCPT needs no recipient (swaks).
func needsRecipient(st repl.Stage) bool {
	return st == "" || st == repl.StageRcpt || st == repl.StageData || st == repl.StageDot
}

// message opens what will be sent, before anything is: --data's file as
// it is, or a message built from the other flags.
func (f *sendFlags) message(e *env, cfg repl.Config) (text io.ReadCloser, name, summary string, err error) {
	if f.data != "" {
		if f.subject != "" || f.body != "" || len(f.headers) > 0 || len(f.attach) > 0 {
			return nil, "", "", usagef("--data sends FILE as it is; --subject, --header, --body and --attach build a message instead: give one or the other")
		}
		text, name, err = f.dataFile(e)
		return text, name, "", err
	}
	d := repl.Draft{To: f.to, Attach: f.attach, Subject: f.subject, Host: cfg.EHLOName}
	if f.from != "<>" {
		d.From = f.from
	}
	if d.Subject == "" {
		d.Subject = "test " + time.Now().Format(time.RFC1123Z)
	}
	if d.Body, err = f.bodyText(e); err != nil {
		return nil, "", "", err
	}
	for _, h := range f.headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, "", "", usagef("--header takes 'Name: value', got %s", visible.Clip(fmt.Sprintf("%q", h), 200))
		}
		d.Headers = append(d.Headers, [2]string{strings.TrimSpace(name), strings.TrimSpace(value)})
	}
	m, err := d.Build()
	if err != nil {
		return nil, "", "", usagef("%s", strings.ReplaceAll(err.Error(), "message: ", ""))
	}
	return repl.MessageReader(m), "the message", repl.Summary(m), nil
}

func (f *sendFlags) dataFile(e *env) (io.ReadCloser, string, error) {
	if f.data == "-" {
		if f.body == "-" {
			return nil, "", usagef("--data - and --body - both want stdin")
		}
		return io.NopCloser(e.stdin), "the message from stdin", nil
	}
	fh, err := os.Open(f.data)
	if err != nil {
		return nil, "", usagef("--data: %v", err)
	}
	return fh, f.data, nil
}

// bodyText is --body: the text itself, @FILE, or - for stdin.
func (f *sendFlags) bodyText(e *env) (string, error) {
	var r io.Reader
	var what string
	switch {
	case f.body == "":
		return "This is a test mailing\n", nil
	case f.body == "-":
		r, what = e.stdin, "stdin"
	case strings.HasPrefix(f.body, "@"):
		fh, err := os.Open(f.body[1:])
		if err != nil {
			return "", usagef("--body: %v", err)
		}
		defer fh.Close()
		r, what = fh, f.body[1:]
	default:
		return f.body, nil
	}
	data, err := io.ReadAll(io.LimitReader(r, maxBodyText+1))
	switch {
	case err != nil:
		return "", usagef("--body: reading %s: %v", what, err)
	case len(data) > maxBodyText:
		return "", usagef("--body: %s is over %d MiB: send it with --attach FILE or --data FILE, which stream", what, maxBodyText>>20)
	}
	return string(data), nil
}
