package repl

import (
	"fmt"
	"path"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/sandbox"
	"github.com/smtprepl/smtprepl/proto/visible"
)

// tlsOptions trusts the in-process sandbox's own certificate in the
// interactive shell when the user named no CA: smtprepl started that
// server, so its certificate is known for certain, and STARTTLS then
// verifies as it would against a real server instead of failing on
// "self-signed" in a student's first session. Script mode keeps the plain
// rule (refused unless --cafile or --insecure), so scripts behave the same
// against the sandbox as against any server.
func (s *Session) tlsOptions() proto.TLSOptions {
	opts := s.cfg.TLS
	if s.ask == nil || !s.AtSandbox() || opts.CAFile != "" || opts.Insecure {
		return opts
	}
	opts.RootPEM = s.cfg.Sandbox.CertPEM()
	return opts
}

func (s *Session) showTLS(info *proto.TLSInfo) {
	s.instruments.show(s, "TLS handshake", info.Handshake)
	if s.recording != nil {
		// Kept so that a replay can say when the certificate changed.
		s.recording.rec.Event(proto.CertificateEvent(info))
	}
	s.view.tls(info)
	if s.cfg.TLSShow != "" {
		s.showTLSReport(info, s.cfg.TLSShow)
	}
	s.sayWaived(info)
	if s.tlsOptions().RootPEM != nil && info.Verified() {
		s.view.note("verified against the practice server's own certificate, which smtprepl knows because it started that server")
	}
}

// isColonCommand reports whether line names a known colon-command, so that
// message text starting with ':' still goes out as text.
func (t *commandTable) isColonCommand(line string) bool {
	if !strings.HasPrefix(line, ":") {
		return false
	}
	name, _, _ := strings.Cut(strings.TrimSpace(line[1:]), " ")
	_, ok := t.lookup(name)
	return ok
}

// inData reports whether lines are message text now.
func (s *Session) inData() bool { return s.model.Phase() == proto.PhaseData }

// State is where the session stands: the model's snapshot, for the
// prompt, lessons and :status.
func (s *Session) State() proto.State { return s.model.State() }

// AtSandbox reports whether the session is at its practice server (not
// visiting another one).
func (s *Session) AtSandbox() bool {
	if s.cfg.Sandbox == nil {
		return false
	}
	if a := s.cfg.Sandbox.POP3Addr(); s.cfg.POP3 && a != nil {
		return s.cfg.Addr == a.String()
	}
	return s.cfg.Addr == s.cfg.Sandbox.Addr().String()
}

// SandboxPOP3 is the address of srv's POP3 listener, started on a free
// loopback port if it has none yet.
func SandboxPOP3(srv *sandbox.Server) (string, error) {
	if a := srv.POP3Addr(); a != nil {
		return a.String(), nil
	}
	a, err := srv.ListenPOP3("127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("starting the practice server's POP3: %w", err)
	}
	return a.String(), nil
}

// describeTarget names the server for the prompt and :status: "sandbox"
// for the in-process practice server, else host[:port] (port 25 implied).
func (s *Session) describeTarget() string {
	if s.AtSandbox() {
		return "sandbox"
	}
	if s.cfg.Addr == "" && s.cfg.MXDomain != "" {
		return "the MX hosts of " + visible.Clip(s.cfg.MXDomain, 255)
	}
	if command, ok := strings.CutPrefix(s.cfg.Addr, proto.PipePrefix); ok {
		// The program's name: a whole command line would fill the prompt.
		first, _, _ := strings.Cut(strings.TrimSpace(command), " ")
		return proto.PipePrefix + visible.Clip(path.Base(first), 40)
	}
	return strings.TrimSuffix(s.cfg.Addr, ":25")
}

// MarkMalformed records that the server broke the reply syntax and the
// connection was kept (a debugger may want to see what comes next), and
// says what that means.
func (s *Session) MarkMalformed() string {
	s.model.MarkOutOfStep("a malformed reply")
	return fmt.Sprintf("the connection to %s is still open but may be out of step: the rest of that reply may arrive as the answer to your next command (NOOP and watch, or :open to start afresh)", s.describeTarget())
}

// MarkAbandoned records that a wait was given up, and says what that means.
func (s *Session) MarkAbandoned() string {
	s.model.MarkOutOfStep("an abandoned wait")
	awaited := "the reply to " + s.pendingVerb
	if s.pendingVerb == "" {
		awaited = "the server's greeting"
	}
	return fmt.Sprintf("stopped waiting for %s. The connection to %s is still open but may be out of step: a late reply would look like the answer to your next command (NOOP and watch, or :open to start afresh)", awaited, s.describeTarget())
}
