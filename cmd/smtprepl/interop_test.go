//go:build interop

package main

// Interop tests: the real smtprepl binary, in script mode, against the real
// servers that .ci/peers/start.sh runs on 127.0.0.1 (Postfix's plain,
// smtps, submission and SCRAM listeners, aiosmtpd, smtp-sink and, when it
// started, Exim). Run them with
//
//	bash .ci/peers/install.sh
//	DIR=$(mktemp -d /tmp/peers.XXXXXX); bash .ci/peers/start.sh $DIR
//	set -a; . $DIR/peers.env; set +a
//	go test -race -tags interop -count=1 -run Interop ./cmd/smtprepl/
//	bash .ci/peers/stop.sh $DIR
//
// Without the SMTPREPL_* variables every test skips, saying which one is
// missing.

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMain(m *testing.M) {
	if iopAnyPeer() {
		dir, err := os.MkdirTemp("", "smtprepl-interop-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "interop:", err)
			os.Exit(1)
		}
		iopBinary, err = iopBuild(dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, "interop: building smtprepl:", err)
			os.RemoveAll(dir)
			os.Exit(1)
		}
		code := m.Run()
		os.RemoveAll(dir)
		os.Exit(code)
	}
	os.Exit(m.Run())
}

func iopAnyPeer() bool {
	if os.Getenv("SMTPREPL_DOVECOT_LMTP") != "" {
		return true
	}
	for _, s := range iopServers() {
		if os.Getenv(s.addrEnv) != "" {
			return true
		}
	}
	return false
}

const (
	iopEHLO    = "EHLO interop.smtprepl.test"
	iopFrom    = "MAIL FROM:<bob@example.test>"
	iopTo      = "RCPT TO:<alice@example.test>"
	iopUnknown = "nobody@example.test"
	iopForeign = "someone@elsewhere.test"
)

// Features a case may need; a server that lacks one says why in lacks.
const (
	fTLS        = "TLS"
	fStartTLS   = "STARTTLS"
	fImplicit   = "implicit TLS"
	fSubmission = "STARTTLS required"
	fAuth       = "AUTH"
	fVrfyCheck  = "VRFY that checks"
	fRcptCheck  = "RCPT that checks"
	fRelayCheck = "relay control"
	fSize       = "SIZE"
	fBigBody    = "the 10 MB body"
	fChunking   = "CHUNKING"
	fSMTPUTF8   = "SMTPUTF8"
)

type iopTLSMode int

const (
	iopPlain       iopTLSMode = iota // plaintext first; STARTTLS when offered
	iopImplicitTLS                   // TLS from the first byte: --tls
	iopTLSRequired                   // MAIL refused before STARTTLS: --starttls
)

// iopServer is one peer and what to expect from it.
type iopServer struct {
	name       string
	addrEnv    string
	maildirEnv string // "" when the server stores nothing
	mode       iopTLSMode
	// pipelining: the server offers PIPELINING, so --pipeline batches.
	pipelining bool
	// authBeforeTLS: AUTH is in the EHLO reply before STARTTLS.
	authBeforeTLS bool
	// exactFile: the Maildir file is the delivered bytes (CRLF kept, no
	// trace headers); otherwise the server stores LF line ends and puts
	// trace headers above ours.
	exactFile bool
	lacks     map[string]string // feature → why the case does not apply
	want      map[string]string // reply kind → start of the reply's last line
}

func (s *iopServer) addr() string    { return os.Getenv(s.addrEnv) }
func (s *iopServer) maildir() string { return os.Getenv(s.maildirEnv) }

// ready are the flags that bring a session to where mail can be sent.
func (s *iopServer) ready() []string {
	flags := []string{"--cafile", os.Getenv("SMTPREPL_PEERS_CA")}
	switch s.mode {
	case iopImplicitTLS:
		flags = append(flags, "--tls")
	case iopTLSRequired:
		flags = append(flags, "--starttls")
	}
	return flags
}

// openingFinals are the replies a ready session has had before the script's
// first line: the greeting, and with --starttls its EHLO and STARTTLS.
func (s *iopServer) openingFinals() []string {
	if s.mode == iopTLSRequired {
		return []string{"220 ", "250", s.reply("starttls")}
	}
	return []string{"220 "}
}

// args are flags then the server's address.
func (s *iopServer) args(flags ...string) []string { return append(flags, s.addr()) }

func (s *iopServer) reply(kind string) string {
	w, ok := s.want[kind]
	if !ok {
		panic(fmt.Sprintf("interop table: no %q reply for %s", kind, s.name))
	}
	return w
}

func iopServers() []*iopServer {
	postfix := func(name, env string, mode iopTLSMode) *iopServer {
		s := &iopServer{
			name: name, addrEnv: env, maildirEnv: "SMTPREPL_POSTFIX_MAILDIR", mode: mode,
			pipelining: true, authBeforeTLS: mode != iopTLSRequired,
			lacks: map[string]string{},
			want: map[string]string{
				"data":         "250 2.0.0 Ok: queued as ",
				"quit":         "221 2.0.0 Bye",
				"starttls":     "220 2.0.0 Ready to start TLS",
				"auth ok":      "235 2.7.0 Authentication successful",
				"auth bad":     "535 5.7.8 Error: authentication failed",
				"vrfy known":   "252 2.0.0 alice@example.test",
				"vrfy unknown": "550 5.1.1 <" + iopUnknown + ">: Recipient address rejected: User unknown",
				"rcpt unknown": "550 5.1.1 <" + iopUnknown + ">: Recipient address rejected: User unknown in virtual mailbox table",
				"relay":        "554 5.7.1 <" + iopForeign + ">: Relay access denied",
				"size mail":    "552 5.3.4 Message size exceeds fixed limit",
				"size body":    "552 5.3.4 Error: message file too big",
				"bdat":         "250 2.0.0 Ok: ",
			},
		}
		if mode != iopImplicitTLS {
			s.lacks[fImplicit] = "this listener starts in plaintext; SMTPREPL_POSTFIX_SMTPS is the implicit-TLS one"
		}
		if mode != iopTLSRequired {
			s.lacks[fSubmission] = "this listener does not require STARTTLS; SMTPREPL_POSTFIX_SUBMISSION does"
		}
		if mode == iopImplicitTLS {
			s.lacks[fStartTLS] = "TLS is on from the first byte here (STARTTLS is tested on SMTPREPL_POSTFIX)"
		}
		if mode != iopPlain {
			s.lacks[fBigBody] = "the 10 MB body goes once per server, to SMTPREPL_POSTFIX"
		}
		return s
	}
	aiosmtpd := &iopServer{
		name: "aiosmtpd", addrEnv: "SMTPREPL_AIOSMTPD", maildirEnv: "SMTPREPL_AIOSMTPD_MAILDIR",
		authBeforeTLS: true, exactFile: true,
		lacks: map[string]string{
			fImplicit:   "aiosmtpd has no implicit-TLS listener here",
			fSubmission: "aiosmtpd allows MAIL before STARTTLS",
			fVrfyCheck:  "aiosmtpd answers every VRFY with 252 Cannot VRFY user",
			fChunking:   "aiosmtpd does not offer CHUNKING",
		},
		want: map[string]string{
			"data":         "250 OK",
			"quit":         "221 Bye",
			"starttls":     "220 Ready to start TLS",
			"auth ok":      "235 2.7.0 Authentication successful",
			"auth bad":     "535 5.7.8 Authentication credentials invalid",
			"vrfy known":   "252 Cannot VRFY user",
			"rcpt unknown": "550 5.1.1 <" + iopUnknown + ">: Recipient address rejected: User unknown",
			"relay":        "554 5.7.1 <" + iopForeign + ">: Relay access denied",
			"size mail":    "552 Error: message size exceeds fixed maximum message size",
			"size body":    "552 Error: Too much mail data",
		},
	}
	sink := &iopServer{
		name: "smtp-sink", addrEnv: "SMTPREPL_SINK", pipelining: true,
		lacks: map[string]string{
			fTLS:        "smtp-sink offers no TLS",
			fStartTLS:   "smtp-sink offers no STARTTLS",
			fImplicit:   "smtp-sink offers no TLS",
			fSubmission: "smtp-sink offers no STARTTLS",
			fAuth:       "smtp-sink fakes AUTH: it answers 250 2.0.0 Ok to every AUTH line",
			fVrfyCheck:  "smtp-sink answers every VRFY with 250 2.0.0 Ok",
			fRcptCheck:  "smtp-sink accepts every recipient",
			fRelayCheck: "smtp-sink accepts every recipient",
			fSize:       "smtp-sink offers no SIZE and has no limit",
			fBigBody:    "smtp-sink has no size limit",
			fChunking:   "smtp-sink does not offer CHUNKING",
			fSMTPUTF8:   "smtp-sink does not offer SMTPUTF8",
		},
		want: map[string]string{
			"data":       "250 2.0.0 Ok",
			"quit":       "221 Bye",
			"vrfy known": "250 2.0.0 Ok",
		},
	}
	exim := &iopServer{
		name: "exim", addrEnv: "SMTPREPL_EXIM", maildirEnv: "SMTPREPL_EXIM_MAILDIR",
		pipelining: true, authBeforeTLS: true,
		lacks: map[string]string{
			fImplicit:   "Exim has no implicit-TLS listener here",
			fSubmission: "Exim allows MAIL before STARTTLS",
		},
		want: map[string]string{
			"data":         "250 OK id=",
			"quit":         "221 exim.example.test closing connection",
			"starttls":     "220 TLS go ahead",
			"auth ok":      "235 Authentication succeeded",
			"auth bad":     "535 Incorrect authentication data",
			"vrfy known":   "250 <alice@example.test> is deliverable",
			"vrfy unknown": "550 <" + iopUnknown + "> Unrouteable address",
			"rcpt unknown": "550 Unrouteable address",
			"relay":        "550 relay not permitted",
			"size mail":    "552 Message size exceeds maximum permitted",
			"size body":    "552 Message size exceeds maximum permitted",
			"bdat":         "250 OK id=",
		},
	}
	return []*iopServer{
		postfix("postfix", "SMTPREPL_POSTFIX", iopPlain),
		postfix("postfix-smtps", "SMTPREPL_POSTFIX_SMTPS", iopImplicitTLS),
		postfix("postfix-submission", "SMTPREPL_POSTFIX_SUBMISSION", iopTLSRequired),
		aiosmtpd, sink, exim,
	}
}

// iopCase is one check, run against every server that has what it needs.
type iopCase struct {
	name  string
	needs []string
	run   func(t *testing.T, s *iopServer)
}

func TestInterop(t *testing.T) {
	for _, s := range iopServers() {
		t.Run(s.name, func(t *testing.T) {
			if s.addr() == "" {
				hint := ""
				if s.name == "exim" {
					hint = " (Exim is optional: it is absent when it did not start or SMTPREPL_NO_EXIM=1)"
				}
				t.Skipf("%s is not set: start the peers with `bash .ci/peers/start.sh DIR` and export DIR/peers.env (set -a; . DIR/peers.env; set +a)%s", s.addrEnv, hint)
			}
			if os.Getenv("SMTPREPL_PEERS_CA") == "" {
				t.Skip("SMTPREPL_PEERS_CA is not set: export DIR/peers.env as .ci/peers/README.md says")
			}
			t.Parallel()
			for _, c := range iopCases() {
				t.Run(c.name, func(t *testing.T) {
					for _, f := range c.needs {
						if why, ok := s.lacks[f]; ok {
							t.Skipf("needs %s: %s", f, why)
						}
					}
					c.run(t, s)
				})
			}
		})
	}
}

func iopCases() []iopCase {
	return []iopCase{
		{"plain session EHLO MAIL RCPT DATA QUIT", nil, iopPlainSession},
		{"STARTTLS verified with --cafile", []string{fStartTLS}, iopStartTLS},
		{"implicit TLS with --tls --cafile", []string{fImplicit}, iopImplicit},
		{"untrusted certificate without --cafile exits 2", []string{fTLS}, iopUntrusted},
		{"submission: no AUTH and MAIL refused before STARTTLS", []string{fSubmission}, iopSubmissionBeforeTLS},
		{"submission: AUTH after STARTTLS, then a message", []string{fSubmission}, iopSubmissionAfterTLS},
		{"AUTH PLAIN right password", []string{fAuth}, iopAuth("PLAIN", true)},
		{"AUTH PLAIN wrong password", []string{fAuth}, iopAuth("PLAIN", false)},
		{"AUTH LOGIN right password", []string{fAuth}, iopAuth("LOGIN", true)},
		{"AUTH LOGIN wrong password", []string{fAuth}, iopAuth("LOGIN", false)},
		{"VRFY a known user", nil, iopSimple("VRFY alice@example.test", "vrfy known")},
		{"VRFY an unknown user", []string{fVrfyCheck}, iopSimple("VRFY "+iopUnknown, "vrfy unknown")},
		{"RCPT to an unknown user", []string{fRcptCheck}, iopRcpt(iopUnknown, "rcpt unknown")},
		{"RCPT to another domain without AUTH is relay denied", []string{fRelayCheck}, iopRcpt(iopForeign, "relay")},
		{"SIZE in MAIL over the limit", []string{fSize}, iopSimple(iopFrom+" SIZE=20000000", "size mail")},
		{"body over the size limit refused after the dot", []string{fSize, fBigBody}, iopBigBody},
		{"pipelined batch with --pipeline", nil, iopPipeline},
		{"BDAT chunks delivered unstuffed and byte-exact", []string{fChunking}, iopBDAT},
		{"SMTPUTF8 with UTF-8 headers delivered intact", []string{fSMTPUTF8}, iop8bit(iopFrom+" SMTPUTF8", true)},
		{"8BITMIME body delivered intact", nil, iop8bit(iopFrom+" BODY=8BITMIME", false)},
		{"dot-stuffed lines and a 998-octet line delivered byte-exact", nil, iopDotFidelity},
	}
}

func iopScript(lines ...string) []byte { return []byte(strings.Join(lines, "\n") + "\n") }

func iopPlainSession(t *testing.T, s *iopServer) {
	m := iopMessage{tok: iopToken(t), headers: []string{"Subject: plain session"}, body: []string{"Hello Alice."}}
	r := iopRun(t, iopScript(iopEHLO, iopFrom, iopTo, "DATA", m.script()+"QUIT"), s.args(s.ready()...)...)
	iopExpectExit(t, r, exitOK)
	iopExpectReplies(t, r, iopWant{"EHLO", "250 "}, iopWant{"MAIL", "250 "}, iopWant{"RCPT", "250 "},
		iopWant{"DATA", "354 "}, iopWant{".", s.reply("data")}, iopWant{"QUIT", s.reply("quit")})
	if lines := iopParse(r.stdout); len(lines) == 0 || lines[len(lines)-1] != (iopLine{'=', "connection closed"}) {
		t.Errorf("the transcript does not end with %q\n%s", "=== connection closed", r.describe())
	}
	iopCheckDelivery(t, s, m.tok, m.wire())
}

// iopStartTLS: the handshake follows the 220 by itself, verified against
// the peers' CA; the second EHLO loses STARTTLS (and gains AUTH where AUTH
// waits for TLS).
func iopStartTLS(t *testing.T, s *iopServer) {
	r := iopRun(t, iopScript(iopEHLO, "STARTTLS", iopEHLO, "QUIT"), s.args("--cafile", os.Getenv("SMTPREPL_PEERS_CA"))...)
	iopExpectExit(t, r, exitOK)
	iopExpectReplies(t, r, iopWant{"STARTTLS", s.reply("starttls")}, iopWant{"EHLO", "250"}, iopWant{"QUIT", s.reply("quit")})
	iopExpectSequence(t, r, "C: STARTTLS", "S: "+s.reply("starttls"), "=== TLS established", "C: "+iopEHLO)

	ehlos := iopEHLOs(r.stdout)
	if len(ehlos) != 2 {
		t.Fatalf("got %d EHLO replies, want 2\n%s", len(ehlos), r.describe())
	}
	gone, added := iopKeywordDiff(ehlos[0], ehlos[1])
	wantGone, wantAdded := []string{"STARTTLS"}, []string{}
	if !s.authBeforeTLS {
		wantAdded = []string{"AUTH PLAIN LOGIN"}
	}
	if diff := cmp.Diff(wantGone, gone); diff != "" {
		t.Errorf("keywords dropped after TLS (-want +got):\n%s\n%s", diff, r.describe())
	}
	if diff := cmp.Diff(wantAdded, added); diff != "" {
		t.Errorf("keywords added after TLS (-want +got):\n%s\n%s", diff, r.describe())
	}
	if got := iopHasKeyword(ehlos[0], "AUTH"); got != s.authBeforeTLS {
		t.Errorf("AUTH offered before TLS: %v, want %v\n%s", got, s.authBeforeTLS, r.describe())
	}
}

func iopImplicit(t *testing.T, s *iopServer) {
	r := iopRun(t, iopScript(iopEHLO, "QUIT"), s.args(s.ready()...)...)
	iopExpectExit(t, r, exitOK)
	iopExpectSequence(t, r, "=== connected", "=== TLS established", "S: 220 ")
	ehlos := iopEHLOs(r.stdout)
	if len(ehlos) != 1 || iopHasKeyword(ehlos[0], "STARTTLS") || !iopHasKeyword(ehlos[0], "AUTH") {
		t.Errorf("EHLO over implicit TLS should offer AUTH and no STARTTLS, got %q\n%s", ehlos, r.describe())
	}
}

func iopUntrusted(t *testing.T, s *iopServer) {
	script, flags := iopScript(iopEHLO, "STARTTLS", iopEHLO, "QUIT"), []string{}
	if s.mode == iopImplicitTLS {
		script, flags = iopScript(iopEHLO, "QUIT"), []string{"--tls"}
	}
	r := iopRun(t, script, s.args(flags...)...)
	iopExpectExit(t, r, exitFailure)
	if !strings.Contains(r.stderr, "certificate") {
		t.Errorf("stderr %q does not mention the certificate", r.stderr)
	}
	if strings.Contains(r.stdout, "=== TLS established") {
		t.Errorf("TLS was established with an untrusted certificate\n%s", r.describe())
	}
	if n := strings.Count(r.stdout, "C: "+iopEHLO); n > 1 {
		t.Errorf("EHLO was sent %d times: nothing may follow a failed handshake\n%s", n, r.describe())
	}
}

func iopSubmissionBeforeTLS(t *testing.T, s *iopServer) {
	r := iopRun(t, iopScript(iopEHLO, iopFrom, "QUIT"), s.args("--cafile", os.Getenv("SMTPREPL_PEERS_CA"))...)
	iopExpectExit(t, r, exitReplies)
	iopExpectReplies(t, r, iopWant{"MAIL", "530 5.7.0 Must issue a STARTTLS command first"}, iopWant{"QUIT", s.reply("quit")})
	if ehlos := iopEHLOs(r.stdout); len(ehlos) != 1 || iopHasKeyword(ehlos[0], "AUTH") || !iopHasKeyword(ehlos[0], "STARTTLS") {
		t.Errorf("EHLO before TLS should offer STARTTLS and no AUTH, got %q\n%s", ehlos, r.describe())
	}
}

func iopSubmissionAfterTLS(t *testing.T, s *iopServer) {
	m := iopMessage{tok: iopToken(t), headers: []string{"Subject: submitted after STARTTLS"}, body: []string{"Sent over TLS after AUTH."}}
	r := iopRun(t, iopScript(iopEHLO, "STARTTLS", iopEHLO, "AUTH PLAIN "+iopPlainBlob(iopPass()), iopFrom, iopTo, "DATA", m.script()+"QUIT"),
		s.args("--cafile", os.Getenv("SMTPREPL_PEERS_CA"))...)
	iopExpectExit(t, r, exitOK)
	iopExpectReplies(t, r, iopWant{"STARTTLS", s.reply("starttls")}, iopWant{"AUTH", s.reply("auth ok")},
		iopWant{"MAIL", "250 "}, iopWant{"RCPT", "250 "}, iopWant{".", s.reply("data")})
	iopCheckDelivery(t, s, m.tok, m.wire())
}

func iopPass() string { return os.Getenv("SMTPREPL_PEERS_PASS") }

func iopPlainBlob(pass string) string {
	return base64.StdEncoding.EncodeToString([]byte("\x00" + os.Getenv("SMTPREPL_PEERS_USER") + "\x00" + pass))
}

// iopAuth logs in with PLAIN (initial response) or LOGIN (two 334
// challenges answered in base64, as typed), and checks that no secret
// reaches the transcript.
func iopAuth(mech string, right bool) func(t *testing.T, s *iopServer) {
	return func(t *testing.T, s *iopServer) {
		pass, kind, exit := iopPass(), "auth ok", exitOK
		if !right {
			pass, kind, exit = "wrong-"+pass, "auth bad", exitReplies
		}
		b64 := func(x string) string { return base64.StdEncoding.EncodeToString([]byte(x)) }
		var script []byte
		var wants []iopWant
		var secrets []string
		switch mech {
		case "PLAIN":
			blob := iopPlainBlob(pass)
			script, secrets = iopScript(iopEHLO, "AUTH PLAIN "+blob, "QUIT"), []string{blob}
			wants = []iopWant{{"AUTH PLAIN", s.reply(kind)}}
		case "LOGIN":
			user := os.Getenv("SMTPREPL_PEERS_USER")
			script, secrets = iopScript(iopEHLO, "AUTH LOGIN", b64(user), b64(pass), "QUIT"), []string{b64(pass)}
			wants = []iopWant{{"AUTH LOGIN", "334 "}, {"", "334 "}, {"", s.reply(kind)}}
		}
		r := iopRun(t, script, s.args(s.ready()...)...)
		iopExpectExit(t, r, exit)
		iopExpectReplies(t, r, append(wants, iopWant{"QUIT", s.reply("quit")})...)
		for _, secret := range secrets {
			if strings.Contains(r.stdout, secret) {
				t.Errorf("the transcript shows the secret %q; AUTH answers must be redacted\n%s", secret, r.describe())
			}
		}
	}
}

// iopSimple sends EHLO, one command, QUIT and checks that command's reply;
// the exit code follows from the reply's class.
func iopSimple(line, kind string) func(t *testing.T, s *iopServer) {
	return func(t *testing.T, s *iopServer) {
		r := iopRun(t, iopScript(iopEHLO, line, "QUIT"), s.args(s.ready()...)...)
		want := s.reply(kind)
		exit := exitReplies
		if want[0] == '2' {
			exit = exitOK
		}
		iopExpectExit(t, r, exit)
		verb, _, _ := strings.Cut(line, " ")
		iopExpectReplies(t, r, iopWant{verb, want}, iopWant{"QUIT", s.reply("quit")})
	}
}

func iopRcpt(addr, kind string) func(t *testing.T, s *iopServer) {
	return func(t *testing.T, s *iopServer) {
		r := iopRun(t, iopScript(iopEHLO, iopFrom, "RCPT TO:<"+addr+">", "QUIT"), s.args(s.ready()...)...)
		iopExpectExit(t, r, exitReplies)
		iopExpectReplies(t, r, iopWant{"MAIL", "250 "}, iopWant{"RCPT", s.reply(kind)}, iopWant{"QUIT", s.reply("quit")})
	}
}

// iopBigBody sends 11 MB after a MAIL without SIZE: the server counts and
// refuses after the dot, and the session goes on. 11,000 lines of 998
// octets are over every limit even when Exim counts LF line ends.
func iopBigBody(t *testing.T, s *iopServer) {
	var script bytes.Buffer
	script.Write(iopScript(iopEHLO, iopFrom, iopTo, "DATA", "Subject: too big", ""))
	line := strings.Repeat("x", 998) + "\n"
	for range 11000 {
		script.WriteString(line)
	}
	script.WriteString(".\nQUIT\n")
	r := iopRun(t, script.Bytes(), s.args(s.ready()...)...)
	iopExpectExit(t, r, exitReplies)
	iopExpectReplies(t, r, iopWant{"DATA", "354 "}, iopWant{".", s.reply("size body")}, iopWant{"QUIT", s.reply("quit")})
	if len(r.stdout) > 2<<20 {
		t.Errorf("the transcript is %d bytes: script mode should show at most about 1 MiB of message text", len(r.stdout))
	}
	t.Logf("11 MB body answered in %s", r.took.Round(1e6))
}

// iopPipeline: with --pipeline and PIPELINING offered, MAIL, both RCPTs and
// DATA go out before any of their replies, and the final dot shares a
// batch with QUIT; without PIPELINING (aiosmtpd) each line waits for its
// reply.
func iopPipeline(t *testing.T, s *iopServer) {
	m := iopMessage{tok: iopToken(t), headers: []string{"Subject: pipelined"}, body: []string{"Two recipients, one round trip."}}
	r := iopRun(t, iopScript(iopEHLO, iopFrom, iopTo, "RCPT TO:<bob@example.test>", "DATA", m.script()+"QUIT"),
		s.args(append(s.ready(), "--pipeline")...)...)
	iopExpectExit(t, r, exitOK)
	iopExpectFinals(t, r, append(s.openingFinals(), "250", "250 ", "250 ", "250 ", "354 ", s.reply("data"), s.reply("quit"))...)
	wire := iopWireLines(r.stdout)
	batch, afterDot := []string{"C: MAIL", "C: RCPT", "C: RCPT", "C: DATA", "S: 250 "}, []string{"C: .", "C: QUIT", "S: " + s.reply("data")}
	if !s.pipelining {
		batch, afterDot = []string{"C: MAIL", "S: 250 ", "C: RCPT", "S: 250 "}, []string{"C: .", "S: " + s.reply("data"), "C: QUIT"}
	}
	iopExpectSequence(t, r, batch...)
	if i := iopIndex(wire, "C: ."); i < 0 || !iopHasPrefixes(wire[i:], afterDot) {
		t.Errorf("after the final dot, want %q\n%s", afterDot, r.describe())
	}
	iopCheckDelivery(t, s, m.tok, m.wire())
}

// iopBDAT sends the header and the body as two chunks. BDAT data is not
// dot-stuffed, so lines that start with a dot, and a lone dot, go out and
// arrive as typed.
func iopBDAT(t *testing.T, s *iopServer) {
	m := iopMessage{tok: iopToken(t), headers: []string{"Subject: BDAT"}, body: []string{".hidden", "..two", ".", "..", "end"}}
	lines := m.lines()
	var head []string
	for len(lines) > 0 {
		head, lines = append(head, lines[0]), lines[1:]
		if head[len(head)-1] == "" {
			break
		}
	}
	size := func(ls []string) int { return len(strings.Join(ls, "\r\n")) + 2 }
	script := iopScript(append(append(append([]string{iopEHLO, iopFrom, iopTo, fmt.Sprintf("BDAT %d", size(head))}, head...),
		fmt.Sprintf("BDAT %d LAST", size(lines))), append(lines, "QUIT")...)...)
	r := iopRun(t, script, s.args(s.ready()...)...)
	iopExpectExit(t, r, exitOK)
	iopExpectFinals(t, r, append(s.openingFinals(), "250", "250 ", "250 ", "250 ", s.reply("bdat"), s.reply("quit"))...)
	iopCheckDelivery(t, s, m.tok, m.wire())
}

// iop8bit sends UTF-8 text under SMTPUTF8 (in the header too) or
// BODY=8BITMIME, and checks that it arrives unchanged.
func iop8bit(mail string, utf8Header bool) func(t *testing.T, s *iopServer) {
	return func(t *testing.T, s *iopServer) {
		headers := []string{"Subject: 8-bit body", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"}
		if utf8Header {
			headers[0] = "Subject: Grüße aus Köln ✉ 日本語"
			headers = append(headers, "Cc: Jürgen Weiß <bob@example.test>")
		}
		m := iopMessage{tok: iopToken(t), headers: headers, body: []string{"Grüße, naïve café — € £ ¥", "Привет, мир", "日本語のテキスト 🙂"}}
		r := iopRun(t, iopScript(iopEHLO, mail, iopTo, "DATA", m.script()+"QUIT"), s.args(s.ready()...)...)
		iopExpectExit(t, r, exitOK)
		iopExpectReplies(t, r, iopWant{"MAIL", "250 "}, iopWant{"RCPT", "250 "}, iopWant{".", s.reply("data")})
		iopCheckDelivery(t, s, m.tok, m.wire())
	}
}

// iopDotFidelity: lines typed with leading dots go out stuffed (the
// transcript shows wire lines) and arrive unstuffed; a line of exactly
// 998 octets, RFC 5322's limit, arrives whole.
func iopDotFidelity(t *testing.T, s *iopServer) {
	long := strings.Repeat("0123456789", 100)[:998]
	m := iopMessage{tok: iopToken(t), headers: []string{"Subject: dots and a 998-octet line"},
		body: []string{"first", ".hidden", "..two", "..", " .not leading", long, "last"}}
	r := iopRun(t, iopScript(iopEHLO, iopFrom, iopTo, "DATA", m.script()+"QUIT"), s.args(s.ready()...)...)
	iopExpectExit(t, r, exitOK)
	iopExpectReplies(t, r, iopWant{".", s.reply("data")})
	iopExpectSequence(t, r, "C: first", "C: ..hidden", "C: ...two", "C: ...", "C:  .not leading", "C: "+long, "C: last", "C: .")
	iopCheckDelivery(t, s, m.tok, m.wire())
}

// iopAuthPeer is a server :auth is tried against, with the mechanisms it
// offers and its replies.
type iopAuthPeer struct {
	server *iopServer
	mechs  []string
}

// iopAuthPeers: Postfix (its plain listener, and the one whose Cyrus
// offers SCRAM-SHA-256 and CRAM-MD5), aiosmtpd and Exim.
func iopAuthPeers() []iopAuthPeer {
	byName := map[string]*iopServer{}
	for _, s := range iopServers() {
		byName[s.name] = s
	}
	scram := *byName["postfix"]
	scram.name, scram.addrEnv = "postfix-scram", "SMTPREPL_POSTFIX_SCRAM"
	return []iopAuthPeer{
		{byName["postfix"], []string{"plain", "login"}},
		{&scram, []string{"scram-sha-256", "cram-md5", "plain", "login"}},
		{byName["aiosmtpd"], []string{"plain", "login"}},
		{byName["exim"], []string{"plain", "login"}},
	}
}

// TestInteropAuthCommand logs in with :auth MECH USER, the secret from
// --auth-password-env, right and wrong: a right one gets the server's
// 235 (and, for SCRAM, its verified signature), a wrong one exit 1 and
// one sentence on stderr; no form of the password is in the output.
func TestInteropAuthCommand(t *testing.T) {
	for _, p := range iopAuthPeers() {
		t.Run(p.server.name, func(t *testing.T) {
			s := p.server
			if s.addr() == "" {
				t.Skipf("%s is not set: start the peers with .ci/peers/start.sh and export DIR/peers.env", s.addrEnv)
			}
			t.Parallel()
			for _, mech := range p.mechs {
				for _, right := range []bool{true, false} {
					name := mech + " right password"
					if !right {
						name = mech + " wrong password"
					}
					t.Run(name, func(t *testing.T) { iopAuthCommand(t, s, mech, right) })
				}
			}
		})
	}
}

func iopAuthCommand(t *testing.T, s *iopServer, mech string, right bool) {
	pass, kind, exit := iopPass(), "auth ok", exitOK
	if !right {
		pass, kind, exit = "wrong-"+pass, "auth bad", exitReplies
	}
	user := os.Getenv("SMTPREPL_PEERS_USER")
	r := iopRunEnv(t, []string{"IOP_AUTH_PW=" + pass},
		iopScript(iopEHLO, ":auth "+mech+" "+user, "QUIT"), s.args(append(s.ready(), "--auth-password-env", "IOP_AUTH_PW")...)...)
	if r.exit != exit {
		t.Errorf("exit %d, want %d\n%s", r.exit, exit, r.describe())
	}
	iopExpectReplies(t, r, iopWant{"AUTH " + strings.ToUpper(mech), ""}, iopWant{"QUIT", s.reply("quit")})
	if !strings.Contains(r.stdout, "\nS: "+s.reply(kind)) {
		t.Errorf("no %q reply\n%s", s.reply(kind), r.describe())
	}
	if right && mech == "scram-sha-256" && !strings.Contains(r.stdout, "v= is HMAC(ServerKey, AuthMessage) and matches ours") {
		t.Errorf("the server's SCRAM signature was not verified\n%s", r.describe())
	}
	wantErr := ""
	if !right {
		wantErr = "smtprepl: :auth " + mech + " " + user + ": the server refused the login: " + s.reply(kind)
	}
	if !strings.HasPrefix(r.stderr, wantErr) || strings.Count(r.stderr, "\n") > 1 {
		t.Errorf("stderr = %q, want one sentence starting %q", r.stderr, wantErr)
	}
	b64 := base64.StdEncoding.EncodeToString
	for _, form := range []string{pass, b64([]byte(pass)), iopPlainBlob(pass)} {
		form = strings.TrimRight(form, "=")
		if strings.Contains(r.stdout, form) || strings.Contains(r.stderr, form) {
			t.Errorf("the output holds the secret form %q\n%s", form, r.describe())
		}
	}
}
