package term

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/visible"
	"github.com/smtprepl/smtprepl/repl"
	"github.com/smtprepl/smtprepl/repl/internal/wrap"
)

// TLS shows what the handshake negotiated and, in words, whether the
// certificate was verified; an --insecure waiver is said loudly.
func (v *termView) TLS(info *proto.TLSInfo) {
	for _, row := range tlsRows(info, v.now()) {
		lead := detailIndent + fmt.Sprintf("%-10s", row[0])
		v.println(v.th.Explain.Sprint(wrap.Text(shown(row[1]), v.width(), lead, strings.Repeat(" ", len(lead)))))
	}
	if info.Verified() {
		why := "it chains to a trusted authority"
		if info.SelfSigned {
			// No authority vouches for a self-signed certificate: this
			// session trusts the certificate itself (the practice
			// server's own, or --cafile).
			why = "this very certificate is trusted here (the practice server's own, or --cafile)"
		}
		text := wrap.Text("yes: "+why+" and names "+visible.Clip(info.ServerName, 200), v.width(), detailIndent+"verified  ", detailIndent+"          ")
		v.println(v.th.Good.Sprint(text))
		return
	}
	v.println(v.th.Err.Sprint(wrap.Text(shown("NOT VERIFIED, accepted only because of --insecure: "+repl.CertProblem(info))+
		". The connection is encrypted but not authenticated: anyone between you and the server could have presented this certificate and read everything, passwords included.",
		v.width(), detailIndent+"verified  ", detailIndent+"          ")))
}

// tlsRows quote the certificate, which the server chose: escaped, and
// bounded however many names it lists.
func tlsRows(info *proto.TLSInfo, now time.Time) [][2]string {
	// Distinguished names carry their own backslash escapes (\;): TextClip
	// escapes controls without doubling those.
	issuer := visible.TextClip(info.Issuer, 200)
	if info.SelfSigned {
		issuer = "itself (self-signed)"
	}
	return [][2]string{
		{"subject", visible.TextClip(info.Subject, 200)},
		{"issuer", issuer},
		{"names", certNames(info.SANs)},
		{"valid", validity(info, now)},
	}
}

// showNames is how many of a certificate's names the report lists.
const showNames = 10

func certNames(names []string) string {
	shown := make([]string, 0, min(len(names), showNames))
	for _, n := range names[:min(len(names), showNames)] {
		shown = append(shown, visible.Clip(n, 100))
	}
	text := strings.Join(shown, ", ")
	if len(names) > showNames {
		text += fmt.Sprintf(" and %d more", len(names)-showNames)
	}
	return text
}

// validity says when the certificate expires, relative to now.
func validity(info *proto.TLSInfo, now time.Time) string {
	until := info.NotAfter.UTC().Format("2006-01-02 15:04 MST")
	switch {
	case now.Before(info.NotBefore):
		return "NOT YET VALID: from " + info.NotBefore.UTC().Format("2006-01-02 15:04 MST")
	case now.After(info.NotAfter):
		return "EXPIRED on " + until + " (" + repl.Roughly(now.Sub(info.NotAfter)) + " ago)"
	}
	return "until " + until + " (" + repl.Roughly(info.NotAfter.Sub(now)) + " from now)"
}

// certAdvice is how to go on after a refused certificate.
func certAdvice(err error, sandbox bool) string {
	var ce *proto.CertError
	if !errors.As(err, &ce) {
		return ""
	}
	if sandbox {
		return "this is the practice server: its certificate can be trusted with --cafile (smtprepl sandbox --write-cert FILE writes it)"
	}
	return "to go on: trust the issuing CA or this certificate with :open --cafile FILE (or --cafile on the command line), or accept it unverified with :open --insecure; the connection is closed"
}
