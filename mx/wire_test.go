package mx

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

func TestParseName(t *testing.T) {
	tests := []struct {
		in   string
		wire string // dnsmessage's form; "" when refused
		text string // as nameText shows it
	}{
		{in: "mx.example", wire: "mx.example.", text: "mx.example."},
		{in: "mx.example.", wire: "mx.example.", text: "mx.example."},
		{in: ".", wire: ".", text: "."},
		{in: "_25._tcp.mx.example", wire: "_25._tcp.mx.example.", text: "_25._tcp.mx.example."},
		{in: `a\027[2Jb.evil.test.`, wire: "a\x1b[2Jb.evil.test.", text: `a\027[2Jb.evil.test.`},
		{in: `a\ b\"c.x`, wire: `a b"c.x.`, text: `a\ b\"c.x.`},
		{in: `\255\000.x`, wire: "\xff\x00.x.", text: `\255\000.x.`},
		{in: ""},
		{in: "bad..name"},
		{in: ".leading"},
		{in: `a\.b.x`},                        // a dot inside a label: dnsmessage cannot carry it
		{in: `\256.x`},                        // not an octet
		{in: `a\`},                            // a dangling escape
		{in: `a\12.x`},                        // \DDD takes three digits
		{in: string(make([]byte, 64)) + ".x"}, // a label over 63 octets
	}
	for _, tt := range tests {
		n, ok := parseName(tt.in)
		if got := n.String(); !ok && tt.wire != "" || ok && got != tt.wire {
			t.Errorf("parseName(%q) = %q, %v; want %q", tt.in, got, ok, tt.wire)
			continue
		}
		if ok && nameText(n) != tt.text {
			t.Errorf("nameText(parseName(%q)) = %q, want %q", tt.in, nameText(n), tt.text)
		}
	}
	// 255 octets on the wire is the most DNS allows (RFC 1035 §2.3.4).
	label := strings.Repeat("a", 63) + "."
	longest := strings.Repeat(label, 3) + strings.Repeat("b", 61)
	if n, ok := parseName(longest); !ok || n.Length != 254 {
		t.Errorf("the longest name (%d octets) was refused", len(longest)+2)
	}
	if _, ok := parseName(longest + "b"); ok {
		t.Errorf("a name of %d octets was accepted", len(longest)+3)
	}
}

func TestSystemServer(t *testing.T) {
	tests := []struct{ conf, want, err string }{
		{conf: "# generated\nsearch example\nnameserver 192.0.2.53\nnameserver 192.0.2.54\n", want: "192.0.2.53:53"},
		{conf: "nameserver ::1\n", want: "[::1]:53"},
		{conf: "nameserver\nnameserver 192.0.2.1", want: "192.0.2.1:53"},
		{conf: "search example\n", err: "no DNS server to ask: RESOLV names none (name one with --resolver HOST:PORT)"},
	}
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), "resolv.conf")
		if err := os.WriteFile(path, []byte(tt.conf), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := systemServer(path)
		if tt.err != "" {
			if want := strings.ReplaceAll(tt.err, "RESOLV", path); err == nil || err.Error() != want {
				t.Errorf("systemServer(%q) error %v, want %q", tt.conf, err, want)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("systemServer(%q) = %q, %v; want %q", tt.conf, got, err, tt.want)
		}
	}
}

// BenchmarkParseReply: reading a reply is on every --mx send's path, once
// per query (MX, then AAAA and A for each host).
func BenchmarkParseReply(b *testing.B) {
	name := dnsmessage.MustNewName
	msg := seedReply(b,
		rr("x.test.", &dnsmessage.MXResource{Pref: 10, MX: name("mx1.x.test.")}),
		rr("x.test.", &dnsmessage.MXResource{Pref: 20, MX: name("mx2.x.test.")}),
		rr("mx1.x.test.", &dnsmessage.AResource{A: [4]byte{192, 0, 2, 1}}),
		rr("x.test.", &dnsmessage.TXTResource{TXT: []string{"v=STSv1; id=20261207"}}))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseReply(msg, fuzzQuery); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPackQuery: building the query, once per question asked.
func BenchmarkPackQuery(b *testing.B) {
	q := query{id: 1, name: dnsmessage.MustNewName("_25._tcp.mx.example.com."), typ: TypeTLSA}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := packQuery(q); err != nil {
			b.Fatal(err)
		}
	}
}
