package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fatih/color"
	"github.com/smtprepl/smtprepl/proto/sandbox"
	"github.com/smtprepl/smtprepl/proto/visible"
	"github.com/smtprepl/smtprepl/repl/term"
)

const sandboxUsage = `usage: smtprepl sandbox [--listen ADDR] [--listen-tls ADDR] [--submission ADDR]
                        [--listen-pop3 ADDR]
                        [--require-tls] [--proxy] [--write-cert FILE] [--maildir DIR]
                        [--verbose] [--no-color] [--scenario NAME]...
                        [--mailbox-messages N] [--mailbox-mib N] [--inflight-mib N] [--lmtp]
Run the practice server in the foreground until interrupted.`

// sandboxFlags are the command line's settings for the practice server.
type sandboxFlags struct {
	listen, certOut            string
	listenTLS, submission      string // "" for none
	listenPOP3                 string // "" for none
	maildir                    string
	verbose, noColor           bool
	scenarios                  []func(*sandbox.Config)
	requireTLS, proxy, lmtp    bool
	keepMsgs, keepMiB, inFlMiB int
}

func runSandbox(ctx context.Context, e *env, args []string) (int, error) {
	f, err := parseSandboxFlags(e, args)
	if err != nil {
		return exitUsage, err
	}
	cfg := sandbox.DefaultConfig()
	if f.lmtp {
		cfg = sandbox.LMTPConfig()
		fmt.Fprintln(e.stdout, "smtprepl sandbox: speaking LMTP (RFC 2033): LHLO, not EHLO; after the message, one reply per recipient; full@example.test is over its quota")
	}
	cfg.RequireTLS, cfg.Proxy = f.requireTLS, f.proxy
	cfg.Maildir = f.maildir
	for _, apply := range f.scenarios {
		apply(&cfg)
	}
	log := newSandboxLog(e.stdout, term.NewTheme(e.colour(f.noColor)), time.Now)
	cfg.Events, cfg.Transcript = log.event, f.verbose
	cfg.MailboxMessages = f.keepMsgs
	cfg.MailboxBytes = int64(f.keepMiB) << 20
	cfg.InFlightBytes = int64(f.inFlMiB) << 20
	srv, err := sandbox.New(cfg)
	if err != nil {
		return exitFailure, fmt.Errorf("starting the sandbox: %w", err)
	}
	defer func() {
		srv.Close() // its sessions' last events first
		log.flush()
	}()
	if f.certOut != "" {
		if err := os.WriteFile(f.certOut, srv.CertPEM(), 0o644); err != nil {
			return exitFailure, fmt.Errorf("--write-cert: %w", err)
		}
	}
	if err := listenAll(e, srv, f); err != nil {
		return exitFailure, err
	}
	<-ctx.Done()
	srv.Close()
	log.flush()
	mb := srv.Mailbox()
	received := mb.Len() + mb.Dropped() + mb.Removed()
	var notes []string
	if n := mb.Dropped(); n > 0 {
		notes = append(notes, fmt.Sprintf("the %d oldest dropped to keep within the mailbox's limits", n))
	}
	if n := mb.Removed(); n > 0 {
		notes = append(notes, fmt.Sprintf("%d deleted over POP3 by every mailbox they were for", n))
	}
	if len(notes) > 0 {
		fmt.Fprintf(e.stdout, "sandbox stopped; %d message(s) were received (%s)\n", received, strings.Join(notes, "; "))
	} else {
		fmt.Fprintf(e.stdout, "sandbox stopped; %d message(s) were received\n", received)
	}
	return exitOK, nil
}

// scenario is one behaviour --scenario injects: its name, what its value
// is (empty: it takes none), and how it changes the configuration.
type scenario struct {
	name, value, what string
	apply             func(c *sandbox.Config, value string) error
}

func sandboxScenarios() []scenario {
	return []scenario{
		{"greylisting", "", "451 4.7.1 to the first RCPT of each client, sender and recipient; a retry is accepted",
			func(c *sandbox.Config, _ string) error { c.Greylist = true; return nil }},
		{"tls-required", "", "the --listen port too requires STARTTLS before AUTH and MAIL",
			func(c *sandbox.Config, _ string) error { c.RequireTLS = true; return nil }},
		{"421-at", "STAGE", "421 4.3.2 and a hang-up at greeting, ehlo, mail, rcpt, data or dot",
			func(c *sandbox.Config, v string) error {
				if !slices.Contains([]string{"greeting", "ehlo", "mail", "rcpt", "data", "dot"}, v) {
					return fmt.Errorf("421-at takes greeting, ehlo, mail, rcpt, data or dot, got %q", v)
				}
				c.Drop421At = v
				return nil
			}},
		{"reject-rcpt", "N", "550 5.1.1 to the Nth RCPT of each transaction, whoever it names",
			func(c *sandbox.Config, v string) error {
				n, err := strconv.Atoi(v)
				if err != nil || n < 1 || n > 1000 {
					return fmt.Errorf("reject-rcpt takes a number from 1 to 1000, got %q", v)
				}
				c.RejectRcpt = n
				return nil
			}},
		{"slow-banner", "DURATION", "wait this long before the greeting (clients' connect timeouts)",
			func(c *sandbox.Config, v string) error { return duration(&c.SlowBanner, "slow-banner", v) }},
		{"tarpit", "DURATION", "wait this long before every reply",
			func(c *sandbox.Config, v string) error { return duration(&c.Tarpit, "tarpit", v) }},
		{"auth-fails-once", "", "each client address's first AUTH gets 535 5.7.8, even with the right password",
			func(c *sandbox.Config, _ string) error { c.AuthFailsOnce = true; return nil }},
		{"size-limit", "BYTES", "SIZE announced and enforced (552 5.3.4 above it)",
			func(c *sandbox.Config, v string) error {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil || n < 1 || n > 1<<30 {
					return fmt.Errorf("size-limit takes a number of bytes from 1 to 1073741824, got %q", v)
				}
				c.MaxSize = n
				return nil
			}},
	}
}

func duration(d *time.Duration, name, v string) error {
	t, err := time.ParseDuration(v)
	if err != nil || t <= 0 || t > 10*time.Minute {
		return fmt.Errorf("%s takes a duration up to 10m (e.g. 5s), got %q", name, v)
	}
	*d = t
	return nil
}

// parseScenarios reads one --scenario value: NAME or NAME=VALUE, or the
// name of a file holding one of those per line ("#" comments).
func parseScenarios(spec string) ([]func(*sandbox.Config), error) {
	if fi, err := os.Stat(spec); err == nil && fi.Mode().IsRegular() {
		if fi.Size() > 64<<10 {
			return nil, fmt.Errorf("the scenario file %s is over 64 KiB", visible.Clip(spec, 200))
		}
		b, err := os.ReadFile(spec)
		if err != nil {
			return nil, fmt.Errorf("reading the scenario file: %w", err)
		}
		var out []func(*sandbox.Config)
		for n, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			apply, err := parseScenario(line)
			if err != nil {
				return nil, fmt.Errorf("%s line %d: %w", visible.Clip(spec, 200), n+1, err)
			}
			out = append(out, apply)
		}
		return out, nil
	}
	apply, err := parseScenario(spec)
	if err != nil {
		return nil, err
	}
	return []func(*sandbox.Config){apply}, nil
}

func parseScenario(spec string) (func(*sandbox.Config), error) {
	name, value, hasValue := strings.Cut(spec, "=")
	for _, sc := range sandboxScenarios() {
		if sc.name != name {
			continue
		}
		if (sc.value != "") != hasValue {
			if sc.value == "" {
				return nil, fmt.Errorf("the scenario %s takes no value", name)
			}
			return nil, fmt.Errorf("the scenario %s needs a value: %s=%s", name, name, sc.value)
		}
		// Checked now, so a mistake is a usage error before anything listens.
		if err := sc.apply(&sandbox.Config{}, value); err != nil {
			return nil, err
		}
		return func(c *sandbox.Config) { sc.apply(c, value) }, nil
	}
	return nil, fmt.Errorf("unknown scenario %q; the scenarios are %s", visible.Clip(name, 100), scenarioNames())
}

// scenarioNames lists the scenarios for the usage text and its errors.
func scenarioNames() string {
	var names []string
	for _, sc := range sandboxScenarios() {
		n := sc.name
		if sc.value != "" {
			n += "=" + sc.value
		}
		names = append(names, n)
	}
	return strings.Join(names, ", ")
}

// listener is one of the sandbox's kinds of port.
type listener struct {
	flag, addr string
	listen     func(string) (net.Addr, error)
	what       string // "" for the plain port, whose announcement comes first
}

// listenAll opens the plain listener and those asked for beside it, and
// says where each one listens.
func listenAll(e *env, srv *sandbox.Server, f sandboxFlags) error {
	all := []listener{
		{"--listen", f.listen, srv.Listen, ""},
		{"--listen-tls", f.listenTLS, srv.ListenTLS, "implicit TLS (port 465 style: TLS from the first byte, as smtplib.SMTP_SSL expects)"},
		{"--submission", f.submission, srv.ListenSubmission, "submission (port 587 style: STARTTLS required before AUTH and MAIL)"},
		{"--listen-pop3", f.listenPOP3, srv.ListenPOP3, "POP3 (port 110 style, STLS offered): each mailbox logs in with its name and password secret (alice/secret reads alice's mail; student/secret reads every message)"},
	}
	for _, l := range all {
		if l.addr == "" {
			continue
		}
		addr, err := l.listen(l.addr)
		if err != nil {
			return fmt.Errorf("sandbox cannot listen on %s (%s): %w", l.addr, l.flag, err)
		}
		if l.what == "" {
			announce(e, addr)
			continue
		}
		fmt.Fprintf(e.stdout, "smtprepl sandbox: %s on %s\n", l.what, addr)
		warnExposed(e, addr)
	}
	return nil
}

func parseSandboxFlags(e *env, args []string) (sandboxFlags, error) {
	var f sandboxFlags
	d := sandbox.DefaultConfig()
	fs := newFlagSet("sandbox", e, sandboxUsage)
	fs.StringVar(&f.listen, "listen", "127.0.0.1:2525", "address to listen on (beyond loopback, anyone who can reach it can use it)")
	fs.StringVar(&f.listenTLS, "listen-tls", "", "also listen on ADDR with implicit TLS (port 465 style), same certificate as STARTTLS")
	fs.StringVar(&f.submission, "submission", "", "also listen on ADDR as a submission port (587 style): STARTTLS required before AUTH and MAIL")
	fs.BoolVar(&f.lmtp, "lmtp", false, "speak LMTP (RFC 2033), as Dovecot's LMTP server: LHLO, one reply per recipient after the message; full@example.test is over quota")
	fs.StringVar(&f.listenPOP3, "listen-pop3", "", "also serve POP3 on ADDR (port 110 style): alice/secret reads alice's mail, student/secret every message")
	fs.BoolVar(&f.requireTLS, "require-tls", false, "behave like a submission port: STARTTLS before AUTH and MAIL")
	fs.BoolVar(&f.proxy, "proxy", false, "read a PROXY protocol header (v1 or v2) before greeting, on --listen and --submission; the client is who it names")
	fs.StringVar(&f.certOut, "write-cert", "", "write the generated certificate (PEM) to FILE, for --cafile; --listen-tls and STARTTLS both use it")
	fs.StringVar(&f.maildir, "maildir", "", "also write every accepted message to DIR/<mailbox>/new/, Maildir layout, with a Received: header")
	fs.BoolVar(&f.verbose, "verbose", false, "also log every line of every session (C: and S:), AUTH's credentials withheld")
	fs.BoolVar(&f.noColor, "no-color", false, "no colours in the log (also: NO_COLOR)")
	fs.Func("scenario", "inject a behaviour, repeatable: NAME[=VALUE] or a FILE of them, one per line; "+scenarioNames(), func(spec string) error {
		applies, err := parseScenarios(spec)
		if err != nil {
			return err
		}
		f.scenarios = append(f.scenarios, applies...)
		return nil
	})
	fs.IntVar(&f.keepMsgs, "mailbox-messages", d.MailboxMessages, "messages the mailbox keeps; a new one drops the oldest")
	fs.IntVar(&f.keepMiB, "mailbox-mib", int(d.MailboxBytes>>20), "MiB of messages (data and envelopes) the mailbox keeps; a new one drops the oldest")
	fs.IntVar(&f.inFlMiB, "inflight-mib", int(d.InFlightBytes>>20), "MiB of messages being received (bodies and envelopes), across all sessions; over it, 452 4.3.1")
	pos, err := parseInterleaved(fs, args)
	switch {
	case err != nil:
		return f, err
	case len(pos) > 0:
		return f, usagef("sandbox takes no arguments, got %q", pos)
	case f.keepMsgs < 1, f.keepMiB < 1:
		return f, usagef("--mailbox-messages and --mailbox-mib must be at least 1")
	case int64(f.inFlMiB)<<20 < d.MaxSize:
		return f, usagef("--inflight-mib must be at least %d, the message size limit in MiB: a smaller budget could never take the biggest messages", d.MaxSize>>20)
	case f.keepMiB > 1<<20, f.inFlMiB > 1<<20:
		return f, usagef("--mailbox-mib and --inflight-mib must be at most 1048576 (1 TiB)")
	}
	return f, nil
}

// announce says where the sandbox listens and who may use it. Beyond
// loopback anyone who can reach the address can, with a login printed
// right here and in the README, so that is said in so many words: on
// stdout beside the address, and on stderr as a warning.
func announce(e *env, addr net.Addr) {
	const who = "users alice bob carol postmaster @example.test; AUTH student/secret, OAuth token " + sandbox.PracticeToken
	where := exposure(addr)
	if where == "" {
		fmt.Fprintf(e.stdout, "smtprepl sandbox listening on %s (%s). Ctrl-C stops it.\n", addr, who)
		return
	}
	fmt.Fprintf(e.stdout, "smtprepl sandbox listening on %s (%s), REACHABLE FROM THE NETWORK. Ctrl-C stops it.\n", addr, who)
	warnExposed(e, addr)
}

// warnExposed warns on stderr when addr is reachable from the network.
func warnExposed(e *env, addr net.Addr) {
	where := exposure(addr)
	if where == "" {
		return
	}
	fmt.Fprintf(e.stderr, "smtprepl: warning: the sandbox listens on %s, so it is reachable from the network: "+
		"anyone who can connect can use it, and its login student/secret is public. "+
		"--listen 127.0.0.1:PORT keeps it to this machine.\n", where)
}

// exposure names the address addr listens on when it is reachable from
// beyond this machine, or is "" for loopback.
func exposure(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	switch {
	case ok && tcp.IP.IsLoopback():
		return ""
	case ok && tcp.IP.IsUnspecified():
		return "every address of this machine"
	case ok:
		return tcp.IP.String() + ", an address of this machine on the network"
	}
	return addr.String()
}

// sandboxLog is the sandbox's live log: a line per session event and per
// message, and with --verbose every line of every session. Sessions run
// concurrently, so lines are written whole. Everything a client chose
// (HELO names, addresses, command lines) goes through visible.Clip:
// escaped, and one bounded line however long it was.
//
// Lines are gathered for logDelay and written together: a write per line
// was a third of the sandbox's system calls under a classroom's load
// (BenchmarkSandboxClassroom), and no one reading the log sees 20 ms.
type sandboxLog struct {
	w   io.Writer
	th  term.Theme
	now func() time.Time

	mu     sync.Mutex
	buf    []byte      // lines not yet written
	timer  *time.Timer // armed while buf holds lines
	stamp  []byte      // "15:04:05" of second, formatted once a second
	second int64
}

const (
	logClip  = 200                   // bounds each piece of client text in a log line
	logDelay = 20 * time.Millisecond // the most a line waits to be written
	logBatch = 64 << 10              // bytes gathered at most before they are written
)

func newSandboxLog(w io.Writer, th term.Theme, now func() time.Time) *sandboxLog {
	return &sandboxLog{w: w, th: th, now: now}
}

func (l *sandboxLog) event(ev sandbox.Event) {
	c, text := l.describe(ev)
	text = c.Sprint(text)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if sec := now.Unix(); sec != l.second || l.stamp == nil {
		l.stamp, l.second = now.AppendFormat(l.stamp[:0], "15:04:05"), sec
	}
	l.buf = append(l.buf, l.stamp...)
	l.buf = append(l.buf, " #"...)
	l.buf = strconv.AppendInt(l.buf, ev.Session, 10)
	l.buf = append(l.buf, ' ')
	l.buf = append(l.buf, text...)
	l.buf = append(l.buf, '\n')
	switch {
	case len(l.buf) >= logBatch:
		l.writeLocked()
	case l.timer == nil:
		l.timer = time.AfterFunc(logDelay, l.flush)
	}
}

// flush writes the lines gathered so far.
func (l *sandboxLog) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writeLocked()
}

func (l *sandboxLog) writeLocked() {
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	if len(l.buf) > 0 {
		l.w.Write(l.buf)
		l.buf = l.buf[:0]
	}
}

// describe is an event's text and colour.
func (l *sandboxLog) describe(ev sandbox.Event) (*color.Color, string) {
	t := visible.Clip(ev.Text, logClip)
	switch ev.Kind {
	case sandbox.EventConnect:
		return l.th.Event, fmt.Sprintf("connect from %s (%s)", visible.String(ev.Remote), t)
	case sandbox.EventHelo:
		return l.th.Event, t
	case sandbox.EventTLS:
		return l.th.Good, "TLS established: " + t
	case sandbox.EventAuth:
		return l.th.Good, "AUTH as " + t
	case sandbox.EventPOP3Login:
		return l.th.Good, "POP3 login " + t
	case sandbox.EventPOP3Retrieve:
		return l.th.Event, "POP3 " + t
	case sandbox.EventPOP3Delete:
		return l.th.Good, "POP3 QUIT: " + t
	case sandbox.EventMessage:
		return l.th.Good, describeMessage(ev.Message)
	case sandbox.EventClose:
		return l.th.Event, fmt.Sprintf("disconnect: %s (%d commands, %d messages)", t, ev.Commands, ev.Messages)
	case sandbox.EventClient:
		return l.th.Sent, "C: " + t
	case sandbox.EventServer:
		code := 0
		fmt.Sscanf(ev.Text, "%3d", &code)
		switch { // POP3's answers have no code: colour them as 2xx and 5xx
		case strings.HasPrefix(ev.Text, "+OK"):
			code = 250
		case strings.HasPrefix(ev.Text, "-ERR"):
			code = 550
		}
		return l.th.Class[min(max(code/100, 0), 5)], "S: " + t
	}
	return l.th.Event, t
}

// describeMessage names a queued message: id, envelope, size.
func describeMessage(m *sandbox.Message) string {
	to := make([]string, 0, 3)
	for i, rcpt := range m.To {
		if i == 3 {
			to = append(to, fmt.Sprintf("and %d more", len(m.To)-3))
			break
		}
		to = append(to, "<"+visible.Clip(rcpt, logClip)+">")
	}
	return fmt.Sprintf("message %s from <%s> to %d recipient(s) %s, %d bytes", visible.String(m.ID),
		visible.Clip(m.From, logClip), len(m.To), strings.Join(to, " "), len(m.Data))
}
