package probe

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/visible"
)

// maxTranscript bounds the lines a port's transcript keeps: EHLO replies
// are short, but a hostile server can send a thousand-line one.
const maxTranscript = 200

// portTarget is one connection to make.
type portTarget struct {
	host string // the name certificates are checked against
	addr string // host:port dialled
	port int    // the port as reported (the service's, 25/465/587)
	role string
}

// probePort speaks to one port: greeting, EHLO, STARTTLS when offered,
// EHLO again, QUIT. It never fails as a whole: what went wrong is in
// the report.
func probePort(ctx context.Context, t portTarget, o *Options) (rep PortReport, chain []*x509.Certificate) {
	rep = PortReport{Port: t.port, Addr: t.addr, Role: t.role, Ext: Ext{AuthBeforeTLS: []string{}, AuthAfterTLS: []string{}}, Transcript: []string{}}
	tap := func(l proto.TapLine) {
		if len(rep.Transcript) >= maxTranscript {
			return
		}
		prefix := map[proto.LineKind]string{proto.Sent: "C: ", proto.Received: "S: ", proto.Event: "=== "}[l.Kind]
		line := visible.Clip(strings.TrimRight(string(l.Data), "\r\n"), 1000)
		if l.Kind == proto.Event {
			line = visible.TextClip(string(l.Data), 1000)
		}
		rep.Transcript = append(rep.Transcript, prefix+line)
	}
	popts := proto.Options{
		Timeout:     o.Timeout,
		ImplicitTLS: t.role == RoleImplicit,
		// Insecure so the handshake completes and the certificate can be
		// reported; VerifyErr still says whether it would have verified.
		TLS: proto.TLSOptions{ServerName: t.host, Insecure: true, CAFile: o.CAFile, RootPEM: o.RootPEM},
		Tap: tap,
		Now: o.now,
	}
	c, err := proto.Dial(ctx, t.addr, popts)
	if err != nil {
		rep.Error = errText(err, 500)
		return rep, chain
	}
	defer c.Close()
	rep.Reached = true
	rep.Timing.Connect = ms(c.Timings().Connect)
	if info := c.TLS(); info != nil {
		rep.TLS, chain = tlsReport(info, o.now()), info.Chain
		rep.Timing.Handshake = ms(info.Handshake)
	}
	step := func(line string, into *Millis) (*proto.Reply, error) {
		start := o.now()
		var r *proto.Reply
		var err error
		if line == "" {
			r, err = c.ReadReply(ctx)
		} else {
			r, err = c.Cmd(ctx, line)
		}
		*into = ms(o.now().Sub(start))
		return r, err
	}
	greet, err := step("", &rep.Timing.Greeting)
	if err != nil {
		rep.Error = "reading the greeting: " + errText(err, 500)
		return rep, chain
	}
	rep.Greeting = visible.Clip(strings.Join(greet.Raw, " / "), 1000)
	if greet.Code != 220 {
		rep.Error = fmt.Sprintf("the greeting is %d, not 220: the server does not want this session", greet.Code)
		return rep, chain
	}
	ehlo, err := step("EHLO "+o.EHLOName, &rep.Timing.EHLO)
	if err != nil {
		rep.Error = "EHLO: " + errText(err, 500)
		return rep, chain
	}
	if ehlo.Code != 250 {
		rep.Error = fmt.Sprintf("EHLO was answered %d: %s", ehlo.Code, visible.Clip(strings.Join(ehlo.Lines, " "), 300))
		quit(ctx, c)
		return rep, chain
	}
	before := proto.ParseEHLO(ehlo)
	rep.EHLO = capLines(before)
	after := before
	switch {
	case t.role == RoleImplicit:
	case !before.StartTLS():
		rep.StartTLS = "not offered"
	default:
		r, err := step("STARTTLS", &rep.Timing.StartTLS)
		if err != nil {
			rep.Error = "STARTTLS: " + errText(err, 500)
			return rep, chain
		}
		if r.Code != 220 {
			rep.StartTLS = fmt.Sprintf("refused: %d %s", r.Code, visible.Clip(strings.Join(r.Lines, " "), 300))
			break
		}
		info, err := c.StartTLS(ctx)
		if err != nil {
			rep.StartTLS = "offered"
			rep.Error = "TLS handshake: " + errText(err, 500)
			return rep, chain
		}
		rep.StartTLS = "offered"
		rep.TLS, chain = tlsReport(info, o.now()), info.Chain
		rep.Timing.Handshake = ms(info.Handshake)
		e2, err := step("EHLO "+o.EHLOName, &rep.Timing.EHLOAfter)
		if err != nil {
			rep.Error = "EHLO after STARTTLS: " + errText(err, 500)
			return rep, chain
		}
		if e2.Code == 250 {
			after = proto.ParseEHLO(e2)
			rep.AfterTLS = capLines(after)
			rep.Changes = compareCaps(before, after)
		}
	}
	rep.Ext = extensions(before, after, t.role == RoleImplicit || rep.TLS != nil)
	quit(ctx, c)
	return rep, chain
}

func quit(ctx context.Context, c *proto.Client) {
	_, _ = c.Cmd(ctx, "QUIT") // a server that hangs up first has said goodbye too
}

// capLines is the capabilities as the server wrote them, one per line.
func capLines(caps *proto.Capabilities) []string {
	out := []string{}
	for _, c := range caps.List {
		out = append(out, visible.Clip(strings.TrimSpace(c.Keyword+" "+strings.Join(c.Params, " ")), 300))
	}
	return out
}

// compareCaps sees EHLO as a set of keywords with parameters, not as
// lines: order does not matter, a changed parameter is one change.
func compareCaps(before, after *proto.Capabilities) *Changes {
	ch := &Changes{}
	for _, b := range before.List {
		if b.Keyword == "STARTTLS" {
			continue // gone once TLS is up, as RFC 3207 §4.2 expects
		}
		a, ok := after.Get(b.Keyword)
		switch {
		case !ok:
			ch.Removed = append(ch.Removed, visible.Clip(b.Keyword, 100))
		case !slices.Equal(a.Params, b.Params):
			ch.Changed = append(ch.Changed, visible.Clip(fmt.Sprintf("%s %s -> %s", b.Keyword, strings.Join(b.Params, " "), strings.Join(a.Params, " ")), 300))
		}
	}
	for _, a := range after.List {
		if !before.Has(a.Keyword) {
			ch.Added = append(ch.Added, visible.Clip(strings.TrimSpace(a.Keyword+" "+strings.Join(a.Params, " ")), 300))
		}
	}
	if len(ch.Added)+len(ch.Removed)+len(ch.Changed) == 0 {
		return nil
	}
	return ch
}

// extensions reads the final EHLO (after TLS when there was TLS), and
// AUTH from both: AUTH before TLS is the finding that matters.
func extensions(before, after *proto.Capabilities, encrypted bool) Ext {
	e := Ext{AuthBeforeTLS: []string{}, AuthAfterTLS: []string{}}
	if encrypted && before == after {
		e.AuthAfterTLS = clipAll(before.AuthMechanisms())
	} else {
		e.AuthBeforeTLS = clipAll(before.AuthMechanisms())
		if encrypted {
			e.AuthAfterTLS = clipAll(after.AuthMechanisms())
		}
	}
	if n, ok := after.MaxSize(); ok {
		e.Size = n
	}
	e.Pipelining, e.Chunking, e.SMTPUTF8 = after.Pipelining(), after.Chunking(), after.SMTPUTF8()
	e.RequireTLS, e.DSN, e.EightBitMIME = after.Has("REQUIRETLS"), after.DSN(), after.EightBitMIME()
	e.EnhancedStatusCodes = after.EnhancedStatusCodes()
	return e
}

func clipAll(ss []string) []string {
	out := []string{}
	for _, s := range ss {
		out = append(out, visible.Clip(s, 100))
	}
	return out
}

// tlsReport describes the session and every certificate of the chain.
func tlsReport(info *proto.TLSInfo, now time.Time) *TLS {
	t := &TLS{
		Version: info.Version, Cipher: info.Cipher, ServerName: visible.Clip(info.ServerName, 255),
		Verified: info.Verified(), SelfSigned: info.SelfSigned, Chain: []Cert{},
	}
	if info.VerifyErr != nil {
		t.VerifyError = visible.TextClip(info.VerifyErr.Error(), 500)
	}
	if len(info.Chain) > 0 {
		t.NameMatches = info.Chain[0].VerifyHostname(info.ServerName) == nil
	}
	for i, c := range info.Chain {
		if i == 10 {
			break // a chain longer than this is noise, or an attack on the report
		}
		t.Chain = append(t.Chain, certReport(c, now))
	}
	return t
}

func certReport(c *x509.Certificate, now time.Time) Cert {
	sum := sha256.Sum256(c.Raw)
	spki := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	out := Cert{
		Subject: visible.Clip(c.Subject.String(), 500), Issuer: visible.Clip(c.Issuer.String(), 500),
		NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(),
		DaysLeft: int(c.NotAfter.Sub(now).Hours() / 24),
		SHA256:   hex.EncodeToString(sum[:]), SPKI: hex.EncodeToString(spki[:]),
		Key: keyDescription(c),
	}
	for i, n := range c.DNSNames {
		if i == 20 {
			out.SANs = append(out.SANs, fmt.Sprintf("… %d more", len(c.DNSNames)-20))
			break
		}
		out.SANs = append(out.SANs, visible.Clip(n, 255))
	}
	for _, ip := range c.IPAddresses {
		out.SANs = append(out.SANs, ip.String())
	}
	return out
}

// errText is an error as a report shows it: escaped, bounded, without
// the package prefix proto puts on its errors.
func errText(err error, max int) string {
	return visible.TextClip(strings.ReplaceAll(err.Error(), "proto: ", ""), max)
}
