package main

import (
	"context"
	"fmt"
	"os"

	"github.com/smtprepl/smtprepl/proto/sandbox"
)

const sandboxUsage = `usage: smtprepl sandbox [--listen ADDR] [--require-tls] [--write-cert FILE]
Run the practice server in the foreground until interrupted.`

func runSandbox(ctx context.Context, e *env, args []string) (int, error) {
	fs := newFlagSet("sandbox", e, sandboxUsage)
	listen := fs.String("listen", "127.0.0.1:2525", "address to listen on")
	requireTLS := fs.Bool("require-tls", false, "behave like a submission port: STARTTLS before AUTH and MAIL")
	certOut := fs.String("write-cert", "", "write the generated certificate (PEM) to FILE, for --cafile")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return exitUsage, err
	}
	if len(pos) > 0 {
		return exitUsage, usagef("sandbox takes no arguments, got %q", pos)
	}
	cfg := sandbox.DefaultConfig()
	cfg.RequireTLS = *requireTLS
	srv, err := sandbox.New(cfg)
	if err != nil {
		return exitFailure, fmt.Errorf("starting the sandbox: %w", err)
	}
	defer srv.Close()
	if *certOut != "" {
		if err := os.WriteFile(*certOut, srv.CertPEM(), 0o644); err != nil {
			return exitFailure, fmt.Errorf("--write-cert: %w", err)
		}
	}
	addr, err := srv.Listen(*listen)
	if err != nil {
		return exitFailure, fmt.Errorf("sandbox cannot listen on %s: %w", *listen, err)
	}
	fmt.Fprintf(e.stdout, "smtprepl sandbox listening on %s (users alice bob carol postmaster @example.test; AUTH student/secret). Ctrl-C stops it.\n", addr)
	<-ctx.Done()
	fmt.Fprintf(e.stdout, "sandbox stopped; %d message(s) were received\n", srv.Mailbox().Len())
	return exitOK, nil
}
