package mx

import (
	"testing"

	"github.com/miekg/dns"
)

// FuzzAnswer feeds hostile DNS messages to the code that reads answers:
// CNAME chains (loops included), MX and address records at odd owners.
func FuzzAnswer(f *testing.F) {
	for _, rrs := range [][]string{
		{"x.test. CNAME y.test.", "y.test. CNAME x.test.", "x.test. MX 0 ."},
		{"x.test. MX 10 a.test.", "x.test. MX 10 b.test.", "a.test. A 192.0.2.1", "a.test. AAAA ::ffff:192.0.2.1"},
	} {
		m := new(dns.Msg)
		m.SetQuestion("x.test.", dns.TypeMX)
		for _, s := range rrs {
			rr, err := dns.NewRR(s)
			if err != nil {
				f.Fatal(err)
			}
			m.Answer = append(m.Answer, rr)
		}
		b, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m := new(dns.Msg)
		if m.Unpack(b) != nil {
			return
		}
		owner, mxs, notes := mxRecords("x.test", m.Answer)
		if len(notes) > maxCNAMEs {
			t.Fatalf("%d CNAME notes: the chain is not bounded", len(notes))
		}
		for _, r := range mxs {
			if !sameName(r.Hdr.Name, owner) {
				t.Fatalf("MX at %q kept for owner %q", r.Hdr.Name, owner)
			}
		}
		order(mxs, nil)
		for i := 1; i < len(mxs); i++ {
			if mxs[i].Preference < mxs[i-1].Preference {
				t.Fatalf("not in preference order: %v", mxs)
			}
		}
		for _, a := range addrs("x.test", m.Answer) {
			if !a.IsValid() || a.Is4In6() {
				t.Fatalf("address %v", a)
			}
		}
	})
}
