package repl

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
)

// command is one colon-command. The one table drives dispatch, :help,
// completion and the README's command reference.
type command struct {
	name    string
	args    string
	summary string
	// detail is shown by :help :NAME, after the usage and summary.
	detail string
	// secret marks commands whose arguments must never reach history.
	secret   bool
	run      func(ctx context.Context, s *Session, args string) error
	complete func(s *Session, arg string) []string
	// completeAt, when set, is used instead of complete: it also gets the
	// words before the one being typed, for arguments that differ by place.
	completeAt func(s *Session, before []string, word string) []string
}

type commandTable struct {
	list   []command
	byName map[string]int
}

// commands is the table of colon-commands, built when the session first
// looks one up: a script or send that uses none does not pay for it at
// start. Once, because the shell's completion asks from readline's
// goroutine.
func (s *Session) commands() *commandTable {
	s.cmdsOnce.Do(func() { s.cmds = newCommandTable() })
	return s.cmds
}

// newCommandTable is a constructor, not a package variable, because :help
// reads the table and a variable initialiser would form a cycle.
func newCommandTable() *commandTable {
	t := &commandTable{byName: map[string]int{}}
	for _, c := range baseCommands() {
		t.add(c)
	}
	return t
}

func (t *commandTable) add(c command) {
	t.byName[c.name] = len(t.list)
	t.list = append(t.list, c)
}

func (t *commandTable) lookup(name string) (command, bool) {
	i, ok := t.byName[strings.ToLower(name)]
	if !ok {
		return command{}, false
	}
	return t.list[i], true
}

func (s *Session) colon(ctx context.Context, line string) error {
	name, args, _ := strings.Cut(strings.TrimSpace(line), " ")
	c, ok := s.commands().lookup(name)
	if !ok {
		return fmt.Errorf("unknown command :%s (try :help)", name)
	}
	if s.pop3Refuses(name) {
		return errPOP3Only
	}
	return c.run(ctx, s, strings.TrimSpace(args))
}

func baseCommands() []command {
	return []command{
		{name: "help", args: "[VERB|:COMMAND]", summary: "list colon-commands; with an SMTP verb, its syntax, RFC section, an example and the replies to expect",
			run: runHelp, complete: completeHelp},
		{name: "explain", args: "[CODE|ENHANCED|\"REPLY\"|KEYWORD]", summary: "the long explanation of 550, 5.7.8, \"550 5.1.1 ...\" or an EHLO keyword; alone, of the last reply",
			run: runExplain, complete: completeExplain},
		{name: "open", args: "[HOST[:PORT]|pop3://HOST[:PORT] | --mx DOMAIN] [--tls] [--insecure] [--cafile FILE]", summary: "connect (again) and read the greeting; alone, reconnect to the same server; pop3:// speaks POP3",
			detail: "--tls speaks TLS from the first byte (port 465); --cafile trusts a CA or self-signed certificate; --insecure accepts any certificate and says so. pop3://HOST speaks POP3 (port 110; pop3s:// is 995 with TLS), and pop3://sandbox is the practice server's POP3; a HOST without pop3:// speaks SMTP again.",
			run:    runOpen, complete: completeOpen},
		{name: "mx", args: "DOMAIN", summary: "where mail for DOMAIN goes: its MX hosts in the order an MTA tries them, null MX and DNS errors explained",
			detail: "Asks the DNS server named by --resolver (or SMTPREPL_RESOLVER), else the system's. :open --mx DOMAIN then connects to the first host that answers.",
			run:    runMX},
		{name: "close", summary: "drop the connection without QUIT", run: runClose},
		{name: "status", summary: "where the session stands: server, TLS, login, transaction, extensions", run: runStatus},
		{name: "tls", args: "[chain|pem|fingerprint]", summary: "the TLS connection: version, cipher, ALPN and each certificate (subject, names, issuer, validity, SHA-256, key); pem prints the chain as PEM, fingerprint only the fingerprints",
			run: runTLS, complete: func(_ *Session, arg string) []string { return matchPrefix(arg, tlsShowForms) }},
		{name: "auth", args: "plain|login|cram-md5|xoauth2|oauthbearer|scram-sha-256 USER", summary: "log in step by step, each exchange explained: the password or token from --auth-password-env/--auth-password-file or $SMTPREPL_PASSWORD, else asked for (not echoed)",
			run: runAuth, complete: completeAuthCmd, secret: true},
		{name: "xclient", args: "NAME=VALUE ...", summary: "Postfix XCLIENT: act as the client named (ADDR, NAME, HELO, LOGIN, ...); values encoded as xtext for you, each explained, then EHLO again",
			detail: "Names: " + strings.Join(proto.XClientNames(), ", ") + "; [UNAVAILABLE] and [TEMPUNAVAIL] are values too. A name the server's EHLO XCLIENT line does not list is refused before anything is sent.",
			run:    runXClient, complete: completeXClient},
		{name: "b64", args: "TEXT", summary: "base64-encode TEXT (what AUTH LOGIN expects)", run: runB64, secret: true},
		{name: "unb64", args: "BASE64", summary: "decode base64 (e.g. a 334 challenge)", run: runUnB64, secret: true},
		{name: "plain", args: "USER PASS", summary: "build AUTH PLAIN's base64(\\0user\\0pass)", run: runPlain, secret: true},
		{name: "send", args: "FILE", summary: "send FILE as the message, streamed and dot-stuffed; sends DATA first when needed",
			run: runSend, complete: func(_ *Session, arg string) []string { return completeFiles(arg) }},
		composeCommand(),
		{name: "mailbox", args: "[ID]", summary: "the practice server's received messages; with an ID, one message and its MIME tree",
			run: runMailbox, complete: completeMailbox},
		{name: "wire", args: "on|off|hex", summary: "show exact bytes, Go-quoted with \\r\\n (C= \"EHLO x\\r\\n\"), or the readable C:/S: lines; hex adds offset, hex and ASCII under every line (script mode too)",
			run: runWire, complete: func(_ *Session, arg string) []string { return matchPrefix(arg, []string{"on", "off", "hex"}) }},
		{name: "timing", args: "on|off", summary: "show how long connecting, each TLS handshake and each reply took, in milliseconds",
			run: runTiming, complete: func(_ *Session, arg string) []string { return matchPrefix(arg, []string{"on", "off"}) }},
		{name: "export", args: "FORMAT [FILE]", summary: "hand the session over: the recording as a swaks or curl command, a Python or Go program, a Mermaid diagram or the .eml",
			detail: "Works from the running recording (:record or --record), secrets redacted: the exports read them from $SMTP_USER and $SMTP_PASSWORD. FORMAT: swaks, curl, python, go, mermaid, eml.",
			run:    runExport, complete: completeExport},
		{name: "record", args: "FILE|off", summary: "write the session from now on as a transcript (AUTH secrets redacted)",
			run: runRecord, complete: func(_ *Session, arg string) []string { return completeFiles(arg) }},
		{name: "quit", summary: "leave smtprepl (Ctrl-D too)", run: runQuit},
	}
}

func runB64(_ context.Context, s *Session, args string) error {
	s.showBuilt(b64Token, ":b64 result", proto.B64(args))
	return nil
}

func runUnB64(_ context.Context, s *Session, args string) error {
	text, err := proto.UnB64(args)
	if err != nil {
		return err
	}
	if strings.Contains(text, "\x00") {
		// A PLAIN blob: the password is in it, so it is a secret wherever
		// output is kept (the shell shows it: that is what was asked).
		s.sec.set.Learn("AUTH PLAIN credentials", args)
	}
	s.view.output(fmt.Sprintf("%q", text))
	return nil
}

func runPlain(_ context.Context, s *Session, args string) error {
	user, pass, ok := strings.Cut(args, " ")
	if !ok {
		return fmt.Errorf("usage: :plain USER PASS")
	}
	s.showBuilt(plainToken, "AUTH PLAIN credentials", proto.PlainResponse("", user, pass))
	return nil
}

func runClose(_ context.Context, s *Session, _ string) error {
	if err := s.requireConn(); err != nil {
		return err
	}
	s.model.ConnectionClosed()
	s.body = nil
	s.view.dataMode(false)
	return s.client.Close()
}

func runQuit(_ context.Context, s *Session, _ string) error {
	s.quit = true
	return ErrQuit
}

func runWire(_ context.Context, s *Session, args string) error {
	if err := s.instruments.hex.set(s.view.View, args); err != nil {
		return err
	}
	s.view.note("wire view " + args)
	return nil
}

func runRecord(_ context.Context, s *Session, args string) error {
	switch args {
	case "":
		return errors.New("usage: :record FILE|off")
	case "off":
		return s.StopRecording()
	}
	said, err := s.StartRecording(args)
	if err != nil {
		return err
	}
	s.view.note(said + " (AUTH answers are redacted as they are written)")
	return nil
}
