package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/visible"
	"github.com/smtprepl/smtprepl/transcripts"
)

const proxyUsage = `usage: smtprepl proxy --to HOST:PORT --record FILE [--listen ADDR] [--tls] [--write-cert FILE] [--cafile FILE | --insecure] [--once]
Sit between a client and a server and record what they really say. For
STARTTLS (and with --tls, TLS from the first byte) the proxy ends TLS on both
sides: the client sees the proxy's certificate (--write-cert writes it, for
the client to trust), the server is verified as a client would. AUTH secrets
are redacted as --record does. Connection 1 is recorded to FILE, connection
n to FILE with -n before its extension.`

type proxyFlags struct {
	listen, to, record, certOut, cafile string
	tls, insecure, once                 bool
	timeout                             time.Duration
}

func runProxy(ctx context.Context, e *env, args []string) (int, error) {
	var f proxyFlags
	fs := newFlagSet("proxy", e, proxyUsage)
	fs.StringVar(&f.listen, "listen", "127.0.0.1:2526", "address to listen on")
	fs.StringVar(&f.to, "to", "", "the server to forward to, HOST:PORT")
	fs.StringVar(&f.record, "record", "", "the transcript to write (connection n: FILE-n)")
	fs.StringVar(&f.certOut, "write-cert", "", "write the proxy's certificate (PEM) to FILE, for the client to trust")
	fs.StringVar(&f.cafile, "cafile", "", "trust this CA for the server's certificate")
	fs.BoolVar(&f.insecure, "insecure", false, "accept any certificate from the server")
	fs.BoolVar(&f.tls, "tls", false, "TLS from the first byte on both sides (port 465 style)")
	fs.BoolVar(&f.once, "once", false, "exit after one connection")
	fs.DurationVar(&f.timeout, "timeout", 5*time.Minute, "how long to wait for either side")
	pos, err := parseInterleaved(fs, args)
	switch {
	case err != nil:
		return exitUsage, err
	case len(pos) > 0:
		return exitUsage, usagef("proxy takes no arguments, got %q", pos)
	case f.to == "":
		return exitUsage, usagef("--to HOST:PORT is needed: the server to forward to")
	case f.record == "":
		return exitUsage, usagef("--record FILE is needed: where the dialogue goes")
	case f.timeout <= 0:
		return exitUsage, usagef("--timeout must be positive, got %s", f.timeout)
	}
	upstream, err := normaliseUpstream(f.to)
	if err != nil {
		return exitUsage, usagef("--to: %v", err)
	}
	upTLS, err := f.upstreamTLS(upstream)
	if err != nil {
		return exitUsage, err
	}
	cert, certPEM, err := proto.SelfSignedCert("smtprepl proxy", []string{"localhost", "proxy.smtprepl.test"}, time.Now(), 7*24*time.Hour)
	if err != nil {
		return exitFailure, err
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return exitFailure, fmt.Errorf("listening on %s: %w", visible.Clip(f.listen, 200), err)
	}
	defer ln.Close()
	// Written only once the proxy can listen, so a failed start does not
	// replace a certificate a running proxy's clients trust.
	if f.certOut != "" {
		if err := writeFileAtomic(f.certOut, certPEM); err != nil {
			return exitFailure, err
		}
	}
	p, err := transcripts.NewProxy(transcripts.ProxyConfig{
		Upstream: upstream, UpstreamTLS: upTLS, Cert: cert, Implicit: f.tls, Timeout: f.timeout,
		Open: func(n int) (io.WriteCloser, string, error) {
			name := numbered(f.record, n)
			w, err := os.Create(name)
			return w, visible.Clip(name, 200), err
		},
		Logf: func(format string, args ...any) { fmt.Fprintf(e.stderr, "proxy: "+format+"\n", args...) },
	})
	if err != nil {
		return exitFailure, err
	}
	fmt.Fprintf(e.stderr, "proxy: listening on %s, forwarding to %s, recording to %s\n", ln.Addr(), upstream, visible.Clip(f.record, 200))
	if err := p.Serve(ctx, ln, f.once); err != nil {
		return exitFailure, err
	}
	return exitOK, nil
}

func normaliseUpstream(to string) (string, error) {
	host, port, err := net.SplitHostPort(to)
	if err != nil || host == "" || port == "" {
		return "", fmt.Errorf("%q is not HOST:PORT", visible.Clip(to, 200))
	}
	return net.JoinHostPort(host, port), nil
}

func (f *proxyFlags) upstreamTLS(upstream string) (*tls.Config, error) {
	host, _, _ := net.SplitHostPort(upstream)
	cfg := &tls.Config{ServerName: host, InsecureSkipVerify: f.insecure}
	if f.cafile != "" {
		pem, err := os.ReadFile(f.cafile)
		if err != nil {
			return nil, usagef("--cafile: %v", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, usagef("--cafile %s holds no PEM certificate", visible.Clip(f.cafile, 200))
		}
	}
	return cfg, nil
}

// numbered is FILE for connection 1 and FILE-n (before the extension)
// for the others.
func numbered(path string, n int) string {
	if n == 1 {
		return path
	}
	ext := filepath.Ext(path)
	return fmt.Sprintf("%s-%d%s", strings.TrimSuffix(path, ext), n, ext)
}

// writeFileAtomic replaces path only once the new content is whole.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".smtprepl-")
	if err != nil {
		return fmt.Errorf("writing %s: %w", visible.Clip(path, 200), err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", visible.Clip(path, 200), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", visible.Clip(path, 200), err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", visible.Clip(path, 200), err)
	}
	return os.Rename(tmp.Name(), path)
}
