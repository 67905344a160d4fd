package mx

import (
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// fuzzQuery is the question every fuzzed reply is read as answering.
var fuzzQuery = query{id: 0x1234, name: dnsmessage.MustNewName("x.test."), typ: TypeMX}

// seedReply packs a reply to fuzzQuery holding rrs.
func seedReply(tb testing.TB, rrs ...dnsmessage.Resource) []byte {
	tb.Helper()
	m := dnsmessage.Message{
		Header:    dnsmessage.Header{ID: fuzzQuery.id, Response: true},
		Questions: []dnsmessage.Question{{Name: fuzzQuery.name, Type: dnsmessage.TypeMX, Class: dnsmessage.ClassINET}},
		Answers:   rrs,
	}
	b, err := m.Pack()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func rr(name string, body dnsmessage.ResourceBody) dnsmessage.Resource {
	return dnsmessage.Resource{Header: dnsmessage.ResourceHeader{Name: dnsmessage.MustNewName(name), Class: dnsmessage.ClassINET}, Body: body}
}

// FuzzParseReply feeds hostile DNS messages to everything that reads a
// reply: the decoder, then CNAME chains (loops included), MX and address
// records at odd owners, TLSA and TXT RDATA.
func FuzzParseReply(f *testing.F) {
	name := dnsmessage.MustNewName
	f.Add(seedReply(f,
		rr("x.test.", &dnsmessage.CNAMEResource{CNAME: name("y.test.")}),
		rr("y.test.", &dnsmessage.CNAMEResource{CNAME: name("x.test.")}),
		rr("x.test.", &dnsmessage.MXResource{Pref: 0, MX: name(".")})))
	f.Add(seedReply(f,
		rr("x.test.", &dnsmessage.MXResource{Pref: 10, MX: name("a.test.")}),
		rr("x.test.", &dnsmessage.MXResource{Pref: 10, MX: name("b.test.")}),
		rr("a.test.", &dnsmessage.AResource{A: [4]byte{192, 0, 2, 1}}),
		rr("a.test.", &dnsmessage.AAAAResource{AAAA: [16]byte{10: 0xff, 11: 0xff, 12: 192, 14: 2, 15: 1}})))
	f.Add(seedReply(f,
		rr("x.test.", &dnsmessage.TXTResource{TXT: []string{"v=STSv1; ", "id=\"1\x1b\""}}),
		rr("x.test.", &dnsmessage.UnknownResource{Type: dnsmessage.Type(TypeTLSA), Data: []byte{3, 1, 1, 0xab, 0xcd}})))
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := parseReply(b, fuzzQuery)
		if err != nil {
			return
		}
		if len(in.records) > maxRecords {
			t.Fatalf("%d records kept", len(in.records))
		}
		for _, r := range in.records {
			if _, ok := parseName(r.Name); !ok {
				t.Fatalf("owner %q does not parse back", r.Name)
			}
		}
		owner, mxs, notes := mxRecords("x.test", in.records)
		if len(notes) > maxCNAMEs {
			t.Fatalf("%d CNAME notes: the chain is not bounded", len(notes))
		}
		for _, r := range mxs {
			if r.Type != TypeMX || !sameName(r.Name, owner) {
				t.Fatalf("%s at %q kept for owner %q", r.Type, r.Name, owner)
			}
		}
		order(mxs, nil)
		for i := 1; i < len(mxs); i++ {
			if mxs[i].Preference < mxs[i-1].Preference {
				t.Fatalf("not in preference order: %v", mxs)
			}
		}
		for _, a := range (Answer{Records: in.records}).Addrs("x.test") {
			if !a.IsValid() || a.Is4In6() {
				t.Fatalf("address %v", a)
			}
		}
	})
}

// FuzzParseTLSA: any RDATA is either refused or read into its four fields
// without losing an octet.
func FuzzParseTLSA(f *testing.F) {
	for _, s := range []string{"", "\x03\x01", "\x03\x01\x01", "\x03\x01\x01\xab\xcd", "\x02\x00\x02" + string(make([]byte, 64))} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tl, err := parseTLSA(data)
		if (err != nil) != (len(data) < 3) {
			t.Fatalf("parseTLSA(%x) error %v", data, err)
		}
		if err != nil {
			return
		}
		got := append([]byte{tl.Usage, tl.Selector, tl.MatchingType}, tl.Data...)
		if string(got) != string(data) {
			t.Fatalf("parseTLSA(%x) = %+v", data, tl)
		}
	})
}

// FuzzName: a name that parses is shown in a form that parses back to
// the same octets, so a name read from a reply can be asked about.
func FuzzName(f *testing.F) {
	for _, s := range []string{"x.test", "x.test.", ".", "a\\027[2Jb.evil.test.", "a\\.b", "\\", "a..b", "\\256.x", `q\"uote\ d.x`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := parseName(s)
		if !ok {
			return
		}
		shown := nameText(n)
		back, ok := parseName(shown)
		if !ok || back != n {
			t.Fatalf("parseName(%q) shown as %q, which parses to %q, %v", s, shown, back.String(), ok)
		}
		if _, err := packQuery(query{name: n, typ: TypeA}); err != nil {
			t.Fatalf("parseName(%q) accepted a name the query cannot carry: %v", s, err)
		}
	})
}
