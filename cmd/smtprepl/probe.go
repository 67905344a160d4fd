package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/smtprepl/smtprepl/mx"
	"github.com/smtprepl/smtprepl/probe"
)

const probeUsage = `usage: smtprepl probe [flags] HOST[:PORT] | DOMAIN
Everything a server says about itself, without sending mail: greeting, EHLO
before and after STARTTLS, TLS and certificate chain, DANE, MTA-STS, TLS-RPT,
timing, and findings. A DOMAIN's MX hosts are probed on 25, 465 and 587;
HOST:PORT probes that port only. Exit 0 when the probe ran (whatever it found),
1 when --fail-on matched, 2 when nothing could be reached, 64 on usage errors.`

type probeFlags struct {
	json     bool
	failOn   string
	resolver string
	ports    string
	timeout  time.Duration
	ehlo     string
	cafile   string
	tls      bool
}

func runProbe(ctx context.Context, e *env, args []string) (int, error) {
	var f probeFlags
	fs := newFlagSet("smtprepl probe", e, probeUsage)
	fs.BoolVar(&f.json, "json", false, "write the report as one JSON object (schema: probe/schema.json)")
	fs.StringVar(&f.failOn, "fail-on", "", "exit 1 when a finding is this bad or worse: warning or error (for CI)")
	fs.StringVar(&f.resolver, "resolver", "", "send every DNS query to HOST:PORT (default: $SMTPREPL_RESOLVER, else /etc/resolv.conf)")
	fs.StringVar(&f.ports, "ports", "", "ports to try, e.g. 25,587, or SERVICE=PORT to probe a service on another port: 25=2525,465=2465")
	fs.DurationVar(&f.timeout, "timeout", 10*time.Second, "for each connection, handshake, reply and DNS query")
	fs.StringVar(&f.ehlo, "ehlo", "", "the name EHLO gives (default probe.smtprepl.invalid)")
	fs.StringVar(&f.cafile, "cafile", "", "verify certificates against this CA (PEM) instead of the system's roots")
	fs.BoolVar(&f.tls, "tls", false, "with HOST:PORT: the port speaks TLS from the first byte (465 style)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return exitUsage, err
	}
	if len(pos) != 1 {
		return exitUsage, usagef("probe takes one HOST[:PORT] or DOMAIN, got %d", len(pos))
	}
	o, err := f.options(e)
	if err != nil {
		return exitUsage, err
	}
	rep, err := probe.Run(ctx, pos[0], o)
	var te *probe.TargetError
	if errors.As(err, &te) {
		return exitUsage, usagef("%v", err)
	}
	if err != nil {
		return exitFailure, err
	}
	if f.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return exitFailure, fmt.Errorf("writing the JSON report: %w", err)
		}
	} else if err := rep.Text(e.stdout); err != nil {
		return exitFailure, fmt.Errorf("writing the report: %w", err)
	}
	return probeExit(rep, f.failOn), nil
}

func (f *probeFlags) options(e *env) (probe.Options, error) {
	o := probe.Options{Timeout: f.timeout, EHLOName: f.ehlo, CAFile: f.cafile}
	if f.timeout <= 0 {
		return o, usagef("--timeout must be positive, got %s", f.timeout)
	}
	if f.failOn != "" && f.failOn != probe.Warning && f.failOn != probe.Error {
		return o, usagef("--fail-on takes warning or error, got %q", f.failOn)
	}
	if f.cafile != "" {
		if _, err := os.Stat(f.cafile); err != nil {
			return o, usagef("--cafile: %v", err)
		}
	}
	if f.ehlo != "" && strings.IndexFunc(f.ehlo, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return o, usagef("--ehlo takes one name without spaces or control characters")
	}
	server, err := resolverFlag(f.resolver, e.getenv)
	if err != nil {
		return o, err
	}
	if o.Resolver, err = mx.NewResolver(server, f.timeout); err != nil {
		// No DNS server to ask (no resolv.conf): hosts and addresses can
		// still be probed; a domain then says it cannot be looked up.
		o.Resolver = nil
	}
	if o.Ports, err = parsePorts(f.ports); err != nil {
		return o, err
	}
	if f.tls {
		if len(o.Ports) == 0 {
			o.Ports = []probe.Port{{Service: 465, Dial: 465, Role: probe.RoleImplicit}}
		}
		for i := range o.Ports {
			o.Ports[i].Role = probe.RoleImplicit
		}
	}
	return o, nil
}

// parsePorts reads "25,587" or "25=2525,465=2465,587=2587".
func parsePorts(s string) ([]probe.Port, error) {
	if s == "" {
		return nil, nil
	}
	var out []probe.Port
	for _, item := range strings.Split(s, ",") {
		svc, dial, hasDial := strings.Cut(strings.TrimSpace(item), "=")
		if !hasDial {
			dial = svc
		}
		sn, err1 := strconv.Atoi(svc)
		dn, err2 := strconv.Atoi(dial)
		if err1 != nil || err2 != nil || sn < 1 || sn > 65535 || dn < 1 || dn > 65535 {
			return nil, usagef("--ports: %q is not PORT or SERVICE=PORT (numbers from 1 to 65535)", item)
		}
		out = append(out, probe.Port{Service: sn, Dial: dn, Role: probe.RoleOf(sn)})
	}
	return out, nil
}

// probeExit: 2 when nothing answered, 1 when --fail-on matched, else 0.
func probeExit(rep *probe.Report, failOn string) int {
	for _, f := range rep.Findings {
		if f.Key == "nothing-reached" {
			return exitFailure
		}
	}
	for _, f := range rep.Findings {
		if f.Severity == probe.Error || (failOn == probe.Warning && f.Severity == probe.Warning) {
			if failOn != "" {
				return exitReplies
			}
		}
	}
	return exitOK
}
