package repl

import (
	"context"
	"fmt"
	"strings"
)

// openArgs is what :open was told: a server and how to secure it.
type openArgs struct {
	addr     string
	pop3     bool // pop3:// or pop3s:// (implicit TLS)
	tls      bool
	insecure bool
	cafile   string
	mx       string // a domain whose MX hosts to try, in order
}

func parseOpenArgs(args string) (openArgs, error) {
	var o openArgs
	fields := strings.Fields(args)
	for i := 0; i < len(fields); i++ {
		switch f := fields[i]; {
		case f == "--tls":
			o.tls = true
		case f == "--insecure":
			o.insecure = true
		case f == "--cafile" && i+1 < len(fields):
			i++
			o.cafile = fields[i]
		case f == "--mx" && i+1 < len(fields):
			i++
			o.mx = fields[i]
		case strings.HasPrefix(f, "-"):
			return o, fmt.Errorf("unknown option %s: :open [HOST[:PORT] | --mx DOMAIN] [--tls] [--insecure] [--cafile FILE]", f)
		case o.addr != "":
			return o, fmt.Errorf("one server at a time, got %q and %q", o.addr, f)
		default:
			o.addr, o.pop3, o.tls = cutScheme(f, o.tls)
		}
	}
	if o.mx != "" && o.addr != "" {
		return o, fmt.Errorf("a server or --mx DOMAIN, not both")
	}
	return o, nil
}

// cutScheme takes a URL scheme off an address: pop3:// and pop3s://
// (implicit TLS) speak POP3, smtp:// and smtps:// SMTP, as does no scheme.
func cutScheme(addr string, tls bool) (rest string, pop3, implicitTLS bool) {
	for scheme, kind := range map[string][2]bool{"pop3://": {true, false}, "pop3s://": {true, true}, "smtp://": {false, false}, "smtps://": {false, true}} {
		if len(addr) >= len(scheme) && strings.EqualFold(addr[:len(scheme)], scheme) {
			return strings.TrimSuffix(addr[len(scheme):], "/"), kind[0], tls || kind[1]
		}
	}
	return addr, false, tls
}

// runOpen connects again: alone, to the same server; with a HOST, to it
// (its options start afresh); "sandbox" goes back to the practice server.
func runOpen(ctx context.Context, s *Session, args string) error {
	o, err := parseOpenArgs(args)
	if err != nil {
		return err
	}
	if err := s.retarget(o); err != nil {
		return err
	}
	if o.insecure {
		s.cfg.TLS.Insecure = true
	}
	if o.cafile != "" {
		s.cfg.TLS.CAFile = o.cafile
	}
	return s.Open(ctx)
}

func (s *Session) retarget(o openArgs) error {
	if o.addr != "" {
		s.cfg.MXDomain = "" // a server named: not the MX of a domain asked for before
	}
	switch {
	case o.mx != "":
		s.cfg.MXDomain, s.cfg.ImplicitTLS, s.cfg.POP3 = o.mx, o.tls, false
		s.cfg.TLS.Insecure, s.cfg.TLS.CAFile, s.cfg.TLS.ServerName = false, "", ""
	case o.addr == "sandbox" && s.cfg.Sandbox != nil && o.pop3:
		addr, err := SandboxPOP3(s.cfg.Sandbox)
		if err != nil {
			return err
		}
		s.cfg.Addr, s.cfg.ImplicitTLS, s.cfg.POP3 = addr, false, true
	case o.addr == "sandbox" && s.cfg.Sandbox != nil:
		s.cfg.Addr, s.cfg.ImplicitTLS, s.cfg.POP3 = s.cfg.Sandbox.Addr().String(), false, false
	case o.addr != "":
		normalise := NormaliseAddr
		switch {
		case o.pop3:
			normalise = NormalisePOP3Addr
		case s.cfg.LMTP:
			normalise = NormaliseLMTPAddr
		}
		addr, err := normalise(o.addr, o.tls)
		if err != nil {
			return err
		}
		s.cfg.Addr, s.cfg.ImplicitTLS, s.cfg.POP3 = addr, o.tls, o.pop3
		s.cfg.TLS.Insecure, s.cfg.TLS.CAFile = false, ""
	case o.tls:
		s.cfg.ImplicitTLS = true
	}
	return nil
}

func completeOpen(s *Session, arg string) []string {
	cands := []string{"--tls", "--insecure", "--cafile", "--mx"}
	if s.cfg.Sandbox != nil {
		cands = append(cands, "sandbox", "pop3://sandbox")
	}
	return matchPrefix(arg, cands)
}
