package sandbox

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/proto"
)

// The fidelity table holds the probes of testdata/real-replies.md (and a
// few dialogues of testdata/real-replies-stateful.md) with what Postfix 3.7
// answered: code and enhanced code; captures_test.go checks the table
// against those captures. The sandbox must answer the same,
// except where a row says why it deliberately does not. Addresses are the
// sandbox's (alice and bob, where the captures used a and b), which the CI
// Postfix peer also has, so interop_test.go runs this same table against
// real Postfix to keep the "postfix" column honest.

type port int

const (
	plainPort      port = iota // STARTTLS offered, AUTH before TLS allowed
	submissionPort             // Config.RequireTLS / smtpd_tls_security_level=encrypt
	smtpsPort                  // implicit TLS
)

type step struct {
	send string // a command line; "raw:" sends exact bytes (bodies)
	want result // Postfix's answer
}

type probe struct {
	name    string
	port    port
	setup   []string
	steps   []step
	sandbox []result // the sandbox's answers, when deliberately different
	why     string   // the reason for the difference
}

const ehlo = "EHLO probe.example.test"

var (
	plainOK    = "AUTH PLAIN " + proto.PlainResponse("", "student", "secret")
	plainWrong = "AUTH PLAIN " + proto.PlainResponse("", "student", "wrong")
	txSetup    = []string{ehlo, "MAIL FROM:<bob@example.test>"}
	rcptSetup  = []string{ehlo, "MAIL FROM:<bob@example.test>", "RCPT TO:<alice@example.test>"}
)

func r(code int, enh string) result { return result{code, enh} }

func fidelityProbes() []probe {
	groups := [][]probe{sessionProbes(), envelopeProbes(), authProbes(), tlsProbes(), peerProbes(), chunkingProbes()}
	var all []probe
	for _, g := range groups {
		all = append(all, g...)
	}
	return all
}

func sessionProbes() []probe {
	return []probe{
		{name: "greeting+QUIT", steps: []step{{"QUIT", r(221, "2.0.0")}}},
		{name: "HELO", steps: []step{{"HELO probe.example.test", r(250, "")}}},
		{name: "EHLO without argument", steps: []step{{"EHLO", r(501, "")}}},
		{name: "HELO and EHLO without argument", setup: []string{"HELO probe.example.test"},
			steps: []step{{"EHLO", r(501, "")}, {"HELO", r(501, "")}}},
		{name: "MAIL before EHLO/HELO", steps: []step{{"MAIL FROM:<bob@example.test>", r(250, "2.1.0")}},
			sandbox: []result{r(503, "5.5.1")}, why: "RFC 5321 §4.1.4: a client MUST send HELO/EHLO before a mail transaction; Postfix does not insist"},
		{name: "RCPT before MAIL", setup: []string{ehlo}, steps: []step{{"RCPT TO:<alice@example.test>", r(503, "5.5.1")}}},
		{name: "DATA before MAIL", setup: []string{ehlo}, steps: []step{{"DATA", r(503, "5.5.1")}}},
		{name: "DATA before RCPT", setup: txSetup, steps: []step{{"DATA", r(554, "5.5.1")}}},
		{name: "nested MAIL", setup: txSetup, steps: []step{{"MAIL FROM:<bob@example.test>", r(503, "5.5.1")}}},
		{name: "unknown command", setup: []string{ehlo}, steps: []step{{"FOOBAR baz", r(500, "5.5.2")}}},
		{name: "empty line", setup: []string{ehlo}, steps: []step{{"", r(500, "5.5.2")}}},
		{name: "lowercase verb", setup: []string{ehlo}, steps: []step{{"mail from:<bob@example.test>", r(250, "2.1.0")}}},
		{name: "EXPN", setup: []string{ehlo}, steps: []step{{"EXPN alice@example.test", r(500, "5.5.2")}},
			sandbox: []result{r(250, "2.0.0")}, why: "lessons show a multi-line reply with EXPN staff; Postfix has no EXPN"},
		{name: "HELP", setup: []string{ehlo}, steps: []step{{"HELP", r(500, "5.5.2")}},
			sandbox: []result{r(214, "2.0.0")}, why: "a newcomer's first question deserves an answer (RFC 5321 §4.5.1 lists HELP); Postfix has none"},
		{name: "NOOP", setup: []string{ehlo}, steps: []step{{"NOOP", r(250, "2.0.0")}}},
		{name: "NOOP with argument", setup: []string{ehlo}, steps: []step{{"NOOP hello", r(250, "2.0.0")}}},
		{name: "RSET", setup: txSetup, steps: []step{{"RSET", r(250, "2.0.0")}}},
		{name: "QUIT", setup: []string{ehlo}, steps: []step{{"QUIT", r(221, "2.0.0")}}},
		{name: "line 1000 chars (NOOP), then NOOP", setup: []string{ehlo},
			steps: []step{{"NOOP " + strings.Repeat("x", 995), r(250, "2.0.0")}, {"NOOP", r(250, "2.0.0")}}},
		{name: "line 10000 chars (NOOP), then NOOP", setup: []string{ehlo},
			steps: []step{{"NOOP " + strings.Repeat("y", 9995), r(250, "2.0.0")}, {"NOOP", r(250, "2.0.0")}}},
		{name: "line 100000 chars (NOOP), then NOOP", setup: []string{ehlo},
			steps:   []step{{"NOOP " + strings.Repeat("z", 99995), r(250, "2.0.0")}, {"NOOP", r(250, "2.0.0")}},
			sandbox: []result{r(500, "5.5.2"), r(250, "2.0.0")}, why: "command lines are bounded (64 KiB) so memory is; Postfix has no bound"},
	}
}

func envelopeProbes() []probe {
	return []probe{
		{name: "MAIL without colon", setup: []string{ehlo}, steps: []step{{"MAIL FROM bob@example.test", r(501, "5.5.4")}}},
		{name: "MAIL without <>", setup: []string{ehlo}, steps: []step{{"MAIL FROM:bob@example.test", r(250, "2.1.0")}}},
		{name: "MAIL unknown parameter", setup: []string{ehlo}, steps: []step{{"MAIL FROM:<bob@example.test> XFOO=bar", r(555, "5.5.4")}}},
		{name: "MAIL null sender <>", setup: []string{ehlo}, steps: []step{{"MAIL FROM:<>", r(250, "2.1.0")}}},
		{name: "MAIL garbage address", setup: []string{ehlo}, steps: []step{{"MAIL FROM:<not an address>", r(501, "5.1.7")}}},
		{name: "MAIL BODY=8BITMIME", setup: []string{ehlo}, steps: []step{{"MAIL FROM:<bob@example.test> BODY=8BITMIME", r(250, "2.1.0")}}},
		{name: "MAIL SMTPUTF8", setup: []string{ehlo}, steps: []step{{"MAIL FROM:<bob@example.test> SMTPUTF8", r(250, "2.1.0")}}},
		{name: "MAIL DSN RET/ENVID", setup: []string{ehlo}, steps: []step{{"MAIL FROM:<bob@example.test> RET=HDRS ENVID=probe123", r(250, "2.1.0")}}},
		{name: "MAIL with 1000-char local part", setup: []string{ehlo},
			steps: []step{{"MAIL FROM:<" + strings.Repeat("l", 1000) + "@example.test>", r(250, "2.1.0")}}},
		{name: "MAIL SIZE over limit", setup: []string{ehlo}, steps: []step{{"MAIL FROM:<bob@example.test> SIZE={over}", r(552, "5.3.4")}}},
		{name: "MAIL SIZE=limit", setup: []string{ehlo}, steps: []step{{"MAIL FROM:<bob@example.test> SIZE={limit}", r(250, "2.1.0")}}},
		{name: "MAIL SIZE=notanumber", setup: []string{ehlo}, steps: []step{{"MAIL FROM:<bob@example.test> SIZE=notanumber", r(501, "5.5.4")}}},
		{name: "RCPT DSN NOTIFY/ORCPT", setup: txSetup,
			steps: []step{{"RCPT TO:<alice@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;alice@example.test", r(250, "2.1.5")}}},
		{name: "RCPT known user", setup: txSetup, steps: []step{{"RCPT TO:<alice@example.test>", r(250, "2.1.5")}}},
		{name: "RCPT unknown local user", setup: txSetup, steps: []step{{"RCPT TO:<nosuchuser@example.test>", r(550, "5.1.1")}}},
		{name: "RCPT relay to other domain", setup: txSetup, steps: []step{{"RCPT TO:<x@elsewhere.invalid>", r(554, "5.7.1")}}},
		{name: "RCPT without <>", setup: txSetup, steps: []step{{"RCPT TO:alice@example.test", r(250, "2.1.5")}}},
		{name: "RCPT empty <>", setup: txSetup, steps: []step{{"RCPT TO:<>", r(501, "5.1.3")}}},
		{name: "RCPT UTF-8 with SMTPUTF8", setup: []string{ehlo, "MAIL FROM:<bob@example.test> SMTPUTF8"},
			steps: []step{{"RCPT TO:<ü@example.test>", r(550, "5.1.1")}}},
		{name: "VRFY known user", setup: []string{ehlo}, steps: []step{{"VRFY alice@example.test", r(252, "2.0.0")}, {"VRFY <alice@example.test>", r(252, "2.0.0")}}},
		{name: "VRFY unknown user", setup: []string{ehlo}, steps: []step{{"VRFY nosuchuser@example.test", r(550, "5.1.1")}}},
		{name: "VRFY bare local part", setup: []string{ehlo}, steps: []step{{"VRFY alice", r(252, "2.0.0")}}},
		{name: "VRFY other domain", setup: []string{ehlo}, steps: []step{{"VRFY someone@elsewhere.invalid", r(554, "5.7.1")}}},
		{name: "VRFY no argument", setup: []string{ehlo}, steps: []step{{"VRFY", r(501, "5.5.4")}}},
		{name: "DATA body over limit", setup: rcptSetup,
			steps: []step{{"DATA", r(354, "")}, {"raw:{bigbody}", r(552, "5.3.4")}, {"NOOP", r(250, "2.0.0")}}},
		{name: "DATA ok (dot-stuffed line)", setup: rcptSetup,
			steps: []step{{"DATA", r(354, "")}, {"raw:Subject: probe\r\n\r\nhello\r\n..leading dot\r\n.\r\n", r(250, "2.0.0")}}},
		{name: "BDAT", setup: rcptSetup, steps: []step{{"raw:BDAT 21 LAST\r\nSubject: x\r\n\r\nhello\r\n", r(250, "2.0.0")}}},
	}
}

func authProbes() []probe {
	b64 := proto.B64
	return []probe{
		{name: "AUTH PLAIN wrong password", setup: []string{ehlo}, steps: []step{{plainWrong, r(535, "5.7.8")}}},
		{name: "AUTH LOGIN wrong password", setup: []string{ehlo},
			steps: []step{{"AUTH LOGIN", r(334, "")}, {b64("student"), r(334, "")}, {b64("wrong"), r(535, "5.7.8")}}},
		{name: "AUTH PLAIN correct", setup: []string{ehlo}, steps: []step{{plainOK, r(235, "2.7.0")}}},
		{name: "AUTH PLAIN twice", setup: []string{ehlo, plainOK}, steps: []step{{plainOK, r(503, "5.5.1")}}},
		{name: "AUTH unsupported mechanism", setup: []string{ehlo}, steps: []step{{"AUTH CRAM-MD5", r(535, "5.7.8")}},
			sandbox: []result{r(334, "")}, why: "the sandbox offers CRAM-MD5 so lessons can show a challenge-response mechanism"},
		{name: "AUTH unknown mechanism", setup: []string{ehlo}, steps: []step{{"AUTH BOGUS-MECH", r(535, "5.7.8")}}},
		{name: "AUTH PLAIN invalid base64", setup: []string{ehlo}, steps: []step{{"AUTH PLAIN !!!notbase64", r(535, "5.7.8")}},
			sandbox: []result{r(501, "5.5.2")}, why: "RFC 4954 §4: a response that cannot be decoded MUST get 501 5.5.2; Postfix passes Cyrus's 535 through"},
		{name: "AUTH PLAIN cancelled with *", setup: []string{ehlo}, steps: []step{{"AUTH PLAIN", r(334, "")}, {"*", r(501, "5.7.0")}}},
		{name: "AUTH during mail transaction", setup: txSetup, steps: []step{{plainOK, r(503, "5.5.1")}}},
	}
}

func tlsProbes() []probe {
	return []probe{
		{name: "STARTTLS with argument", setup: []string{ehlo}, steps: []step{{"STARTTLS now", r(501, "5.5.4")}}},
		{name: "STARTTLS then EHLO", setup: []string{ehlo}, steps: []step{{"STARTTLS", r(220, "2.0.0")}, {ehlo, r(250, "")}}},
		{name: "STARTTLS twice", setup: []string{ehlo, "STARTTLS", ehlo}, steps: []step{{"STARTTLS", r(554, "5.5.1")}}},
		{name: "MAIL before STARTTLS", setup: []string{ehlo}, steps: []step{{"MAIL FROM:<bob@example.test>", r(250, "2.1.0")}}},

		{name: "submission: MAIL before STARTTLS", port: submissionPort, setup: []string{ehlo}, steps: []step{{"MAIL FROM:<bob@example.test>", r(530, "5.7.0")}}},
		{name: "submission: AUTH PLAIN correct", port: submissionPort, setup: []string{ehlo}, steps: []step{{plainOK, r(530, "5.7.0")}}},
		{name: "submission: AUTH PLAIN wrong password", port: submissionPort, setup: []string{ehlo}, steps: []step{{plainWrong, r(530, "5.7.0")}}},
		{name: "submission: RCPT before MAIL", port: submissionPort, setup: []string{ehlo}, steps: []step{{"RCPT TO:<alice@example.test>", r(530, "5.7.0")}}},
		{name: "submission: STARTTLS then EHLO", port: submissionPort, setup: []string{ehlo}, steps: []step{{"STARTTLS", r(220, "2.0.0")}, {ehlo, r(250, "")}}},
		{name: "submission: STARTTLS twice", port: submissionPort, setup: []string{ehlo, "STARTTLS", ehlo}, steps: []step{{"STARTTLS", r(554, "5.5.1")}}},
		{name: "submission: VRFY known user", port: submissionPort, setup: []string{ehlo}, steps: []step{{"VRFY alice@example.test", r(530, "5.7.0")}}},
		{name: "submission: unknown command", port: submissionPort, setup: []string{ehlo}, steps: []step{{"FOOBAR baz", r(500, "5.5.2")}}},

		{name: "smtps: MAIL", port: smtpsPort, setup: []string{ehlo}, steps: []step{{"MAIL FROM:<bob@example.test>", r(250, "2.1.0")}}},
		{name: "smtps: AUTH PLAIN correct", port: smtpsPort, setup: []string{ehlo}, steps: []step{{plainOK, r(235, "2.7.0")}}},
		{name: "smtps: AUTH PLAIN wrong password", port: smtpsPort, setup: []string{ehlo}, steps: []step{{plainWrong, r(535, "5.7.8")}}},
		{name: "smtps: RCPT before MAIL", port: smtpsPort, setup: []string{ehlo}, steps: []step{{"RCPT TO:<alice@example.test>", r(503, "5.5.1")}}},
		{name: "smtps: STARTTLS", port: smtpsPort, setup: []string{ehlo}, steps: []step{{"STARTTLS", r(554, "5.5.1")}}},
		{name: "smtps: unknown command", port: smtpsPort, setup: []string{ehlo}, steps: []step{{"FOOBAR baz", r(500, "5.5.2")}}},
	}
}

// runProbe plays one probe on a fresh connection and returns the results
// of its steps. STARTTLS answered 220 is followed by the handshake.
func runProbe(t *testing.T, addr string, p probe) []result {
	t.Helper()
	ctx := context.Background()
	c := dial(t, addr, proto.Options{Timeout: 20 * time.Second, ImplicitTLS: p.port == smtpsPort, TLS: proto.TLSOptions{Insecure: true}})
	limit := int64(0)
	play := func(line string) *proto.Reply {
		rep := cmd(t, c, expand(line, limit))
		if strings.HasPrefix(line, "EHLO ") && rep.Code == 250 {
			limit, _ = proto.ParseEHLO(rep).MaxSize()
		}
		if line == "STARTTLS" && rep.Code == 220 {
			if _, err := c.StartTLS(ctx); err != nil {
				t.Fatalf("TLS handshake: %v", err)
			}
		}
		return rep
	}
	for _, line := range p.setup {
		play(line)
	}
	var got []result
	for _, s := range p.steps {
		got = append(got, resultOf(play(s.send)))
	}
	c.Send("QUIT")
	return got
}

// expand fills in the size limit the server advertised: {limit}, {over}
// (limit+1), {overbytes} (that many bytes) and {bigbody} (a DATA body 10 %
// over the limit, then the dot).
func expand(line string, limit int64) string {
	if strings.Contains(line, "{bigbody}") {
		row := strings.Repeat("x", 998) + "\r\n"
		body := strings.Repeat(row, int(limit*11/10)/len(row)+1) + ".\r\n"
		line = strings.ReplaceAll(line, "{bigbody}", body)
	}
	if strings.Contains(line, "{overbytes}") {
		line = strings.ReplaceAll(line, "{overbytes}", strings.Repeat("x", int(limit+1)))
	}
	line = strings.ReplaceAll(line, "{limit}", strconv.FormatInt(limit, 10))
	return strings.ReplaceAll(line, "{over}", strconv.FormatInt(limit+1, 10))
}

func (p probe) postfix() []result {
	out := make([]result, len(p.steps))
	for i, s := range p.steps {
		out[i] = s.want
	}
	return out
}

func TestFidelity(t *testing.T) {
	addrs := map[port]string{}
	srv, plain := testServer(t, nil)
	addrs[plainPort] = plain
	tlsAddr, err := srv.ListenTLS("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addrs[smtpsPort] = tlsAddr.String()
	_, addrs[submissionPort] = testServer(t, func(c *Config) { c.RequireTLS = true })
	for _, p := range fidelityProbes() {
		t.Run(p.name, func(t *testing.T) {
			if (p.sandbox == nil) != (p.why == "") {
				t.Fatal("a deliberate difference needs both the sandbox's answers and the reason")
			}
			want := p.postfix()
			if p.sandbox != nil {
				want = p.sandbox
				logDifference(t, p)
			}
			if diff := cmp.Diff(want, runProbe(t, addrs[p.port], p)); diff != "" {
				t.Errorf("replies differ (-want +got):\n%s", diff)
			}
		})
	}
}

// logDifference prints a deliberate difference with its reason, so every
// run (`go test -v`, and CI's interop step) lists where and why the sandbox
// parts from Postfix.
func logDifference(t *testing.T, p probe) {
	t.Helper()
	t.Logf("deliberate difference, %s: Postfix %v, sandbox %v: %s", p.name, p.postfix(), p.sandbox, p.why)
}

// peerProbes are not in testdata/real-replies*.md: their Postfix column was taken
// from the CI peer (Postfix 3.7.11), and interop_test.go keeps checking it.
func peerProbes() []probe {
	foo := make([]step, 21)
	for i := range foo {
		foo[i] = step{"FOO", r(500, "5.5.2")}
	}
	foo[20].want = r(421, "4.7.0") // MaxErrors is 20, like smtpd_hard_error_limit
	return []probe{
		{name: "too many errors", setup: []string{ehlo}, steps: foo},
		{name: "STARTTLS before EHLO", steps: []step{{"STARTTLS", r(220, "2.0.0")}}},
		{name: "XCLIENT and XFORWARD from an untrusted client", setup: []string{ehlo},
			steps: []step{{"XCLIENT ADDR=192.0.2.7", r(550, "5.7.0")}, {"XFORWARD ADDR=192.0.2.7", r(550, "5.7.0")}, {"XCLIENT", r(501, "5.5.4")}}},
		{name: "AUTH before EHLO", steps: []step{{plainOK, r(235, "2.7.0")}},
			sandbox: []result{r(503, "5.5.1")}, why: "AUTH is an extension, learnt from EHLO (RFC 4954 §4); Postfix does not insist"},
		{name: "blanks around verb and argument", setup: []string{ehlo},
			steps: []step{{"  NOOP", r(250, "2.0.0")}, {"MAIL  FROM:<bob@example.test>", r(250, "2.1.0")}, {"RSET  ", r(250, "2.0.0")}, {"   ", r(500, "5.5.2")}}},
		// Postfix splits a command at spaces and tabs, after leading ones.
		{name: "AUTH PLAIN after blanks, split by tabs", setup: []string{ehlo},
			steps: []step{{" \tAUTH\tPLAIN\t" + proto.PlainResponse("", "student", "secret"), r(235, "2.7.0")}}},
		{name: "bare CR and NUL in a command", setup: []string{ehlo}, steps: []step{{"raw:NOOP a\rb\r\n", r(250, "2.0.0")}, {"raw:NOOP a\x00b\r\n", r(250, "2.0.0")}},
			sandbox: []result{r(500, "5.5.2"), r(500, "5.5.2")}, why: "RFC 5321 §2.3.8: CR MUST only occur in CRLF, and a bare CR is where SMTP smuggling starts"},
		{name: "invalid UTF-8 in a command", setup: []string{ehlo}, steps: []step{{"raw:NOOP \xff\r\n", r(500, "5.5.2")}}},
		{name: "arguments where none belong", setup: rcptSetup, steps: []step{{"DATA x", r(501, "5.5.4")}, {"RSET x", r(501, "5.5.4")}, {"QUIT x", r(221, "2.0.0")}}},
		{name: "MAIL path syntax", setup: []string{ehlo},
			steps: []step{{"MAIL FROM:<bob@example.test>XFOO", r(501, "5.1.7")}, {"MAIL FROM:", r(501, "5.5.4")}, {"MAIL FROM:<bob@example.test", r(501, "5.1.7")},
				{"MAIL FROM:<@a,@b:bob@example.test>", r(250, "2.1.0")}, {"RSET", r(250, "2.0.0")}, {`MAIL FROM:<"john doe"@example.test>`, r(250, "2.1.0")},
				{"RSET", r(250, "2.0.0")}, {"MAIL FROM:<bob@[127.0.0.1]>", r(250, "2.1.0")}}},
		{name: "RCPT path syntax", setup: txSetup,
			steps: []step{{"RCPT TO:", r(501, "5.5.4")}, {"RCPT TO:<alice@example.test", r(501, "5.1.3")}, {"RCPT TO alice", r(501, "5.5.4")},
				{"RCPT TO:<alice>", r(250, "2.1.5")}, {"RCPT TO:<Postmaster>", r(250, "2.1.5")}}},
		{name: "MAIL parameters", setup: []string{ehlo},
			steps: []step{{"MAIL FROM:<bob@example.test> BODY=BINARYMIME", r(555, "5.5.4")}, {"MAIL FROM:<bob@example.test> SMTPUTF8=x", r(555, "5.5.4")},
				{"MAIL FROM:<bob@example.test> RET=FOO", r(501, "5.5.4")}, {"MAIL FROM:<bob@example.test> SIZE=", r(501, "5.5.4")},
				{"MAIL FROM:<bob@example.test> ENVID=", r(501, "5.5.4")}, {"MAIL FROM:<bob@example.test> SIZE=99999999999999999999", r(552, "5.3.4")},
				{"MAIL FROM:<bob@example.test> smtputf8 body=8bitmime ENVID=a=b", r(250, "2.1.0")}}},
		{name: "RCPT parameters", setup: txSetup,
			steps: []step{{"RCPT TO:<alice@example.test> NOTIFY=BOGUS", r(501, "5.5.4")}, {"RCPT TO:<alice@example.test> NOTIFY=NEVER,SUCCESS", r(501, "5.5.4")},
				{"RCPT TO:<alice@example.test> ORCPT=bad", r(501, "5.5.4")}, {"RCPT TO:<alice@example.test> XFOO=1", r(555, "5.5.4")},
				{"RCPT TO:alice@example.test XFOO", r(555, "5.5.4")}, {"RCPT TO:<alice@example.test> notify=never", r(250, "2.1.5")}}},
		{name: "EHLO ends the transaction", setup: txSetup, steps: []step{{ehlo, r(250, "")}, {"RCPT TO:<alice@example.test>", r(503, "5.5.1")}}},
		{name: "VRFY odd arguments", setup: []string{ehlo},
			steps: []step{{"VRFY a b c", r(501, "5.1.3")}, {"VRFY not an address", r(501, "5.1.3")}, {"VRFY <>", r(501, "5.1.3")}, {"VRFY alice SMTPUTF8", r(252, "2.0.0")}, {"VRFY <alice>", r(252, "2.0.0")}}},
		{name: "UTF-8 address without SMTPUTF8", setup: []string{ehlo}, steps: []step{{"MAIL FROM:<ü@example.test>", r(250, "2.1.0")}, {"RCPT TO:<ü@example.test>", r(550, "5.1.1")}},
			sandbox: []result{r(553, "5.6.7"), r(503, "5.5.1")}, why: "RFC 6531 §3.4: non-ASCII addresses need MAIL's SMTPUTF8; Postfix checks only with strict_smtputf8"},
		{name: "AUTH LOGIN undecodable answer", setup: []string{ehlo}, steps: []step{{"AUTH LOGIN", r(334, "")}, {"!!!bad", r(535, "5.7.8")}},
			sandbox: []result{r(334, ""), r(501, "5.5.2")}, why: "RFC 4954 §4: a response that cannot be decoded MUST get 501 5.5.2"},
		{name: "AUTH PLAIN malformed", setup: []string{ehlo},
			steps: []step{{"AUTH PLAIN " + proto.B64("student\x00secret"), r(535, "5.7.8")}, {"AUTH PLAIN " + proto.PlainResponse("other", "student", "secret"), r(535, "5.7.8")}, {"AUTH PLAIN =", r(535, "5.7.8")}, {"AUTH", r(501, "5.5.4")}}},
		{name: "AUTH LOGIN with initial response", setup: []string{ehlo}, steps: []step{{"AUTH LOGIN " + proto.B64("student"), r(334, "")}, {proto.B64("secret"), r(235, "2.7.0")}}},
		{name: "DATA: LF.LF does not end the body", setup: rcptSetup,
			steps:   []step{{"DATA", r(354, "")}, {"raw:Subject: x\r\n\r\nbare\n.\nlf\r\n.\r\n", r(250, "2.0.0")}, {"NOOP", r(500, "5.5.2")}},
			sandbox: []result{r(354, ""), r(250, "2.0.0"), r(250, "2.0.0")}, why: "RFC 5321 §4.1.1.4: only CRLF.CRLF ends DATA; Postfix 3.7 ends it at LF.LF too (SMTP smuggling), leaving \"lf\" to be read as a command"},
	}
}

// chunkingProbes cover BDAT (RFC 3030) as the CI peer answers it.
func chunkingProbes() []probe {
	return []probe{
		{name: "BDAT before MAIL", setup: []string{ehlo}, steps: []step{{"raw:BDAT 5 LAST\r\nhello", r(503, "5.5.1")}, {"NOOP", r(250, "2.0.0")}}},
		{name: "BDAT before RCPT", setup: txSetup, steps: []step{{"raw:BDAT 5 LAST\r\nhello", r(554, "5.5.1")}, {"NOOP", r(250, "2.0.0")}}},
		{name: "BDAT then DATA, MAIL, RCPT", setup: rcptSetup,
			steps: []step{{"raw:BDAT 5\r\nhello", r(250, "2.0.0")}, {"DATA", r(503, "5.5.1")}, {"MAIL FROM:<bob@example.test>", r(503, "5.5.1")},
				{"RCPT TO:<alice@example.test>", r(503, "5.5.1")}, {"BDAT 0 LAST", r(250, "2.0.0")}}},
		{name: "BDAT 0 without LAST", setup: rcptSetup, steps: []step{{"BDAT 0", r(551, "5.7.1")}, {"NOOP", r(250, "2.0.0")}}},
		{name: "BDAT bad size", setup: rcptSetup, steps: []step{{"BDAT abc", r(521, "5.5.4")}}},
		{name: "BDAT extra argument", setup: rcptSetup, steps: []step{{"BDAT 5 LAST extra", r(521, "5.5.4")}}},
		{name: "BDAT chunk over the limit", setup: rcptSetup,
			steps: []step{{"raw:BDAT {over}\r\n{overbytes}", r(552, "5.3.4")}, {"raw:BDAT 3 LAST\r\nabc", r(551, "5.0.0")}, {"NOOP", r(250, "2.0.0")}}},
	}
}
