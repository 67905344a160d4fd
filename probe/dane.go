package probe

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/smtprepl/smtprepl/mx"
	"github.com/smtprepl/smtprepl/proto/visible"
)

// maxTLSA bounds the records kept for one port.
const maxTLSA = 20

// lookupDANE reads the TLSA records at _PORT._tcp.HOST (RFC 7672) and
// checks the chain against them. No records is nil: most hosts have none.
func lookupDANE(ctx context.Context, r *mx.Resolver, host string, port int, chain []*x509.Certificate) *DANE {
	name := fmt.Sprintf("_%d._tcp.%s", port, host)
	ans, err := r.Query(ctx, name, mx.TypeTLSA)
	if err != nil {
		var de *mx.Error
		if errors.As(err, &de) && de.Kind == mx.NXDomain {
			return nil
		}
		return &DANE{Error: errText(err, 500)}
	}
	d := &DANE{Authenticated: ans.Authenticated}
	var tlsa []mx.TLSA
	for _, rr := range ans.Records {
		if rr.Type == mx.TypeTLSA && len(tlsa) < maxTLSA {
			tlsa = append(tlsa, rr.TLSA)
			d.Records = append(d.Records, visible.Clip(tlsaText(rr.TLSA), 300))
		}
	}
	if len(tlsa) == 0 {
		return nil
	}
	for _, t := range tlsa {
		if tlsaMatches(t, chain) {
			d.Match = visible.Clip(tlsaText(t), 300)
			break
		}
	}
	return d
}

func tlsaText(t mx.TLSA) string {
	return fmt.Sprintf("%d %d %d %x", t.Usage, t.Selector, t.MatchingType, t.Data)
}

// tlsaMatches applies RFC 6698 §2.1 as RFC 7672 §3.1 narrows it for
// SMTP: usage 3 (DANE-EE) matches the leaf, usage 2 (DANE-TA) any other
// certificate of the chain; 0 and 1 are treated as 2 and 3.
func tlsaMatches(t mx.TLSA, chain []*x509.Certificate) bool {
	if len(chain) == 0 {
		return false
	}
	var candidates []*x509.Certificate
	switch t.Usage {
	case 3, 1:
		candidates = chain[:1]
	case 2, 0:
		candidates = chain[1:]
	default:
		return false
	}
	for _, c := range candidates {
		data := c.Raw
		if t.Selector == 1 {
			data = c.RawSubjectPublicKeyInfo
		} else if t.Selector != 0 {
			return false
		}
		var got []byte
		switch t.MatchingType {
		case 0:
			got = data
		case 1:
			s := sha256.Sum256(data)
			got = s[:]
		case 2:
			s := sha512.Sum512(data)
			got = s[:]
		default:
			return false
		}
		if bytes.Equal(got, t.Data) {
			return true
		}
	}
	return false
}
