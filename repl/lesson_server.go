package repl

import (
	"fmt"
	"net"
	"os"

	"github.com/smtprepl/smtprepl/lessons"
	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/sandbox"
)

// LessonTarget is the server a lesson runs against and what the lesson's
// {{name}} variables stand for there.
type LessonTarget struct {
	Config Config
	// Vars: "implicit-tls" (host:port of a port-465 style listener),
	// "submission" (of a port-587 style one), "cafile" (the certificate
	// trusted) and "trust" (the :open options that trust it).
	Vars map[string]string
	// Names replace addresses in recorded events ("connected to sandbox"),
	// so a golden transcript does not hold a port chosen at random.
	Names map[string]string
	// Stored is what the server stored, shown at the lesson's end; for a
	// server the user named, whose mailboxes smtprepl cannot see, a
	// sentence saying so.
	Stored func() string
}

// LessonServer is the in-process practice server set up for one lesson:
// plain SMTP with STARTTLS, an implicit-TLS listener, a submission
// listener, and its certificate in a file.
type LessonServer struct {
	Server  *sandbox.Server
	TLSAddr string
	// SubmissionAddr is a port-587 style listener: STARTTLS required
	// before AUTH and MAIL, whatever the lesson's own port does.
	SubmissionAddr string
	POP3Addr       string // its POP3 listener, for retrieval lessons
	// CAFile holds the server's self-signed certificate. The lesson runner
	// trusts it explicitly, as --cafile does for a lab CA, so STARTTLS is
	// verified rather than waved through.
	CAFile string
}

// StartLessonServer starts a sandbox from base with the lesson's options
// (require-tls, max-errors) on loopback ports chosen by the system.
func StartLessonServer(base sandbox.Config, o lessons.SandboxOptions) (*LessonServer, error) {
	base.RequireTLS = base.RequireTLS || o.RequireTLS
	base.Greylist = base.Greylist || o.Greylist
	base.AuthFailsOnce = base.AuthFailsOnce || o.AuthFailsOnce
	if o.RejectRcpt > 0 {
		base.RejectRcpt = o.RejectRcpt
	}
	if o.Drop421At != "" {
		base.Drop421At = o.Drop421At
	}
	if o.MaxSize > 0 {
		base.MaxSize = o.MaxSize
	}
	if o.MaxErrors > 0 {
		base.MaxErrors = o.MaxErrors
	}
	srv, err := sandbox.New(base)
	if err != nil {
		return nil, fmt.Errorf("starting the practice server: %w", err)
	}
	ls := &LessonServer{Server: srv}
	if _, err := srv.Listen("127.0.0.1:0"); err != nil {
		srv.Close()
		return nil, fmt.Errorf("starting the practice server: %w", err)
	}
	tlsAddr, err := srv.ListenTLS("127.0.0.1:0")
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("starting the practice server's TLS port: %w", err)
	}
	ls.TLSAddr = tlsAddr.String()
	subAddr, err := srv.ListenSubmission("127.0.0.1:0")
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("starting the practice server's submission port: %w", err)
	}
	ls.SubmissionAddr = subAddr.String()
	if ls.POP3Addr, err = SandboxPOP3(srv); err != nil {
		srv.Close()
		return nil, err
	}
	if ls.CAFile, err = writeCertFile(srv.CertPEM()); err != nil {
		srv.Close()
		return nil, err
	}
	return ls, nil
}

// writeCertFile puts the certificate where --cafile can name it, which is
// the point: the lesson trusts the practice server the way a teacher's
// students trust a lab CA.
func writeCertFile(pem []byte) (string, error) {
	f, err := os.CreateTemp("", "smtprepl-lesson-*.pem")
	if err != nil {
		return "", fmt.Errorf("writing the practice server's certificate: %w", err)
	}
	_, err = f.Write(pem)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("writing the practice server's certificate: %w", err)
	}
	return f.Name(), nil
}

// Target is where a lesson connects: the sandbox, its certificate trusted.
func (ls *LessonServer) Target() LessonTarget {
	addr := ls.Server.Addr().String()
	return LessonTarget{
		Config: Config{Addr: addr, Sandbox: ls.Server, TLS: proto.TLSOptions{CAFile: ls.CAFile}},
		Vars: map[string]string{"implicit-tls": ls.TLSAddr, "submission": ls.SubmissionAddr, "pop3": ls.POP3Addr,
			"cafile": ls.CAFile, "trust": "--cafile " + ls.CAFile},
		Names: map[string]string{addr: "sandbox", ls.TLSAddr: "sandbox-tls", ls.SubmissionAddr: "sandbox-submission",
			ls.POP3Addr: "sandbox-pop3"},
		Stored: ls.Stored,
	}
}

// Close stops the server and removes the certificate file.
func (ls *LessonServer) Close() error {
	os.Remove(ls.CAFile)
	return ls.Server.Close()
}

// ServerTarget is a lesson against a server the user named (a teacher's
// lab MTA): implicit TLS is taken to be on port 465 of the same host,
// submission on port 587, and its certificate is trusted as cfg says.
func ServerTarget(cfg Config) LessonTarget {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		host = cfg.Addr
	}
	trust, cafile := "", "(none: the system's trusted authorities)"
	switch {
	case cfg.TLS.CAFile != "":
		trust, cafile = "--cafile "+cfg.TLS.CAFile, cfg.TLS.CAFile
	case cfg.TLS.Insecure:
		trust = "--insecure"
	}
	return LessonTarget{
		Config: cfg,
		Vars: map[string]string{"implicit-tls": net.JoinHostPort(host, "465"), "submission": net.JoinHostPort(host, "587"),
			"pop3": net.JoinHostPort(host, "110"), "cafile": cafile, "trust": trust},
		Stored: func() string {
			return "What this server stored is in its own mailboxes, which smtprepl cannot see; " +
				"against the practice server a lesson ends by showing them."
		},
	}
}
