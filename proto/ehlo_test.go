package proto

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// EHLO replies captured from real servers
// (proto/sandbox/testdata/real-replies.md), LF-separated.
const (
	ehloSmtpSink = `250-smtp-sink.example.test
250-PIPELINING
250-8BITMIME
250-AUTH PLAIN LOGIN
250-XCLIENT NAME HELO
250-XFORWARD NAME ADDR PROTO HELO
250-ENHANCEDSTATUSCODES
250-DSN
250 `
	ehloPostfix = `250-mx.example.test
250-PIPELINING
250-SIZE 10240000
250-VRFY
250-ETRN
250-STARTTLS
250-AUTH PLAIN LOGIN
250-ENHANCEDSTATUSCODES
250-8BITMIME
250-DSN
250-SMTPUTF8
250 CHUNKING`
	ehloPostfixTLS = `250-mx.example.test
250-PIPELINING
250-SIZE 10240000
250-VRFY
250-ETRN
250-AUTH PLAIN LOGIN
250-ENHANCEDSTATUSCODES
250-8BITMIME
250-DSN
250-SMTPUTF8
250 CHUNKING`
	ehloPostfixSubmission = `250-mx.example.test
250-PIPELINING
250-SIZE 10240000
250-VRFY
250-ETRN
250-STARTTLS
250-ENHANCEDSTATUSCODES
250-8BITMIME
250-DSN
250-SMTPUTF8
250 CHUNKING`
	ehloAiosmtpd = `250-aiosmtpd.example.test
250-SIZE 10485760
250-8BITMIME
250-SMTPUTF8
250-STARTTLS
250-AUTH LOGIN PLAIN
250 HELP`
	ehloExim = `250-exim.example.test Hello probe.example.test [127.0.0.1]
250-SIZE 10485760
250-8BITMIME
250-VRFY
250-PIPELINING
250-PIPECONNECT
250-AUTH PLAIN LOGIN
250-CHUNKING
250-STARTTLS
250-SMTPUTF8
250 HELP`
	ehloEximTLS = `250-exim.example.test Hello probe.example.test [127.0.0.1]
250-SIZE 10485760
250-8BITMIME
250-VRFY
250-PIPELINING
250-PIPECONNECT
250-AUTH PLAIN LOGIN
250-CHUNKING
250-SMTPUTF8
250 HELP`
)

// mustReply parses LF-separated reply lines, as a server would send them.
func mustReply(t testing.TB, lf string) *Reply {
	t.Helper()
	r, err := NewReader(strings.NewReader(strings.ReplaceAll(lf, "\n", "\r\n") + "\r\n")).ReadReply()
	if err != nil {
		t.Fatalf("reading %q: %v", lf, err)
	}
	return r
}

// ehloFacts is everything the helpers report, in one comparable value.
type ehloFacts struct {
	Domain, Greeting                          string
	Keywords, Auth                            []string
	Size                                      int64
	HasSize                                   bool
	Pipelining, StartTLS, EightBitMIME, UTF8  bool
	Chunking, DSN, EnhancedStatusCodes, Lower bool
}

func factsOf(c *Capabilities) ehloFacts {
	size, hasSize := c.MaxSize()
	return ehloFacts{
		Domain: c.Domain, Greeting: c.Greeting, Keywords: c.Keywords(), Auth: c.AuthMechanisms(),
		Size: size, HasSize: hasSize,
		Pipelining: c.Pipelining(), StartTLS: c.StartTLS(), EightBitMIME: c.EightBitMIME(), UTF8: c.SMTPUTF8(),
		Chunking: c.Chunking(), DSN: c.DSN(), EnhancedStatusCodes: c.EnhancedStatusCodes(),
		Lower: c.Has("starttls"),
	}
}

func TestParseEHLORealServers(t *testing.T) {
	tests := []struct {
		name  string
		reply string
		want  ehloFacts
	}{
		{"smtp-sink (final line is 250 and a space)", ehloSmtpSink, ehloFacts{
			Domain:     "smtp-sink.example.test",
			Keywords:   []string{"PIPELINING", "8BITMIME", "AUTH", "XCLIENT", "XFORWARD", "ENHANCEDSTATUSCODES", "DSN"},
			Auth:       []string{"PLAIN", "LOGIN"},
			Pipelining: true, EightBitMIME: true, DSN: true, EnhancedStatusCodes: true,
		}},
		{"postfix", ehloPostfix, ehloFacts{
			Domain:   "mx.example.test",
			Keywords: []string{"PIPELINING", "SIZE", "VRFY", "ETRN", "STARTTLS", "AUTH", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING"},
			Auth:     []string{"PLAIN", "LOGIN"},
			Size:     10240000, HasSize: true,
			Pipelining: true, StartTLS: true, EightBitMIME: true, UTF8: true,
			Chunking: true, DSN: true, EnhancedStatusCodes: true, Lower: true,
		}},
		{"postfix-submission before TLS offers no AUTH", ehloPostfixSubmission, ehloFacts{
			Domain:   "mx.example.test",
			Keywords: []string{"PIPELINING", "SIZE", "VRFY", "ETRN", "STARTTLS", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING"},
			Size:     10240000, HasSize: true,
			Pipelining: true, StartTLS: true, EightBitMIME: true, UTF8: true,
			Chunking: true, DSN: true, EnhancedStatusCodes: true, Lower: true,
		}},
		{"aiosmtpd", ehloAiosmtpd, ehloFacts{
			Domain:   "aiosmtpd.example.test",
			Keywords: []string{"SIZE", "8BITMIME", "SMTPUTF8", "STARTTLS", "AUTH", "HELP"},
			Auth:     []string{"LOGIN", "PLAIN"},
			Size:     10485760, HasSize: true,
			StartTLS: true, EightBitMIME: true, UTF8: true, Lower: true,
		}},
		{"exim (greeting on the first line)", ehloExim, ehloFacts{
			Domain:   "exim.example.test",
			Greeting: "Hello probe.example.test [127.0.0.1]",
			Keywords: []string{"SIZE", "8BITMIME", "VRFY", "PIPELINING", "PIPECONNECT", "AUTH", "CHUNKING", "STARTTLS", "SMTPUTF8", "HELP"},
			Auth:     []string{"PLAIN", "LOGIN"},
			Size:     10485760, HasSize: true,
			Pipelining: true, StartTLS: true, EightBitMIME: true, UTF8: true, Chunking: true, Lower: true,
		}},
		{"lower-case keywords (golang/go#78749)", "250-mx.example.test\n250-starttls\n250-Auth plain\n250 size 100", ehloFacts{
			Domain:   "mx.example.test",
			Keywords: []string{"STARTTLS", "AUTH", "SIZE"},
			Auth:     []string{"PLAIN"},
			Size:     100, HasSize: true,
			StartTLS: true, Lower: true,
		}},
		{"legacy AUTH= merged without duplicates", "250-mx\n250-AUTH LOGIN PLAIN\n250-AUTH=LOGIN\n250 auth=cram-md5", ehloFacts{
			Domain:   "mx",
			Keywords: []string{"AUTH", "AUTH", "AUTH"},
			Auth:     []string{"LOGIN", "PLAIN", "CRAM-MD5"},
		}},
		{"SIZE without a number", "250-mx\n250 SIZE", ehloFacts{Domain: "mx", Keywords: []string{"SIZE"}, HasSize: true}},
		{"SIZE with a negative number", "250-mx\n250 SIZE -5", ehloFacts{Domain: "mx", Keywords: []string{"SIZE"}, HasSize: true}},
		{"one line: no extensions", "250 mx.example.test", ehloFacts{Domain: "mx.example.test", Keywords: []string{}}},
		{"refused EHLO", "502 5.5.2 Error: command not recognized", ehloFacts{Keywords: []string{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := factsOf(ParseEHLO(mustReply(t, tt.reply)))
			if tt.want.Keywords == nil {
				tt.want.Keywords = []string{}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseEHLO mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCapabilitiesGet(t *testing.T) {
	c := ParseEHLO(mustReply(t, ehloSmtpSink))
	got, ok := c.Get("xforward")
	want := Capability{Keyword: "XFORWARD", Params: []string{"NAME", "ADDR", "PROTO", "HELO"}}
	if !ok {
		t.Fatal("Get(xforward) found nothing")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Get(xforward) mismatch (-want +got):\n%s", diff)
	}
	var nilCaps *Capabilities
	if nilCaps.Has("SIZE") || len(nilCaps.Keywords()) != 0 {
		t.Error("a nil *Capabilities must advertise nothing")
	}
}

func TestCapabilitiesDiff(t *testing.T) {
	tests := []struct {
		name                  string
		before, after         string
		wantGone, wantAppears []string
	}{
		{"postfix: STARTTLS goes", ehloPostfix, ehloPostfixTLS, []string{"STARTTLS"}, nil},
		{"exim: STARTTLS goes", ehloExim, ehloEximTLS, []string{"STARTTLS"}, nil},
		{"submission: AUTH appears after TLS", ehloPostfixSubmission, ehloPostfixTLS, []string{"STARTTLS"}, []string{"AUTH"}},
		{"same before and after (smtp-sink)", ehloSmtpSink, ehloSmtpSink, nil, nil},
		{"repeated keyword reported once", "250-mx\n250-AUTH PLAIN\n250 AUTH=PLAIN", "250 mx", []string{"AUTH"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, after := ParseEHLO(mustReply(t, tt.before)), ParseEHLO(mustReply(t, tt.after))
			gone, appears := before.Diff(after)
			if diff := cmp.Diff(tt.wantGone, gone); diff != "" {
				t.Errorf("only before mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantAppears, appears); diff != "" {
				t.Errorf("only after mismatch (-want +got):\n%s", diff)
			}
		})
	}
	var none *Capabilities
	if gone, appears := none.Diff(ParseEHLO(mustReply(t, "250-mx\n250 DSN"))); gone != nil || !cmp.Equal(appears, []string{"DSN"}) {
		t.Errorf("nil.Diff = %q, %q; want nil, [DSN]", gone, appears)
	}
}

func FuzzParseEHLO(f *testing.F) {
	for _, s := range []string{ehloSmtpSink, ehloPostfix, ehloAiosmtpd, ehloExim, "250 x", "250-x\n250 AUTH=", "250-x\n250 \t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseReply(strings.Split(s, "\n"))
		if err != nil {
			return
		}
		c := ParseEHLO(r)
		for _, kw := range c.Keywords() {
			if kw == "" || strings.ContainsAny(kw, "abcdefghijklmnopqrstuvwxyz \t") {
				t.Fatalf("keyword %q", kw)
			}
			lower := []byte(kw) // ASCII only: strings.ToLower would rewrite invalid UTF-8
			for i, b := range lower {
				if 'A' <= b && b <= 'Z' {
					lower[i] = b + 'a' - 'A'
				}
			}
			if !c.Has(kw) || !c.Has(string(lower)) {
				t.Fatalf("Has(%q) is false for an advertised keyword", kw)
			}
		}
		for _, m := range c.AuthMechanisms() {
			if m == "" {
				t.Fatal("empty AUTH mechanism")
			}
		}
		if n, _ := c.MaxSize(); n < 0 {
			t.Fatalf("MaxSize() = %d", n)
		}
		gone, appears := c.Diff(c)
		if gone != nil || appears != nil {
			t.Fatalf("Diff with itself = %q, %q", gone, appears)
		}
	})
}
