package main

import (
	"context"
	"fmt"
	"net"
	"os"

	"github.com/smtprepl/smtprepl/proto/sandbox"
)

const sandboxUsage = `usage: smtprepl sandbox [--listen ADDR] [--require-tls] [--write-cert FILE]
                        [--mailbox-messages N] [--mailbox-mib N] [--inflight-mib N]
Run the practice server in the foreground until interrupted.`

// sandboxFlags are the command line's settings for the practice server.
type sandboxFlags struct {
	listen, certOut            string
	requireTLS                 bool
	keepMsgs, keepMiB, inFlMiB int
}

func runSandbox(ctx context.Context, e *env, args []string) (int, error) {
	f, err := parseSandboxFlags(e, args)
	if err != nil {
		return exitUsage, err
	}
	cfg := sandbox.DefaultConfig()
	cfg.RequireTLS = f.requireTLS
	cfg.MailboxMessages = f.keepMsgs
	cfg.MailboxBytes = int64(f.keepMiB) << 20
	cfg.InFlightBytes = int64(f.inFlMiB) << 20
	srv, err := sandbox.New(cfg)
	if err != nil {
		return exitFailure, fmt.Errorf("starting the sandbox: %w", err)
	}
	defer srv.Close()
	if f.certOut != "" {
		if err := os.WriteFile(f.certOut, srv.CertPEM(), 0o644); err != nil {
			return exitFailure, fmt.Errorf("--write-cert: %w", err)
		}
	}
	addr, err := srv.Listen(f.listen)
	if err != nil {
		return exitFailure, fmt.Errorf("sandbox cannot listen on %s: %w", f.listen, err)
	}
	announce(e, addr)
	<-ctx.Done()
	mb := srv.Mailbox()
	if n := mb.Dropped(); n > 0 {
		fmt.Fprintf(e.stdout, "sandbox stopped; %d message(s) were received (the %d oldest dropped to keep within the mailbox's limits)\n", mb.Len()+n, n)
	} else {
		fmt.Fprintf(e.stdout, "sandbox stopped; %d message(s) were received\n", mb.Len())
	}
	return exitOK, nil
}

func parseSandboxFlags(e *env, args []string) (sandboxFlags, error) {
	var f sandboxFlags
	d := sandbox.DefaultConfig()
	fs := newFlagSet("sandbox", e, sandboxUsage)
	fs.StringVar(&f.listen, "listen", "127.0.0.1:2525", "address to listen on (beyond loopback, anyone who can reach it can use it)")
	fs.BoolVar(&f.requireTLS, "require-tls", false, "behave like a submission port: STARTTLS before AUTH and MAIL")
	fs.StringVar(&f.certOut, "write-cert", "", "write the generated certificate (PEM) to FILE, for --cafile")
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
	const who = "users alice bob carol postmaster @example.test; AUTH student/secret"
	where := exposure(addr)
	if where == "" {
		fmt.Fprintf(e.stdout, "smtprepl sandbox listening on %s (%s). Ctrl-C stops it.\n", addr, who)
		return
	}
	fmt.Fprintf(e.stdout, "smtprepl sandbox listening on %s (%s), REACHABLE FROM THE NETWORK. Ctrl-C stops it.\n", addr, who)
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
