package sandbox

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/pop3"
)

// The POP3 fidelity table: probes sent to the sandbox's POP3 listener and,
// once, to Dovecot 2.3's (Debian 12's dovecot-pop3d, the CI peer), whose
// answers are kept in testdata/dovecot-pop3.txt. Each step says how much
// of the answer must match (pop3Check): the whole text where clients read
// it, its form where numbers and ids are the server's own. A probe starts
// with alice's maildrop holding exactly pop3Fixture. Deliberate
// differences name the sandbox's answer and why. pop3_interop_test.go runs
// the same probes against Dovecot and regenerates the captures
// (-update-pop3-captures).

type pop3Check int

const (
	exact   pop3Check = iota // every line as it is
	form                     // digits may differ ("+OK 2 579")
	uids                     // form, and the unique-ids may differ
	message                  // form; header field names and body lines as they are
	status                   // +OK or -ERR only (the greeting's text is the server's)
)

type pop3Step struct {
	send  string // a command line; "(reconnect)" starts a new session, "(hangup)" drops it, "(long line)" is 5000 X
	check pop3Check
}

type pop3Probe struct {
	name  string
	steps []pop3Step
	// sandbox holds, by step index, the sandbox's answer where it
	// deliberately differs from Dovecot's, and why says why.
	sandbox map[int][]string
	why     string
}

// pop3Fixture is alice's mail at the start of every probe: a line that
// needs stuffing, and a second message.
var pop3Fixture = []string{
	"Subject: one\r\n\r\n.dot line\r\nhello\r\n",
	"Subject: two\r\n\r\nbody\r\n",
}

var (
	pop3Login = []pop3Step{{"USER alice", exact}, {"PASS secret", exact}}
	plainB64  = proto.PlainResponse("", "alice", "secret")
)

func steps(lines ...string) []pop3Step {
	out := make([]pop3Step, len(lines))
	for i, l := range lines {
		out[i] = pop3Step{l, exact}
	}
	return out
}

func loggedIn(more ...pop3Step) []pop3Step {
	return append(append([]pop3Step{}, pop3Login...), more...)
}

func pop3Probes() []pop3Probe {
	bad := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("BAD%d", i)
		}
		return out
	}
	return []pop3Probe{
		{name: "capa-before-login", steps: steps("CAPA")},
		{name: "capa-after-login", steps: loggedIn(pop3Step{"CAPA", exact})},
		{name: "unknown-before-login", steps: append(steps("FOO", "STAT", "user alice", "pass secret"), pop3Step{"stat", form})},
		{name: "bad-commands-before-login", steps: steps(bad(5)...)},
		{name: "pass-without-user", steps: steps("PASS secret", "USER", "PASS secret")},
		{name: "wrong-password", steps: steps("USER alice", "PASS wrong", "PASS secret", "USER nobody", "PASS secret")},
		{name: "stat-list", steps: loggedIn(pop3Step{"STAT", form}, pop3Step{"LIST", form}, pop3Step{"LIST 2", form},
			pop3Step{"LIST 3", exact}, pop3Step{"LIST 0", exact}, pop3Step{"LIST x", exact}, pop3Step{"LIST 1 2", exact})},
		{name: "uidl", steps: loggedIn(pop3Step{"UIDL", uids}, pop3Step{"UIDL 2", uids}, pop3Step{"UIDL 9", exact})},
		{name: "retr", steps: loggedIn(pop3Step{"RETR 1", message}, pop3Step{"RETR 2", message},
			pop3Step{"RETR 3", exact}, pop3Step{"RETR", exact}, pop3Step{"RETR 1 2", exact})},
		{name: "top", steps: loggedIn(pop3Step{"TOP 1 0", message}, pop3Step{"TOP 1 1", message}, pop3Step{"TOP 1 9", message},
			pop3Step{"TOP 1 x", exact}, pop3Step{"TOP 1", exact}, pop3Step{"TOP 0 1", exact})},
		{name: "dele-rset", steps: loggedIn(pop3Step{"DELE 1", exact}, pop3Step{"DELE 1", exact}, pop3Step{"RETR 1", exact},
			pop3Step{"LIST 1", exact}, pop3Step{"STAT", form}, pop3Step{"LIST", form}, pop3Step{"RSET", exact}, pop3Step{"STAT", form})},
		{name: "dele-quit", steps: loggedIn(pop3Step{"DELE 1", exact}, pop3Step{"QUIT", exact}, pop3Step{"(reconnect)", status},
			pop3Step{"USER alice", exact}, pop3Step{"PASS secret", exact}, pop3Step{"STAT", form}, pop3Step{"TOP 1 0", message}, pop3Step{"QUIT", exact})},
		{name: "dropped-connection-deletes-nothing", steps: loggedIn(pop3Step{"DELE 1", exact}, pop3Step{"DELE 2", exact},
			pop3Step{"(hangup)", status}, pop3Step{"USER alice", exact}, pop3Step{"PASS secret", exact}, pop3Step{"STAT", form})},
		{name: "unknown-after-login", steps: loggedIn(steps("FOO", "USER alice", "STLS", "AUTH PLAIN", "NOOP", "NOOP x", "RSET x")...)},
		{name: "bad-commands-after-login", steps: loggedIn(steps(bad(23)...)...)},
		{name: "auth-plain", steps: []pop3Step{{"AUTH PLAIN " + plainB64, exact}, {"STAT", form}, {"QUIT", exact}}},
		{name: "auth-plain-continued", steps: steps("AUTH PLAIN", plainB64, "CAPA")},
		{name: "auth-errors", steps: steps("AUTH X", "AUTH PLAIN !!!", "AUTH PLAIN", "=", "AUTH PLAIN", "*",
			"AUTH PLAIN "+proto.PlainResponse("", "alice", "wrong"), "APOP alice abc"),
		},
		{name: "auth-mechanisms", steps: steps("AUTH")},
		{name: "auth-login", steps: steps("AUTH LOGIN", "YWxpY2U=", "c2VjcmV0", "QUIT")},
		{name: "auth-login-initial-response", steps: steps("AUTH LOGIN YWxpY2U=", "d3Jvbmc=", "AUTH LOGIN", "*")},
		{name: "stls", steps: steps("STLS", "CAPA", "STLS", "USER alice", "PASS secret", "QUIT")},
		{name: "quit-before-login", steps: steps("QUIT")},
		{name: "long-line", steps: steps("(long line)", "NOOP")},
	}
}

// pop3Exchange is one command (or the greeting, send "") and every line
// of its answer; a closed connection answers "(closed)".
type pop3Exchange struct {
	send  string
	lines []string
}

// pop3Target is a POP3 server to probe and the way to give alice the
// fixture's mail.
type pop3Target struct {
	addr    string
	deliver func(t *testing.T, body string)
}

// runPOP3Probe resets alice's maildrop to the fixture and plays p.
func runPOP3Probe(t *testing.T, tg pop3Target, p pop3Probe) []pop3Exchange {
	t.Helper()
	resetMaildrop(t, tg)
	c := dialPOP3(t, tg.addr)
	out := []pop3Exchange{{"", c.response(t, "")}}
	for _, s := range p.steps {
		switch s.send {
		case "(hangup)", "(reconnect)":
			c.conn.Close()
			c = dialPOP3(t, tg.addr)
			out = append(out, pop3Exchange{s.send, c.response(t, "")})
			continue
		}
		ex := pop3Exchange{s.send, []string{"(closed)"}}
		line := s.send
		if line == "(long line)" {
			line = strings.Repeat("X", 5000) // past Dovecot's input buffer
		}
		if _, err := c.conn.Write([]byte(line + "\r\n")); err == nil {
			ex.lines = c.response(t, s.send)
		}
		out = append(out, ex)
		if s.send == "STLS" && strings.HasPrefix(ex.lines[0], "+OK") {
			c.startTLS(t)
		}
	}
	c.conn.Close()
	return out
}

// resetMaildrop deletes all of alice's mail and delivers the fixture.
func resetMaildrop(t *testing.T, tg pop3Target) {
	t.Helper()
	c := dialPOP3(t, tg.addr)
	c.response(t, "")
	for _, l := range []string{"USER alice", "PASS secret", "STAT"} {
		c.send(t, l)
	}
	c.response(t, "USER")
	c.response(t, "PASS")
	var n, size int
	fmt.Sscanf(c.response(t, "STAT")[0], "+OK %d %d", &n, &size)
	for i := 1; i <= n; i++ {
		c.send(t, fmt.Sprintf("DELE %d", i))
		c.response(t, "DELE")
	}
	c.send(t, "QUIT")
	c.response(t, "QUIT")
	c.conn.Close()
	for _, body := range pop3Fixture {
		tg.deliver(t, body)
	}
}

type pop3Conn struct {
	conn net.Conn
	br   *bufio.Reader
}

func dialPOP3(t *testing.T, addr string) *pop3Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	return &pop3Conn{conn: conn, br: bufio.NewReader(conn)}
}

func (c *pop3Conn) send(t *testing.T, line string) {
	t.Helper()
	if _, err := c.conn.Write([]byte(line + "\r\n")); err != nil {
		t.Fatalf("sending %q: %v", line, err)
	}
}

func (c *pop3Conn) startTLS(t *testing.T) {
	t.Helper()
	tc := tls.Client(c.conn, &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		t.Fatalf("STLS handshake: %v", err)
	}
	tc.SetDeadline(time.Now().Add(30 * time.Second))
	c.conn, c.br = tc, bufio.NewReader(tc)
}

// response reads the answer to line: its first line, and when that is +OK
// to a multi-line command, the lines up to the lone ".", unstuffed.
func (c *pop3Conn) response(t *testing.T, line string) []string {
	t.Helper()
	first, err := c.br.ReadString('\n')
	if err != nil {
		return []string{"(closed)"}
	}
	out := []string{strings.TrimRight(first, "\r\n")}
	cmd, _ := pop3.ParseCommand(line)
	if !strings.HasPrefix(first, "+OK") || !cmd.MultiLine() {
		return out
	}
	for {
		l, err := c.br.ReadString('\n')
		if err != nil {
			t.Fatalf("multi-line answer to %q cut short: %v", line, err)
		}
		text, end := pop3.Unstuff([]byte(strings.TrimRight(l, "\r\n")))
		if end {
			return append(out, ".")
		}
		out = append(out, string(text))
	}
}

var digits = regexp.MustCompile(`[0-9]+`)

// normalize keeps of an answer what check compares.
func normalize(check pop3Check, lines []string) []string {
	out := append([]string(nil), lines...)
	switch check {
	case status:
		ind, _, _ := strings.Cut(out[0], " ")
		return []string{ind}
	case form, uids, message:
		out[0] = digits.ReplaceAllString(out[0], "N")
	}
	for i := 1; i < len(out); i++ {
		switch check {
		case form:
			out[i] = digits.ReplaceAllString(out[i], "N")
		case uids:
			n, _, _ := strings.Cut(out[i], " ")
			out[i] = n + " UID"
		}
	}
	if check == message {
		return headerNames(out)
	}
	if check == uids {
		out[0] = strings.Replace(digits.ReplaceAllString(lines[0], "N"), " "+uidOf(lines[0]), " UID", 1)
	}
	return out
}

// uidOf is the unique-id in "+OK 2 UID".
func uidOf(line string) string {
	f := strings.Fields(line)
	if len(f) == 3 {
		return digits.ReplaceAllString(f[2], "N")
	}
	return "\x00"
}

// headerNames replaces a message's header block (continuation lines
// dropped) by its field names: each server adds trace fields of its own.
func headerNames(lines []string) []string {
	out := lines[:1:1]
	inHeader := true
	for _, l := range lines[1:] {
		switch {
		case !inHeader || l == ".":
			out = append(out, l)
		case l == "":
			inHeader = false
			out = append(out, l)
		case l[0] != ' ' && l[0] != '\t':
			name, _, _ := strings.Cut(l, ":")
			out = append(out, name+":")
		}
	}
	return out
}

// compared is a probe's answers as the checks see them.
func compared(p pop3Probe, got []pop3Exchange) []pop3Exchange {
	out := make([]pop3Exchange, len(got))
	for i, ex := range got {
		check := status // the greeting
		if i > 0 && i-1 < len(p.steps) {
			check = p.steps[i-1].check
		}
		out[i] = pop3Exchange{ex.send, normalize(check, ex.lines)}
	}
	return out
}

func (e pop3Exchange) String() string { return fmt.Sprintf("C: %s -> %q", e.send, e.lines) }

// pop3Differences are where the sandbox parts from Dovecot on purpose
// and no probe can show it (timing, concurrency, free text); a probe's
// own differences are in its sandbox and why fields.
var pop3Differences = []string{
	"the greeting's text is the sandbox's own: only its +OK is compared",
	"no delay after a wrong password: Dovecot waits seconds (auth_failure_delay), a classroom should not",
	"no lock on the maildrop: two sessions may read one mailbox, each deleting only what it marked",
}

func TestPOP3Fidelity(t *testing.T) {
	for _, d := range pop3Differences {
		t.Logf("deliberate difference, POP3 (Dovecot): %s", d)
	}
	srv, smtpAddr := testServer(t, nil)
	pop3Addr, err := srv.ListenPOP3("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tg := pop3Target{addr: pop3Addr.String(), deliver: func(t *testing.T, body string) {
		smtpDeliver(t, smtpAddr, "EHLO", body)
	}}
	captures := readPOP3Captures(t)
	for _, p := range pop3Probes() {
		t.Run(p.name, func(t *testing.T) {
			want, ok := captures[p.name]
			if !ok {
				t.Fatalf("no capture of %s in %s: run the interop test with -update-pop3-captures", p.name, pop3CaptureFile)
			}
			want = compared(p, want)
			for i, lines := range p.sandbox {
				t.Logf("deliberate difference, %s step %d: Dovecot %q, sandbox %q: %s", p.name, i, want[i+1].lines, lines, p.why)
				want[i+1].lines = normalize(p.steps[i].check, lines)
			}
			if diff := cmp.Diff(want, compared(p, runPOP3Probe(t, tg, p)), cmp.AllowUnexported(pop3Exchange{})); diff != "" {
				t.Errorf("answers differ from Dovecot's (-want +got):\n%s", diff)
			}
		})
	}
}

// smtpDeliver gives alice body over SMTP (verb EHLO) or LMTP (LHLO).
func smtpDeliver(t *testing.T, addr, hello, body string) {
	t.Helper()
	c := dial(t, addr, proto.Options{})
	defer c.Close()
	for _, l := range []string{hello + " probe.example.test", "MAIL FROM:<bob@example.test>", "RCPT TO:<alice@example.test>", "DATA"} {
		if r := cmd(t, c, l); r.Code >= 400 {
			t.Fatalf("%s: %s", l, r)
		}
	}
	if err := c.QueueRaw(proto.DotStuff([]byte(body))); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if r, err := c.ReadReply(context.Background()); err != nil || r.Code != 250 {
		t.Fatalf("delivering the fixture: %v %v", r, err)
	}
	c.Send("QUIT")
}

const pop3CaptureFile = "testdata/dovecot-pop3.txt"

// readPOP3Captures reads the captured transcripts: "== name" starts a
// probe, "C: " a command, "S: " a line of its answer.
func readPOP3Captures(t *testing.T) map[string][]pop3Exchange {
	t.Helper()
	data, err := os.ReadFile(pop3CaptureFile)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]pop3Exchange{}
	var name string
	for _, l := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(l, "== "):
			name = l[3:]
			out[name] = []pop3Exchange{{}}
		case strings.HasPrefix(l, "C: "):
			out[name] = append(out[name], pop3Exchange{send: l[3:]})
		case strings.HasPrefix(l, "S: "):
			ex := out[name]
			ex[len(ex)-1].lines = append(ex[len(ex)-1].lines, l[3:])
		}
	}
	return out
}
