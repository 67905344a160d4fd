package term

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/sandbox"
	"github.com/smtprepl/smtprepl/repl"
	"github.com/smtprepl/smtprepl/repl/internal/repltest"
)

// after returns what out holds after marker, failing when it is absent.
func after(t *testing.T, out, marker string) string {
	t.Helper()
	_, rest, ok := strings.Cut(out, marker)
	if !ok {
		t.Fatalf("output lacks %q:\n%s", marker, out)
	}
	return rest
}

// wantAll checks for each phrase, ignoring how explanations were wrapped.
func wantAll(t *testing.T, out string, wants ...string) {
	t.Helper()
	flat := strings.Join(strings.Fields(out), " ")
	for _, w := range wants {
		if !strings.Contains(flat, strings.Join(strings.Fields(w), " ")) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

// TestShellTypedAuthLoginSendsWireLines: after a typed AUTH LOGIN the
// answers go out as typed, base64 as :b64 built it and the lesson
// teaches, each shown decoded; the password is read without echo.
func TestShellTypedAuthLoginSendsWireLines(t *testing.T) {
	srv := startSandbox(t)
	run := runShell(t, srv, []readStep{
		{line: "EHLO me.example"}, {line: "AUTH LOGIN"}, {line: "c3R1ZGVudA=="}, {line: "c2VjcmV0", secret: true}, {line: ":status"},
	})
	wantAll(t, run.out,
		"S: 334 VXNlcm5hbWU6", `challenge decodes to "Username:"`,
		"C: c3R1ZGVudA==", `decodes to "student"`,
		"S: 334 UGFzc3dvcmQ6", `challenge decodes to "Password:"`,
		"C: •••••••• (hidden: your password, base64-encoded)", "S: 235 2.7.0", "logged in as student")
	if rest := after(t, run.out, "S: 334 UGFzc3dvcmQ6"); strings.Contains(rest, "secret") || strings.Contains(rest, "c2VjcmV0") {
		t.Errorf("the password reached the screen:\n%s", rest)
	}
	if diff := cmp.Diff([]string{"Username: (base64) ", "Password: (base64, not echoed) "}, run.reader.prompts[2:4]); diff != "" {
		t.Errorf("AUTH prompts (-want +got):\n%s", diff)
	}
}

// TestShellTypedAuthLoginPlainTextAnswer: an answer that is not base64
// goes out as typed, and the screen says why the server refuses it.
func TestShellTypedAuthLoginPlainTextAnswer(t *testing.T) {
	srv := startSandbox(t)
	run := runShell(t, srv, []readStep{
		{line: "EHLO me.example"}, {line: "AUTH LOGIN"}, {line: "student"},
	})
	wantAll(t, run.out, "C: student", "not base64", ":b64 student")
}

func TestShellAuthPlainWithoutInitialResponse(t *testing.T) {
	srv := startSandbox(t)
	run := runShell(t, srv, []readStep{
		{line: "EHLO me.example"}, {line: "AUTH PLAIN"}, {line: proto.PlainResponse("", "student", "secret"), secret: true}, {line: ":status"},
	})
	wantAll(t, run.out, "S: 334", "hidden: your PLAIN answer", "S: 235", "logged in as student")
	if strings.Contains(run.out, proto.PlainResponse("", "student", "secret")) {
		t.Errorf("the PLAIN response reached the screen:\n%s", run.out)
	}
}

func TestShellAuthCancelled(t *testing.T) {
	srv := startSandbox(t)
	run := runShell(t, srv, []readStep{
		{line: "EHLO me.example"}, {line: "AUTH LOGIN"}, {err: errInterrupt},
	})
	wantAll(t, run.out, "C: *", "cancelled", "S: 501")
}

func TestShellColonAuth(t *testing.T) {
	for _, mech := range []string{"plain", "login", "cram-md5"} {
		t.Run(mech, func(t *testing.T) {
			srv := startSandbox(t)
			run := runShell(t, srv, []readStep{
				{line: "EHLO me.example"}, {line: ":auth " + mech + " student"}, {line: "secret", secret: true}, {line: ":status"},
			})
			wantAll(t, run.out, "step 1: AUTH "+strings.ToUpper(mech), "S: 235", "logged in as student")
			if rest := after(t, run.out, "step 1"); strings.Contains(rest, "secret") || strings.Contains(rest, "c2VjcmV0") {
				t.Errorf("the password reached the screen:\n%s", rest)
			}
		})
	}
}

// TestShellColonAuthModern: :auth drives SCRAM-SHA-256 with the password
// and the OAuth mechanisms with the practice token, each asked without
// echo, and the prompt names who logged in.
func TestShellColonAuthModern(t *testing.T) {
	tests := []struct {
		mech, secret string
		wants        []string
	}{
		{"scram-sha-256", "secret", []string{"server-first-message, decoded", "matches ours", "C: \n"}},
		{"xoauth2", sandbox.PracticeToken, []string{"C: AUTH XOAUTH2 •••••••• (hidden: base64 of"}},
		{"oauthbearer", sandbox.PracticeToken, []string{"C: AUTH OAUTHBEARER •••••••• (hidden: base64 of \"n,a=student,"}},
	}
	for _, tc := range tests {
		t.Run(tc.mech, func(t *testing.T) {
			srv := startSandbox(t)
			run := runShell(t, srv, []readStep{
				{line: "EHLO me.example"}, {line: ":auth " + tc.mech + " student"}, {line: tc.secret, secret: true}, {line: ":status"},
			})
			wantAll(t, run.out, append(tc.wants, "step 1: AUTH "+strings.ToUpper(tc.mech), "S: 235", "logged in as student")...)
			rest := after(t, run.out, "step 1")
			for _, form := range []string{tc.secret, strings.TrimRight(proto.B64(tc.secret), "=")} {
				if strings.Contains(rest, form) {
					t.Errorf("the secret reached the screen as %q:\n%s", form, rest)
				}
			}
			if strings.Contains(run.history, tc.secret) {
				t.Errorf("the secret is in the history:\n%s", run.history)
			}
		})
	}
}

// TestShellColonAuthGivenSecret: a secret given on the command line is
// used without a prompt.
func TestShellColonAuthGivenSecret(t *testing.T) {
	srv := startSandbox(t)
	cfg := repl.Config{Addr: srv.Addr().String(), Sandbox: srv, AuthSecret: repl.NewSecret("secret", "--auth-password-env P")}
	run := runShellWith(t, cfg, []readStep{{line: "EHLO me.example"}, {line: ":auth login student"}}, nil)
	wantAll(t, run.out, "the password comes from --auth-password-env P (never shown)", "S: 235")
	if slices.ContainsFunc(run.reader.prompts, func(p string) bool { return strings.Contains(p, "Password") }) {
		t.Errorf("asked for the password although it was given: prompts %q", run.reader.prompts)
	}
}

// TestShellTypedSCRAMAnswersAreTyped: a typed AUTH SCRAM-SHA-256 leaves
// the answers to the person (":auth scram-sha-256 USER" computes them).
func TestShellTypedSCRAMAnswersAreTyped(t *testing.T) {
	srv := startSandbox(t)
	run := runShell(t, srv, []readStep{
		{line: "EHLO me.example"}, {line: "AUTH SCRAM-SHA-256 " + proto.B64("n,,n=student,r=abc")}, {line: "*", secret: true},
	})
	wantAll(t, run.out, ":auth scram-sha-256 USER builds every step", "C: •••••••• (hidden: your answer)", "S: 501 5.7.0 Authentication aborted")
}

func TestShellCtrlCAtEmptyPromptDoesNotQuit(t *testing.T) {
	srv := startSandbox(t)
	run := runShell(t, srv, []readStep{{err: errInterrupt}, {line: "NOOP"}})
	wantAll(t, run.out, "Ctrl-D or :quit leaves", "C: NOOP", "S: 250")
}

func TestShellCtrlCAbandonsTheWait(t *testing.T) {
	addr, lines := repltest.FakeServer(t)
	interrupts := make(chan os.Signal, 1)
	pressCtrlC := func() {
		go func() {
			for l := range lines {
				if l == "SLOW" {
					// The shell is in Exec by now: the server only sees the
					// line once it has been sent.
					interrupts <- os.Interrupt
					return
				}
			}
		}()
	}
	run := runShellWith(t, repl.Config{Addr: addr}, []readStep{{line: "SLOW", then: pressCtrlC}, {line: "NOOP"}}, interrupts)
	wantAll(t, run.out, "stopped waiting for the reply to SLOW", "still open but may be out of step", "C: NOOP")
	if got := run.reader.prompts[1]; !strings.Contains(got, "out of step?") {
		t.Errorf("prompt after the abandoned wait = %q, want it to say out of step", got)
	}
}

func TestShellDroppedConnectionThenOpen(t *testing.T) {
	addr, _ := repltest.FakeServer(t)
	run := runShellWith(t, repl.Config{Addr: addr}, []readStep{{line: "DROP"}, {line: "NOOP"}, {line: ":open"}, {line: "NOOP"}}, nil)
	wantAll(t, run.out, "connection closed by server", ":open reconnects", "the connection is closed")
	if n := strings.Count(run.out, "S: 220 fake.example"); n != 2 {
		t.Errorf("greetings seen: %d, want 2 (start and :open)\n%s", n, run.out)
	}
}

func TestShellConnectErrorLeavesAPrompt(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	run := runShellWith(t, repl.Config{Addr: addr}, []readStep{{line: ":status"}}, nil)
	wantAll(t, run.out, "cannot connect", ":open reconnects", "not connected")
	if len(run.reader.prompts) < 1 || !strings.Contains(run.reader.prompts[0], "not connected") {
		t.Errorf("prompts = %q, want a 'not connected' prompt", run.reader.prompts)
	}
}

func TestShellSTARTTLSShowsCertificateAndDiff(t *testing.T) {
	srv := startSandbox(t)
	run := runShell(t, srv, []readStep{{line: "EHLO a.example"}, {line: "STARTTLS"}, {line: "EHLO a.example"}, {line: ":status"}})
	if strings.Contains(run.out, "TLS TLS") {
		t.Errorf(":status names TLS twice:\n%s", run.out)
	}
	wantAll(t, run.out, "=== TLS established", "subject   CN=sandbox.smtprepl.test", "issuer    itself (self-signed)",
		"names     sandbox.smtprepl.test, localhost, 127.0.0.1", "valid     until", "verified  yes: this very certificate is trusted here",
		"STARTTLS disappeared (TLS is already on)")
}

func TestShellInsecureIsLoud(t *testing.T) {
	srv := startSandbox(t)
	cfg := repl.Config{Addr: srv.Addr().String(), TLS: proto.TLSOptions{Insecure: true}}
	run := runShellWith(t, cfg, []readStep{{line: "EHLO a.example"}, {line: "STARTTLS"}}, nil)
	wantAll(t, run.out, "NOT VERIFIED, accepted only because of --insecure", "self-signed", "could have presented this certificate")
}

func TestShellRefusedCertificateSaysHowToGoOn(t *testing.T) {
	srv := startSandbox(t)
	run := runShellWith(t, repl.Config{Addr: srv.Addr().String()}, []readStep{{line: "EHLO a.example"}, {line: "STARTTLS"}}, nil)
	wantAll(t, run.out, "is not trusted", "--cafile", "--insecure")
	if last := run.reader.prompts[len(run.reader.prompts)-1]; !strings.Contains(last, "not connected") {
		t.Errorf("last prompt = %q, want not connected", last)
	}
}

func TestShellDataModeWarnsAndStuffs(t *testing.T) {
	srv := startSandbox(t)
	long := strings.Repeat("x", 1000)
	run := runShell(t, srv, []readStep{
		{line: "EHLO a.example"}, {line: "MAIL FROM:<bob@example.test>"}, {line: "RCPT TO:<alice@example.test>"}, {line: "DATA"},
		{line: "Subject: héllo"}, {line: "no blank line before me"}, {line: ".dot"}, {line: long}, {line: ":status"}, {line: "."},
	})
	wantAll(t, run.out,
		"8-bit bytes: the server offers 8BITMIME, but MAIL FROM did not declare BODY=8BITMIME",
		"line 2 is not a header field", "C: ..dot", "dot-stuffed", "line 4 is 1000 octets",
		"writing message text", "S: 250 2.0.0 Ok: queued")
	msgs := srv.Mailbox().List()
	if len(msgs) != 1 || !strings.Contains(string(msgs[0].Data), "\r\n.dot\r\n") {
		t.Fatalf("mailbox = %+v, want one message with the dot line unstuffed", msgs)
	}
}

func TestShellSendFile(t *testing.T) {
	srv := startSandbox(t)
	file := filepath.Join(t.TempDir(), "msg.eml")
	os.WriteFile(file, []byte("Subject: sent\n\n.first\n..second\n.\nend\n"), 0o600)
	run := runShell(t, srv, []readStep{
		{line: "EHLO a.example"}, {line: "MAIL FROM:<bob@example.test>"}, {line: "RCPT TO:<alice@example.test>"},
		{line: ":send " + file}, {line: ":mailbox"},
	})
	wantAll(t, run.out, "C: DATA", "C: ..first", "C: ...second", "C: ..", "3 began with '.'", "S: 250 2.0.0 Ok: queued", "sent")
	msgs := srv.Mailbox().List()
	if len(msgs) != 1 {
		t.Fatalf("mailbox holds %d messages, want 1", len(msgs))
	}
	if diff := cmp.Diff("Subject: sent\r\n\r\n.first\r\n..second\r\n.\r\nend\r\n", string(msgs[0].Data)); diff != "" {
		t.Errorf("stored message (-want +got):\n%s", diff)
	}
}

func TestShellSendNeedsRecipients(t *testing.T) {
	srv := startSandbox(t)
	run := runShell(t, srv, []readStep{{line: "EHLO a.example"}, {line: ":send /nonexistent.eml"}, {line: ":send " + os.Args[0]}})
	wantAll(t, run.out, "no such file", ":send needs a transaction with a recipient")
}

func TestShellInfoCommands(t *testing.T) {
	srv := startSandbox(t)
	run := runShell(t, srv, []readStep{
		{line: "RCPT TO:<alice@example.test>"}, {line: ":explain"}, {line: ":explain \"550 5.1.1\""}, {line: ":explain PIPELINING"},
		{line: ":help MAIL"}, {line: ":help"}, {line: ":help :wire"}, {line: ":mailbox"}, {line: ":wire on"}, {line: "NOOP"}, {line: ":nonsense"},
	})
	wantAll(t, run.out,
		"S: 503 5.5.1", "reply: 503 5.5.1",
		"5.1.1 Bad destination mailbox address",
		"PIPELINING",
		"MAIL FROM:<reverse-path> [parameters]    (RFC 5321 §4.1.1.2)", "example:  MAIL FROM:<bob@example.test>",
		":send FILE", "SMTP verbs (:help VERB for one)",
		":wire on|off",
		"the mailbox is empty",
		`C= "NOOP\r\n"`, `S= "250 2.0.0 Ok\r\n"`,
		"unknown command :nonsense (try :help)")
}

func TestShellQuitThenMailboxThenLeave(t *testing.T) {
	srv := startSandbox(t)
	run := runShell(t, srv, []readStep{{line: "QUIT"}, {line: ":mailbox"}, {line: ":quit"}, {line: "never read"}})
	wantAll(t, run.out, "S: 221", ":mailbox shows what the practice server received", "the mailbox is empty")
	if got := run.reader.prompts; len(got) != 3 {
		t.Errorf("the shell read %d lines, want 3 (it must stop at :quit): %q", len(got), got)
	}
}

// TestShellPastedAnswersAfterRefusedAuth: a pasted block runs on after a
// refused AUTH; its answer lines are skipped, shown only redacted, never
// sent, recorded or kept in history, and the next command goes out.
func TestShellPastedAnswersAfterRefusedAuth(t *testing.T) {
	srv := startSandbox(t)
	rec := filepath.Join(t.TempDir(), "rec.txt")
	cfg := repl.Config{Addr: srv.Addr().String(), Sandbox: srv, Record: rec}
	run := runShellWith(t, cfg, []readStep{
		{line: "EHLO me.example"}, {line: "AUTH GSSAPI"}, {line: "c3R1ZGVudA"}, {line: "c2VjcmV0"}, {line: "ETRN example.org"}, {line: "NOOP"},
	}, nil)
	wantAll(t, run.out, "S: 535", "skipped, not sent: <redacted: AUTH answer> (the AUTH exchange is over: the server answered 535)", "C: ETRN example.org", "C: NOOP")
	recorded, _ := os.ReadFile(rec)
	for _, where := range []struct{ name, text string }{{"screen", run.out}, {"history", run.history}, {"recording", string(recorded)}} {
		for _, answer := range []string{"c3R1ZGVudA", "c2VjcmV0"} {
			if strings.Contains(where.text, answer) {
				t.Errorf("the %s holds the answer %q:\n%s", where.name, answer, where.text)
			}
		}
	}
}

// TestShellPastedTextAfterRefusedData: the example pasted into the
// shell. DATA refused, the message text up to its lone "." is not sent
// (not the RSET or QUIT in it either), under a prompt that says so.
func TestShellPastedTextAfterRefusedData(t *testing.T) {
	srv := startSandbox(t)
	steps := []readStep{{line: "EHLO me"}, {line: "MAIL FROM:<x@example.org>"}, {line: "RCPT TO:<nobody@example.test>"}, {line: "DATA"}}
	for _, l := range []string{"Subject: oops", "", "RSET", "QUIT", "hello", ".", "NOOP"} {
		steps = append(steps, readStep{line: l})
	}
	run := runShell(t, srv, steps)
	wantAll(t, run.out, "S: 554", `5 line(s) of message text and the lone "." not sent: DATA was answered 554, not 354`, "C: NOOP", "S: 250 2.0.0 Ok")
	for _, sent := range []string{"C: Subject: oops", "C: RSET", "C: QUIT", "S: 221"} {
		if strings.Contains(run.out, sent) {
			t.Errorf("%q: a line of the refused message went out:\n%s", sent, run.out)
		}
	}
	if got := run.reader.prompts[5]; !strings.Contains(got, "refused DATA") {
		t.Errorf("prompt after the refused DATA = %q, want it to say the text is not sent", got)
	}
	if strings.Contains(run.history, "oops") {
		t.Errorf("history holds message text:\n%s", run.history)
	}
}

// TestShellCtrlCEndsRefusedText: Ctrl-C at the refused-text prompt ends
// it, and the next line is a command again.
func TestShellCtrlCEndsRefusedText(t *testing.T) {
	srv := startSandbox(t)
	run := runShell(t, srv, []readStep{
		{line: "EHLO me"}, {line: "MAIL FROM:<x@example.org>"}, {line: "DATA"}, {line: "Subject: x"}, {err: errInterrupt}, {line: "NOOP"},
	})
	wantAll(t, run.out, "S: 554", "C: NOOP", "S: 250 2.0.0 Ok")
}

// TestShellEHLOHintFollowsTheOffer: where STARTTLS is offered and AUTH is
// not, as on a submission port before TLS, the next step is STARTTLS,
// not MAIL FROM; on the practice server's port 25 it is MAIL FROM.
func TestShellEHLOHintFollowsTheOffer(t *testing.T) {
	for _, tc := range []struct {
		requireTLS     bool
		want, unwanted string
	}{
		{true, "next: STARTTLS, then EHLO again", "next: MAIL FROM"},
		{false, "next: MAIL FROM", "next: STARTTLS"},
	} {
		cfg := sandbox.DefaultConfig()
		cfg.RequireTLS = tc.requireTLS
		srv, err := sandbox.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Listen("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		run := runShell(t, srv, []readStep{{line: "EHLO me.example"}})
		wantAll(t, run.out, tc.want)
		if strings.Contains(strings.Join(strings.Fields(run.out), " "), tc.unwanted) {
			t.Errorf("requireTLS=%v: the EHLO hint says %q:\n%s", tc.requireTLS, tc.unwanted, run.out)
		}
	}
}

// TestShellNotesBareAddresses: the practice server, like Postfix, takes
// MAIL FROM: and RCPT TO: without angle brackets; RFC 5321 does not, and
// the shell says so. With brackets there is no remark.
func TestShellNotesBareAddresses(t *testing.T) {
	srv := startSandbox(t)
	run := runShell(t, srv, []readStep{
		{line: "EHLO me.example"}, {line: "MAIL FROM: alice@example.test"}, {line: "RCPT TO:<bob@example.test>"}, {line: "RCPT TO:carol@example.test"},
	})
	flat := strings.Join(strings.Fields(run.out), " ")
	if n := strings.Count(flat, "without angle brackets"); n != 2 {
		t.Errorf("%d remarks on angle brackets, want 2 (MAIL and the second RCPT):\n%s", n, run.out)
	}
	wantAll(t, run.out, "MAIL FROM:<alice@example.test>", "RCPT TO:<carol@example.test>")
}

// TestShellLintsATypedMessage: a message typed in DATA without From or
// Date gets a remark when its "." is typed; a complete one gets none.
func TestShellLintsATypedMessage(t *testing.T) {
	for _, tc := range []struct {
		header []string
		want   string
	}{
		{[]string{"Subject: hi"}, "no From: and no Date: field"},
		{[]string{"From: a@example.test", "Subject: hi"}, "no Date: field"},
		{[]string{"From: a@example.test", "Date: Sat, 03 Feb 2001 04:05:06 +0000"}, ""},
	} {
		srv := startSandbox(t)
		steps := []readStep{{line: "EHLO me.example"}, {line: "MAIL FROM:<a@example.test>"}, {line: "RCPT TO:<bob@example.test>"}, {line: "DATA"}}
		for _, h := range append(tc.header, "", "body", ".") {
			steps = append(steps, readStep{line: h})
		}
		run := runShell(t, srv, steps)
		flat := strings.Join(strings.Fields(run.out), " ")
		switch {
		case tc.want == "" && strings.Contains(flat, "RFC 5322 §3.6"):
			t.Errorf("a complete header got a remark:\n%s", run.out)
		case tc.want != "":
			wantAll(t, run.out, tc.want, "RFC 5322 §3.6")
		}
	}
}

// TestShellStrayDotIsNamed: a lone "." ends the message; the line typed
// after it goes out as a command, and its 500 is explained by the ".".
func TestShellStrayDotIsNamed(t *testing.T) {
	srv := startSandbox(t)
	run := runShell(t, srv, []readStep{
		{line: "EHLO me.example"}, {line: "MAIL FROM:<a@example.test>"}, {line: "RCPT TO:<bob@example.test>"}, {line: "DATA"},
		{line: "From: a@example.test"}, {line: "Date: Sat, 03 Feb 2001 04:05:06 +0000"}, {line: ""}, {line: "first part"}, {line: "."},
		{line: "and the rest of it"}, {line: "NOOP"}, {line: "NOOP"},
	})
	wantAll(t, run.out, "S: 500", `the lone "." above ended the message`)
	if n := strings.Count(strings.Join(strings.Fields(run.out), " "), `the lone "." above`); n != 1 {
		t.Errorf("the remark came %d times, want once:\n%s", n, run.out)
	}
}
