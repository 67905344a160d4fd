package proto

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestXtext(t *testing.T) {
	for _, tc := range []struct{ plain, xtext string }{
		{"mail.example.test", "mail.example.test"},
		{"a+b=c", "a+2Bb+3Dc"},
		{"two words", "two+20words"},
		{"tab\there", "tab+09here"},
		{"~!", "~!"},
		{"\x7f\x00", "+7F+00"},
		{"é", "+C3+A9"},
		{"", ""},
	} {
		t.Run(tc.plain, func(t *testing.T) {
			if got := XtextEncode(tc.plain); got != tc.xtext {
				t.Errorf("XtextEncode(%q) = %q, want %q", tc.plain, got, tc.xtext)
			}
			got, err := XtextDecode(tc.xtext)
			if err != nil || got != tc.plain {
				t.Errorf("XtextDecode(%q) = %q, %v; want %q", tc.xtext, got, err, tc.plain)
			}
		})
	}
}

func TestXtextDecodeRefuses(t *testing.T) {
	for _, bad := range []string{"a+", "a+2", "+2b", "+G0", "a b", "a=b", "\x00", "é"} {
		if got, err := XtextDecode(bad); err == nil {
			t.Errorf("XtextDecode(%q) = %q, want an error", bad, got)
		}
	}
}

func FuzzXtext(f *testing.F) {
	for _, s := range []string{"", "a+b", "+2B", "+", "x y=z", "\xff\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc := XtextEncode(s)
		if strings.ContainsAny(enc, " =\r\n\x00") {
			t.Fatalf("XtextEncode(%q) = %q holds a byte xtext may not", s, enc)
		}
		if dec, err := XtextDecode(enc); err != nil || dec != s {
			t.Fatalf("round trip of %q: %q, %v", s, dec, err)
		}
		// "+70" is valid xtext for "p", so decoding then encoding need not
		// give s back, but must give xtext that decodes to the same.
		if dec, err := XtextDecode(s); err == nil {
			if again, err := XtextDecode(XtextEncode(dec)); err != nil || again != dec {
				t.Fatalf("XtextDecode(%q) = %q, re-encoded reads %q, %v", s, dec, again, err)
			}
		}
	})
}

func TestParseXClientAttrs(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		line string // the command sent, "" when refused
		err  string
	}{
		{in: []string{"ADDR=192.0.2.7", "NAME=mail.example.net", "HELO=mail.example.net"},
			line: "XCLIENT ADDR=192.0.2.7 NAME=mail.example.net HELO=mail.example.net"},
		{in: []string{"addr=2001:db8::7"}, line: "XCLIENT ADDR=IPV6:2001:db8::7"},
		{in: []string{"ADDR=IPV6:2001:DB8::7"}, line: "XCLIENT ADDR=IPV6:2001:db8::7"},
		{in: []string{"ADDR=::ffff:192.0.2.7"}, line: "XCLIENT ADDR=192.0.2.7"},
		{in: []string{"NAME=[UNAVAILABLE]", "REVERSE_NAME=[TEMPUNAVAIL]"}, line: "XCLIENT NAME=[UNAVAILABLE] REVERSE_NAME=[TEMPUNAVAIL]"},
		{in: []string{"LOGIN=jo smith+x"}, line: "XCLIENT LOGIN=jo+20smith+2Bx"},
		{in: []string{"PROTO=esmtp", "PORT=4711", "DESTADDR=127.0.0.1", "DESTPORT=25"},
			line: "XCLIENT PROTO=ESMTP PORT=4711 DESTADDR=127.0.0.1 DESTPORT=25"},
		{in: []string{"HELO=a=b"}, line: "XCLIENT HELO=a+3Db"},
		{in: nil, err: "XCLIENT needs at least one NAME=VALUE"},
		{in: []string{"FOO=1"}, err: `XCLIENT has no attribute "FOO" (Postfix knows NAME, ADDR, PORT`},
		{in: []string{"ADDR"}, err: `"ADDR" is not NAME=VALUE`},
		{in: []string{"=x"}, err: `"=x" is not NAME=VALUE`},
		{in: []string{"ADDR=mail.example"}, err: "ADDR=mail.example: not an IP address"},
		{in: []string{"ADDR=fe80::1%eth0"}, err: "not an IP address"},
		{in: []string{"PORT=70000"}, err: "PORT=70000: not a port number"},
		{in: []string{"PORT=+25"}, err: "not a port number"},
		{in: []string{"PROTO=LMTP"}, err: "PROTO is SMTP or ESMTP"},
		{in: []string{"NAME="}, err: "the value is empty"},
	} {
		t.Run(strings.Join(tc.in, " "), func(t *testing.T) {
			attrs, err := ParseXClientAttrs(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := XClientLine(attrs); got != tc.line {
				t.Errorf("line %q, want %q", got, tc.line)
			}
		})
	}
}

func TestCheckXClientOffer(t *testing.T) {
	postfix := ParseEHLO(mustReply(t, "250-mx.example.test\n250-PIPELINING\n250-XCLIENT NAME ADDR PROTO HELO REVERSE_NAME PORT LOGIN DESTADDR DESTPORT\n250 8BITMIME"))
	sink := ParseEHLO(mustReply(t, ehloSmtpSink))
	plain := ParseEHLO(mustReply(t, ehloPostfix))
	attrs := func(w ...string) []XClientAttr {
		a, err := ParseXClientAttrs(w)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	for _, tc := range []struct {
		name  string
		attrs []XClientAttr
		caps  *Capabilities
		err   string
	}{
		{"postfix takes all", attrs("ADDR=192.0.2.7", "NAME=x.example", "LOGIN=u"), postfix, ""},
		{"smtp-sink offers two", attrs("NAME=x.example", "HELO=h"), sink, ""},
		{"smtp-sink lacks ADDR", attrs("ADDR=192.0.2.7"), sink, "the server's XCLIENT offers NAME HELO, not ADDR"},
		{"not offered", attrs("ADDR=192.0.2.7"), plain, "does not offer XCLIENT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckXClientOffer(tc.attrs, tc.caps)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if tc.err == "" && got != "" || !strings.Contains(got, tc.err) {
				t.Errorf("error %q, want %q", got, tc.err)
			}
		})
	}
}

func TestXClientMeaning(t *testing.T) {
	var missing []string
	for _, n := range XClientNames() {
		if XClientMeaning(strings.ToLower(n)) == "" {
			missing = append(missing, n)
		}
	}
	if diff := cmp.Diff([]string(nil), missing); diff != "" || XClientMeaning("FOO") != "" {
		t.Errorf("attributes without a meaning (-want +got):\n%s", diff)
	}
}

func FuzzParseXClientAttrs(f *testing.F) {
	f.Add("ADDR=192.0.2.1 NAME=x")
	f.Add("PORT=99999 PROTO=x")
	f.Add("LOGIN=a+b=c")
	f.Fuzz(func(t *testing.T, s string) {
		attrs, err := ParseXClientAttrs(strings.Fields(s))
		if err != nil {
			return
		}
		line := XClientLine(attrs)
		if err := ValidateLine(line); err != nil {
			t.Fatalf("XClientLine(%q) = %q is not a valid line: %v", s, line, err)
		}
		if strings.Count(line, " ") != len(attrs) {
			t.Fatalf("XClientLine(%q) = %q: a value's space was not encoded", s, line)
		}
	})
}
