package repl

import (
	"fmt"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/visible"
)

// sayWaived says, where it is kept (the transcript, a recording) and on
// stderr in a script, that --insecure let an unverified certificate
// through and what was wrong with it: a script's reader must not take
// "TLS established" for a verified server.
func (s *Session) sayWaived(info *proto.TLSInfo) {
	if !s.cfg.TLS.Insecure {
		return
	}
	if info.Verified() {
		s.tap(proto.TapLine{Kind: proto.Event, Data: []byte("--insecure: the certificate verified anyway, nothing was waived")})
		return
	}
	// The problem names the certificate's subject and issuer, the
	// server's text, escaped already: TextClip bounds it without escaping
	// the escapes again.
	waived := "certificate NOT VERIFIED, accepted only because of --insecure: " + visible.TextClip(CertProblem(info), 300)
	s.tap(proto.TapLine{Kind: proto.Event, Data: []byte(waived)})
	if s.ask == nil {
		fmt.Fprintf(s.errOut, "smtprepl: warning: %s; the connection is encrypted but not authenticated: anyone between you and the server could read it\n", waived)
	}
}

// CertProblem is proto's sentence about a refused certificate, without
// the package prefix.
func CertProblem(info *proto.TLSInfo) string {
	msg := (&proto.CertError{Info: info, Err: info.VerifyErr}).Error()
	return strings.TrimPrefix(msg, "proto: ")
}
