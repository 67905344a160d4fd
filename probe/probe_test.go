package probe_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/mx"
	"github.com/smtprepl/smtprepl/mx/mxtest"
	"github.com/smtprepl/smtprepl/probe"
	"github.com/smtprepl/smtprepl/proto/sandbox"
)

// startSandbox runs the practice server on its three listeners.
func startSandbox(t *testing.T) (srv *sandbox.Server, ports []probe.Port) {
	t.Helper()
	srv, err := sandbox.New(sandbox.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	listen := []func(string) (net.Addr, error){srv.Listen, srv.ListenTLS, srv.ListenSubmission}
	for i, svc := range []int{25, 465, 587} {
		a, err := listen[i]("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ports = append(ports, probe.Port{Service: svc, Dial: a.(*net.TCPAddr).Port, Role: probe.RoleOf(svc)})
	}
	return srv, ports
}

// keys lists findings as "severity key ports", what a test can compare.
func keys(fs []probe.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s %s %v", f.Severity, f.Key, f.Ports))
	}
	return out
}

func TestProbeSandbox(t *testing.T) {
	srv, ports := startSandbox(t)
	rep, err := probe.Run(context.Background(), "127.0.0.1", probe.Options{Ports: ports, Timeout: 5 * time.Second, RootPEM: srv.CertPEM()})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Hosts) != 1 || len(rep.Hosts[0].Ports) != 3 {
		t.Fatalf("hosts %+v", rep.Hosts)
	}
	p25, p465, p587 := rep.Hosts[0].Ports[0], rep.Hosts[0].Ports[1], rep.Hosts[0].Ports[2]
	for _, p := range rep.Hosts[0].Ports {
		if !p.Reached || p.Error != "" || p.TLS == nil || !p.TLS.Verified || !p.TLS.NameMatches {
			t.Errorf("port %d: reached %v, error %q, TLS %+v", p.Port, p.Reached, p.Error, p.TLS)
		}
		if got := p.Transcript[len(p.Transcript)-3]; got != "C: QUIT" {
			t.Errorf("port %d does not end with QUIT: %q", p.Port, p.Transcript)
		}
		for _, l := range p.Transcript {
			if v, _, _ := strings.Cut(strings.TrimPrefix(l, "C: "), " "); strings.HasPrefix(l, "C: ") && v != "EHLO" && v != "STARTTLS" && v != "QUIT" {
				t.Errorf("port %d: the probe sent %q; it must never send more than EHLO, STARTTLS and QUIT", p.Port, l)
			}
		}
	}
	if p25.StartTLS != "offered" || p587.StartTLS != "offered" || p465.StartTLS != "" {
		t.Errorf("STARTTLS: 25 %q, 465 %q, 587 %q", p25.StartTLS, p465.StartTLS, p587.StartTLS)
	}
	if diff := cmp.Diff(&probe.Changes{Added: []string{"AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256 XOAUTH2 OAUTHBEARER"}}, p587.Changes); diff != "" {
		t.Errorf("587's EHLO changes (-want +got):\n%s", diff)
	}
	if p25.Changes != nil {
		t.Errorf("25's EHLO changed only by losing STARTTLS, which is no change: %+v", p25.Changes)
	}
	if p587.Ext.Size != 10485760 || !p587.Ext.Pipelining || !p587.Ext.Chunking || len(p587.Ext.AuthBeforeTLS) != 0 {
		t.Errorf("587's extensions: %+v", p587.Ext)
	}
	// The sandbox's certificate lives three days: it expires "soon", and
	// that is said once for the three ports.
	want := []string{
		"warning certificate-expires-soon [25 465 587]",
		"info auth-before-starttls [25]",
		"info ehlo-changed-after-tls [587]",
	}
	if diff := cmp.Diff(want, keys(rep.Findings)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

// script is a server that answers from a list, for the cases the sandbox
// does not play: no STARTTLS, AUTH PLAIN in the clear, a refusal.
func script(t *testing.T, host string, greeting string, ehlo []string) string {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Skipf("cannot listen on %s: %v", host, err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				fmt.Fprintf(c, "%s\r\n", greeting)
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					switch v := strings.ToUpper(strings.Fields(line + " x")[0]); v {
					case "EHLO":
						for i, l := range ehlo {
							sep := "-"
							if i == len(ehlo)-1 {
								sep = " "
							}
							fmt.Fprintf(c, "250%s%s\r\n", sep, l)
						}
					case "QUIT":
						fmt.Fprint(c, "221 bye\r\n")
						return
					default:
						fmt.Fprint(c, "502 no\r\n")
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func TestProbeFindings(t *testing.T) {
	// 192.0.2.2 is this machine's own non-loopback address: AUTH in the
	// clear there is an error, not the note it is on loopback.
	tests := []struct {
		name     string
		host     string
		greeting string
		ehlo     []string
		svc      int
		want     []string
		err      string
	}{
		{name: "submission without STARTTLS, AUTH in the clear", host: "192.0.2.2", greeting: "220 mx ESMTP", svc: 587,
			ehlo: []string{"mx", "AUTH PLAIN LOGIN", "SIZE 1000"},
			want: []string{"error no-starttls [587]", "error auth-before-starttls [587]", "info no-enhancedstatuscodes [587]", "info no-pipelining [587]"}},
		{name: "relay without STARTTLS", host: "127.0.0.1", greeting: "220 mx ESMTP", svc: 25,
			ehlo: []string{"mx", "PIPELINING", "ENHANCEDSTATUSCODES"},
			want: []string{"warning no-starttls [25]"}},
		{name: "a refusing greeting", host: "127.0.0.1", greeting: "554 5.7.1 go away", svc: 25,
			want: []string{"error session-failed []"}, err: "the greeting is 554, not 220: the server does not want this session"},
		{name: "STARTTLS offered, then refused", host: "127.0.0.1", greeting: "220 mx", svc: 25,
			ehlo: []string{"mx", "STARTTLS", "PIPELINING", "ENHANCEDSTATUSCODES"},
			want: []string{"error starttls-refused [25]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := script(t, tt.host, tt.greeting, tt.ehlo)
			_, port, _ := net.SplitHostPort(addr)
			n, _ := strconv.Atoi(port)
			rep, err := probe.Run(context.Background(), addr, probe.Options{Timeout: 5 * time.Second,
				Ports: []probe.Port{{Service: tt.svc, Dial: n, Role: probe.RoleOf(tt.svc)}}})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, keys(rep.Findings)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			if got := rep.Hosts[0].Ports[0].Error; got != tt.err {
				t.Errorf("port error %q, want %q", got, tt.err)
			}
		})
	}
}

func TestProbeUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	rep, err := probe.Run(context.Background(), addr, probe.Options{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"error nothing-reached []", "warning unreachable []"}, keys(rep.Findings)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

// TestProbeDomain resolves a domain through a loopback DNS server whose
// MX hosts are the sandbox, with TLSA records, an MTA-STS policy served
// over HTTPS and a TLS-RPT record.
func TestProbeDomain(t *testing.T) {
	srv, ports := startSandbox(t)
	leaf := sandboxLeaf(t, srv)
	policy := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/mta-sts.txt" {
			http.NotFound(w, r)
			return
		}
		switch r.Host {
		case "mta-sts.good.test":
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprint(w, "version: STSv1\r\nmode: enforce\r\nmx: mx1.good.test\r\nmax_age: 86400\r\n")
		case "mta-sts.moved.test":
			http.Redirect(w, r, "https://elsewhere.test/.well-known/mta-sts.txt", http.StatusMovedPermanently)
		case "mta-sts.html.test":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<p>version: STSv1</p>")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(policy.Close)
	roots := x509.NewCertPool()
	roots.AddCert(policy.Certificate())
	dialPolicy := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, policy.Listener.Addr().String())
	}
	zone := fmt.Sprintf(`
good.test.             MX 10 mx1.good.test.
good.test.             MX 20 mx2.good.test.
mx1.good.test.         A 127.0.0.1
mx2.good.test.         A 127.0.0.1
_25._tcp.mx1.good.test. TLSA 3 1 1 %x
_25._tcp.mx1.good.test. AD
_25._tcp.mx2.good.test. TLSA 3 1 1 0000000000000000000000000000000000000000000000000000000000000000
_mta-sts.good.test.    TXT "v=STSv1; id=20261207"
moved.test.            MX 10 mx1.good.test.
_mta-sts.moved.test.   TXT "v=STSv1; id=1"
html.test.             MX 10 mx1.good.test.
_mta-sts.html.test.    TXT "v=STSv1; id=1"
_smtp._tls.good.test.  TXT "v=TLSRPTv1; rua=mailto:tls@good.test"
nullmx.test.           MX 0 .
broken.test.           SERVFAIL
`, spkiSHA256(leaf))
	dns := mxtest.Start(t, zone)
	res, err := mx.NewResolver(dns.Addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	o := probe.Options{Resolver: res, Ports: ports[:1], Timeout: 5 * time.Second,
		PolicyDial: dialPolicy, PolicyRoots: roots, PolicyServerName: "example.com"} // httptest's certificate
	rep, err := probe.Run(context.Background(), "good.test", o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Domain != "good.test" || len(rep.MX) != 2 || len(rep.Hosts) != 2 {
		t.Fatalf("domain %q, MX %+v, hosts %d", rep.Domain, rep.MX, len(rep.Hosts))
	}
	byHost := map[string]*probe.DANE{}
	for _, h := range rep.Hosts {
		byHost[h.Name] = h.Ports[0].DANE
	}
	if d := byHost["mx1.good.test"]; d == nil || !d.Authenticated || d.Match == "" {
		t.Errorf("mx1's DANE: %+v", d)
	}
	if d := byHost["mx2.good.test"]; d == nil || d.Authenticated || d.Match != "" {
		t.Errorf("mx2's DANE: %+v", d)
	}
	pol := rep.Policy
	if pol == nil || pol.MTASTSMode != "enforce" || pol.MTASTSMaxAge != 86400 || pol.TLSRPT != "v=TLSRPTv1; rua=mailto:tls@good.test" {
		t.Fatalf("policy %+v", pol)
	}
	got := keys(rep.Findings)
	for _, w := range []string{"error mta-sts-mx-mismatch []", "warning dane-unsigned [25]", "info dane-ok [25]"} {
		if !strings.Contains(strings.Join(got, "\n"), w) {
			t.Errorf("findings lack %q: %v", w, got)
		}
	}

	checkSchema(t, rep)

	for _, tt := range []struct{ domain, err string }{
		{"moved.test", "fetching https://mta-sts.moved.test/.well-known/mta-sts.txt: HTTP 301 (redirects are not followed, RFC 8461 §3.3)"},
		{"html.test", `https://mta-sts.html.test/.well-known/mta-sts.txt is served as "text/html", not text/plain`},
	} {
		rep, err := probe.Run(context.Background(), tt.domain, o)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Policy == nil || rep.Policy.MTASTSError != tt.err || rep.Policy.MTASTSMode != "" {
			t.Errorf("%s: policy %+v, want the error %q", tt.domain, rep.Policy, tt.err)
		}
	}

	rep, err = probe.Run(context.Background(), "nullmx.test", o)
	if err != nil || !rep.NullMX || len(rep.Hosts) != 0 {
		t.Errorf("null MX: %+v, %v", rep, err)
	}
	_, err = probe.Run(context.Background(), "broken.test", o)
	if err == nil || !strings.Contains(err.Error(), "SERVFAIL") || !strings.Contains(err.Error(), "queues the message and retries") {
		t.Errorf("SERVFAIL: %v", err)
	}
}

func sandboxLeaf(t *testing.T, srv *sandbox.Server) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(srv.CertPEM())
	if block == nil {
		t.Fatal("the sandbox's PEM holds no certificate")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func spkiSHA256(c *x509.Certificate) []byte {
	sum := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	return sum[:]
}
