package main

import (
	"errors"
	"flag"
	"net/netip"
	"strconv"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/visible"
	"github.com/smtprepl/smtprepl/repl"
)

// transportFlags say how the session reaches the server and who it
// says the client is: --xclient, the PROXY header, --pipe.
type transportFlags struct {
	xclient     []string
	proxy       string // "" none, else 1 or 2
	proxySource string
	proxyDest   string
	pipe        string
}

// proxyFlag is --proxy: alone it means version 1, --proxy=v2 (or
// --proxy v2, see joinProxyVersion) version 2.
type proxyFlag struct{ v *string }

func (p proxyFlag) String() string {
	if p.v == nil {
		return ""
	}
	return *p.v
}
func (p proxyFlag) IsBoolFlag() bool { return true }
func (p proxyFlag) Set(s string) error {
	switch strings.ToLower(s) {
	case "true", "v1", "1":
		*p.v = "1"
	case "v2", "2":
		*p.v = "2"
	case "false":
		*p.v = ""
	default:
		return usagef("--proxy takes v1 or v2, got %s", visible.Clip(strconv.Quote(s), 100))
	}
	return nil
}

func (t *transportFlags) register(fs *flag.FlagSet) {
	fs.Func("xclient", "Postfix XCLIENT after the first accepted EHLO: NAME=VALUE,... (ADDR, NAME, HELO, LOGIN, ...; repeatable)", func(s string) error {
		t.xclient = append(t.xclient, strings.Split(s, ",")...)
		return nil
	})
	fs.Var(proxyFlag{&t.proxy}, "proxy", "send a PROXY protocol header first: v1 (text, the default) or v2 (binary)")
	fs.StringVar(&t.proxySource, "proxy-source", "", "the client address the PROXY header names, IP:PORT (default: this end of the connection)")
	fs.StringVar(&t.proxyDest, "proxy-dest", "", "the server address the PROXY header names, IP:PORT (default: the server connected to)")
	fs.StringVar(&t.pipe, "pipe", "", "speak SMTP to COMMAND's stdin and stdout (run with sh -c), e.g. 'sendmail -bs'")
}

// joinProxyVersion lets "--proxy v2" be written as the issue and swaks's
// users write it, though --proxy alone is a flag without a value.
func joinProxyVersion(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if (a == "--proxy" || a == "-proxy") && i+1 < len(args) && isProxyVersion(args[i+1]) {
			a += "=" + args[i+1]
			i++
		}
		out = append(out, a)
	}
	return out
}

func isProxyVersion(s string) bool {
	switch strings.ToLower(s) {
	case "v1", "v2", "1", "2":
		return true
	}
	return false
}

// apply checks the flags against each other and the rest of the
// session's, and puts them into cfg; hasHost says a server was named.
func (t *transportFlags) apply(cfg *repl.Config, hasHost bool) error {
	if len(t.xclient) > 0 {
		attrs, err := proto.ParseXClientAttrs(t.xclient)
		if err != nil {
			return usagef("--xclient: %s", strings.TrimPrefix(err.Error(), "proto: "))
		}
		cfg.XClient = attrs
	}
	if err := t.applyProxy(cfg); err != nil {
		return err
	}
	if t.pipe == "" {
		return nil
	}
	return t.applyPipe(cfg, hasHost)
}

func (t *transportFlags) applyProxy(cfg *repl.Config) error {
	if t.proxy == "" && (t.proxySource != "" || t.proxyDest != "") {
		t.proxy = "1" // naming an address asks for the header
	}
	if t.proxy == "" {
		return nil
	}
	p := &proto.ProxyOptions{Version: int(t.proxy[0] - '0')}
	for _, f := range []struct {
		name, val string
		to        *netip.AddrPort
	}{{"--proxy-source", t.proxySource, &p.Source}, {"--proxy-dest", t.proxyDest, &p.Dest}} {
		if f.val == "" {
			continue
		}
		ap, err := netip.ParseAddrPort(f.val)
		if err != nil || ap.Addr().Zone() != "" {
			return usagef("%s takes IP:PORT ([IPv6]:PORT), got %s", f.name, visible.Clip(strconv.Quote(f.val), 100))
		}
		*f.to = ap
	}
	if p.Source.IsValid() && p.Dest.IsValid() && p.Source.Addr().Unmap().Is4() != p.Dest.Addr().Unmap().Is4() {
		return usagef("--proxy-source %s and --proxy-dest %s must both be IPv4 or both IPv6", p.Source, p.Dest)
	}
	cfg.Proxy = p
	return nil
}

func (t *transportFlags) applyPipe(cfg *repl.Config, hasHost bool) error {
	switch {
	case hasHost:
		return usagef("--pipe speaks to a process, not to a server: drop HOST or --pipe")
	case cfg.ImplicitTLS || cfg.StartTLS:
		return usagef("--pipe cannot be encrypted: the process's stdin and stdout are pipes on this machine, there is no connection for TLS (drop --tls/--starttls)")
	case cfg.Proxy != nil:
		return usagef("--pipe has no connection for a PROXY header to describe: drop --proxy")
	case cfg.LocalAddr != nil:
		return usagef("--local-addr needs a connection; --pipe has none")
	case strings.ContainsAny(t.pipe, "\x00"):
		return usagef("--pipe: the command holds a NUL byte")
	}
	cfg.Addr = repl.PipeAddr(t.pipe)
	return nil
}

// transportExit is swaks's exit status for a send whose --xclient failed
// (33, or 34 when the EHLO after it was refused) or whose PROXY header
// could not be made (35) or sent (36).
func transportExit(err error) (int, bool) {
	var xe *repl.XClientError
	var pe *proto.ProxyError
	switch {
	case errors.As(err, &xe) && xe.AfterEHLO:
		return 34, true
	case errors.As(err, &xe):
		return 33, true
	case errors.As(err, &pe) && pe.Built:
		return 36, true
	case errors.As(err, &pe):
		return 35, true
	}
	return 0, false
}
