package term

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/visible/visibletest"
	"github.com/smtprepl/smtprepl/repl"
)

// hostileServer plays every connection: its greeting, then for each line
// read the answer of answer (CRLF added per line); STARTTLS with a cert is
// answered 220 and a handshake.
type hostileServer struct {
	greeting string
	answer   func(line string) string
	cert     *tls.Certificate
	accepted chan struct{} // gets a value per connection, when non-nil
}

func (h hostileServer) start(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if h.accepted != nil {
				h.accepted <- struct{}{}
			}
			h.play(c)
		}
	}()
	return ln.Addr().String()
}

func (h hostileServer) play(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if h.greeting == "" {
		io.Copy(io.Discard, c) // silent until the client leaves
		return
	}
	io.WriteString(c, h.greeting)
	var conn net.Conn = c
	sc := bufio.NewScanner(conn)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.EqualFold(line, "STARTTLS") && h.cert != nil {
			io.WriteString(conn, "220 2.0.0 go ahead\r\n")
			tc := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{*h.cert}})
			if tc.Handshake() != nil {
				return
			}
			conn, sc = tc, bufio.NewScanner(tc)
			continue
		}
		io.WriteString(conn, h.answer(line))
	}
}

// evilAnswers is a server that puts escapes everywhere a reply can hold
// text: EHLO keywords and parameters, AUTH mechanisms, error replies and
// the base64 of its AUTH LOGIN challenges.
func evilAnswers(line string) string {
	verb, _, _ := strings.Cut(strings.ToUpper(line), " ")
	switch verb {
	case "EHLO":
		return "250-evil.test " + visibletest.EvilAll + "\r\n" +
			"250-AUTH PLAIN LOGIN " + visibletest.EvilClip + "\r\n" +
			"250-SIZE " + visibletest.EvilCSI + "\r\n" +
			"250-X" + visibletest.EvilBidi + "\r\n" +
			"250-" + visibletest.EvilTitle + "\r\n" +
			"250 8BITMIME\r\n"
	case "AUTH":
		return "334 " + proto.B64("User"+visibletest.EvilClip+"name:") + "\r\n"
	case "MAIL":
		return "550-5.1.1 " + visibletest.EvilLink + "\r\n550 5.1.1 " + visibletest.EvilAll + "\r\n"
	case "HELP":
		return "214 " + visibletest.EvilAll + "\r\n"
	case "QUIT":
		return "221 " + visibletest.EvilTitle + "\r\n"
	}
	if line == "bob" || proto.B64("bob") == line {
		return "334 " + proto.B64("Pass"+visibletest.EvilCSI+visibletest.EvilBidi+"word:") + "\r\n"
	}
	if proto.B64("pw") == line {
		return "535 5.7.8 " + visibletest.EvilAll + "\r\n"
	}
	return "250 ok " + visibletest.EvilC1 + "\r\n"
}

// shellWithTheme is runShellWith in colour, keeping the shell for a look
// at its completions afterwards.
func shellWithTheme(t *testing.T, cfg repl.Config, steps []readStep, colour bool) (string, *Shell, *scriptedReader) {
	t.Helper()
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	var out bytes.Buffer
	lr := &scriptedReader{t: t, steps: steps}
	sh, err := newShell(cfg, &out, NewTheme(colour), func() int { return 100 }, lr, "")
	if err != nil {
		t.Fatal(err)
	}
	sh.start(context.Background(), nil)
	if err := sh.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sh.close)
	return out.String(), sh, lr
}

// TestShellShowsHostileRepliesEscaped: whatever a server sends, in the
// greeting, the EHLO lines, error replies (readable and :wire), the
// explanations under them, :explain and the AUTH prompts, the bytes that
// reach the terminal hold no control but our own colours, and the
// server's escapes are shown, visibly.
func TestShellShowsHostileRepliesEscaped(t *testing.T) {
	for _, colour := range []bool{true, false} {
		t.Run(fmt.Sprintf("colour=%v", colour), func(t *testing.T) {
			addr := hostileServer{greeting: "220-evil.test " + visibletest.EvilAll + "\r\n220 " + visibletest.EvilTitle + " ESMTP\r\n", answer: evilAnswers}.start(t)
			out, sh, lr := shellWithTheme(t, repl.Config{Addr: addr}, []readStep{
				{line: "EHLO me.example"},
				{line: "MAIL FROM:<a@b.test>"},
				{line: ":explain"},
				{line: "AUTH LOGIN"}, {line: "Ym9i"}, {line: "cHc=", secret: true},
				{line: ":explain 550 5.1.1 " + visibletest.EvilAll},
				{line: ":wire on"}, {line: "HELP"}, {line: "NOOP"}, {line: ":wire off"},
				{line: ":status"},
				{line: "QUIT"},
			}, colour)
			visibletest.AssertTerminalSafe(t, "the shell's output", out, colour)
			for _, p := range lr.prompts {
				visibletest.AssertTerminalSafe(t, "a prompt", p, colour)
			}
			for _, head := range []string{"AUTH ", "AUTH P", "MAIL FROM:<a@b.test> ", ":explain ", ":auth "} {
				word, cands := completions(sh.s, head)
				for _, c := range append(cands, word) {
					visibletest.AssertTerminalSafe(t, fmt.Sprintf("completion of %q", head), c, false)
				}
			}
			wantAll(t, out, `\x1b]52;c;cm0gLXJmIH4=\x07`, `\x1b[2J`, `\u202egnp.exe`, `\x9b2J\u009b2J`, `\x1b]8;;http://evil.test`,
				"User\\x1b]52")
			if !colour && !strings.Contains(out, "S: 220-evil.test \\x1b[2J") {
				t.Errorf("the greeting is not shown escaped:\n%s", out)
			}
		})
	}
}

// TestShellPromptFromChallengeIsEscaped: the decoded 334 challenge that
// becomes the input prompt is escaped and bounded.
func TestShellPromptFromChallengeIsEscaped(t *testing.T) {
	addr := hostileServer{greeting: "220 evil.test\r\n", answer: evilAnswers}.start(t)
	_, _, lr := shellWithTheme(t, repl.Config{Addr: addr}, []readStep{
		{line: "EHLO me.example"}, {line: "AUTH LOGIN"}, {line: "Ym9i"}, {line: "cHc=", secret: true},
	}, false)
	var asked []string
	for _, p := range lr.prompts {
		if strings.Contains(p, "name:") || strings.Contains(p, "word:") {
			asked = append(asked, p)
		}
	}
	want := []string{`User\x1b]52;c;cm0gLXJmIH4=\x07name: (base64) `, `Pass\x1b[2J\x1b[H\u202egnp.exe\u2066\u2069word: (base64, not echoed) `}
	if strings.Join(asked, "|") != strings.Join(want, "|") {
		t.Errorf("AUTH prompts = %q, want %q", asked, want)
	}
}

// TestShellBoundsAFloodOfExtensions: thousands of EHLO lines and a
// 60 KB line cost the terminal a bounded amount, and say what was left out.
func TestShellBoundsAFloodOfExtensions(t *testing.T) {
	var ehlo strings.Builder
	ehlo.WriteString("250-evil.test\r\n")
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&ehlo, "250-X%d %s\r\n", i, visibletest.EvilTitle)
	}
	ehlo.WriteString("250 SIZE " + strings.Repeat("9", 60000) + "\r\n")
	answer := func(line string) string {
		if strings.HasPrefix(line, "EHLO") {
			return ehlo.String()
		}
		return "250 " + strings.Repeat("\x1b[2J", 15000) + "\r\n"
	}
	addr := hostileServer{greeting: "220 evil.test\r\n", answer: answer}.start(t)
	out, _, _ := shellWithTheme(t, repl.Config{Addr: addr}, []readStep{{line: "EHLO me.example"}, {line: "NOOP"}}, false)
	visibletest.AssertTerminalSafe(t, "the shell's output", out, false)
	if lines := strings.Count(out, "\n"); lines > showReplyLines+200 {
		t.Errorf("%d lines on the terminal for a 5002-line EHLO reply, want it bounded", lines)
	}
	if len(out) > 256<<10 {
		t.Errorf("%d bytes on the terminal, want it bounded", len(out))
	}
	wantAll(t, out, "bytes in all", "more extension", "and 4002 more lines of this reply, not shown")
}

// TestShellShowsHostileCertificateEscaped: the TLS report (--insecure) and
// the refusal sentence (a trusted CA, the wrong names; an untrusted one)
// show subject, issuer and names escaped and bounded.
func TestShellShowsHostileCertificateEscaped(t *testing.T) {
	cert, pemFile := visibletest.HostileCert(t, 3000)
	tests := []struct {
		name string
		tls  proto.TLSOptions
		want []string
	}{
		{"accepted with --insecure: the report", proto.TLSOptions{Insecure: true}, []string{"NOT VERIFIED", `evil\x1b[2J`, `evil\x1b]52;c;cm0gLXJmIH4=\x07.test`, "and 2990 more"}},
		{"refused: not trusted", proto.TLSOptions{}, []string{"is not trusted", `evil\x1b[2J`}},
		{"refused: trusted, but issued for other names", proto.TLSOptions{CAFile: pemFile}, []string{"is not trusted", `evil\x1b]52;c;cm0gLXJmIH4=\x07.test`, "not this name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := hostileServer{greeting: "220 evil.test\r\n", answer: evilAnswers, cert: &cert}.start(t)
			out, _, _ := shellWithTheme(t, repl.Config{Addr: addr, TLS: tt.tls}, []readStep{{line: "EHLO me.example"}, {line: "STARTTLS"}}, true)
			visibletest.AssertTerminalSafe(t, "the shell's output", out, true)
			plain := visibletest.SGR.ReplaceAllString(out, "")
			wantAll(t, plain, tt.want...)
			if len(out) > 16<<10 {
				t.Errorf("%d bytes on the terminal for one certificate, want it bounded:\n%s", len(out), tail(out, 3000))
			}
		})
	}
}

func tail(s string, n int) string { return s[max(0, len(s)-n):] }

// TestTermViewEscapesEveryPath drives each way the view writes with
// hostile text, straight into a buffer.
func TestTermViewEscapesEveryPath(t *testing.T) {
	info := &proto.TLSInfo{Version: "TLS 1.3", Cipher: "x", ServerName: "mx" + visibletest.EvilTitle, Subject: "CN=" + visibletest.EvilAll,
		Issuer: "CN=" + visibletest.EvilClip, SANs: []string{visibletest.EvilLink, visibletest.EvilC1}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		VerifyErr: fmt.Errorf("x509: certificate is valid for %s, not %s", visibletest.EvilClip, visibletest.EvilBidi)}
	reply := &proto.Reply{Code: 550, Lines: []string{"5.1.1 " + visibletest.EvilAll}}
	challenge := &proto.Reply{Code: 334, Lines: []string{proto.B64(visibletest.EvilAll)}}
	badB64 := &proto.Reply{Code: 334, Lines: []string{visibletest.EvilAll}}
	caps := proto.ParseEHLO(&proto.Reply{Code: 250, Lines: []string{"evil", "AUTH " + visibletest.EvilClip, "SIZE " + visibletest.EvilCSI, "X" + visibletest.EvilBidi}})
	before := proto.ParseEHLO(&proto.Reply{Code: 250, Lines: []string{"evil", "AUTH PLAIN", visibletest.EvilTitle}})
	tests := []struct {
		name string
		do   func(v *termView)
	}{
		{"received line", func(v *termView) {
			v.Wire(proto.TapLine{Kind: proto.Received, Data: []byte("250 " + visibletest.EvilAll + "\r\n")})
		}},
		{"received line, no code", func(v *termView) {
			v.Wire(proto.TapLine{Kind: proto.Received, Data: []byte(visibletest.EvilAll + "\r\n")})
		}},
		{"received line, raw", func(v *termView) {
			v.SetRaw(true)
			v.Wire(proto.TapLine{Kind: proto.Received, Data: []byte("250 " + visibletest.EvilAll + "\r\n")})
		}},
		{"sent line", func(v *termView) {
			v.Wire(proto.TapLine{Kind: proto.Sent, Data: []byte("EHLO " + visibletest.EvilAll + "\r\n")})
		}},
		{"event", func(v *termView) {
			v.Wire(proto.TapLine{Kind: proto.Event, Data: []byte("connection closed: " + visibletest.EvilAll)})
		}},
		{"message text from a file", func(v *termView) { v.Body("Subject: " + visibletest.EvilAll) }},
		{"message text from a file, raw", func(v *termView) { v.SetRaw(true); v.Body("Subject: " + visibletest.EvilAll) }},
		{"reply explanation", func(v *termView) { v.Reply("MAIL", reply) }},
		{"greeting explanation", func(v *termView) { v.Reply("", reply) }},
		{"334 challenge advice", func(v *termView) { v.Reply("AUTH", challenge) }},
		{"334 challenge that is not base64", func(v *termView) { v.Reply("AUTH", badB64) }},
		{"capabilities and their diff", func(v *termView) { v.Capabilities(caps, before, true) }},
		{"TLS report", func(v *termView) { v.TLS(info) }},
		{"note", func(v *termView) { v.Note("n \x00" + visibletest.EvilAll) }},
		{"warn", func(v *termView) { v.Warn("w " + visibletest.EvilAll) }},
		{"fail", func(v *termView) { v.fail("f " + visibletest.EvilAll) }},
		{"output", func(v *termView) { v.Output("o " + visibletest.EvilAll + "\nsecond " + visibletest.EvilAll) }},
	}
	for _, tt := range tests {
		for _, colour := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/colour=%v", tt.name, colour), func(t *testing.T) {
				var b bytes.Buffer
				v := newTermView(&b, NewTheme(colour), nil)
				tt.do(v)
				if b.Len() == 0 {
					t.Fatal("nothing written")
				}
				visibletest.AssertTerminalSafe(t, "the view's output", b.String(), colour)
			})
		}
	}
}

// TestTermViewBoundsLongText: a line of a MiB costs the terminal a line.
func TestTermViewBoundsLongText(t *testing.T) {
	huge := strings.Repeat("\x1b[2J", 1<<18)
	for _, raw := range []bool{false, true} {
		var b bytes.Buffer
		v := newTermView(&b, NewTheme(false), nil)
		v.SetRaw(raw)
		v.Wire(proto.TapLine{Kind: proto.Received, Data: []byte("250 " + huge + "\r\n")})
		v.fail(huge)
		v.Note(huge)
		if b.Len() > 32<<10 {
			t.Errorf("raw=%v: %d bytes written for a 1 MiB line, want it bounded", raw, b.Len())
		}
		wantAll(t, b.String(), "bytes in all")
	}
}

// TestCtrlCDuringTheGreeting: Ctrl-C gives up waiting for a silent
// server's greeting, and says it was the greeting it waited for.
func TestCtrlCDuringTheGreeting(t *testing.T) {
	accepted := make(chan struct{}, 1)
	addr := hostileServer{accepted: accepted}.start(t)
	interrupts := make(chan os.Signal, 1)
	go func() {
		<-accepted
		time.Sleep(50 * time.Millisecond) // the shell is reading by now; if not, the timeout below says so
		interrupts <- os.Interrupt
	}()
	var out bytes.Buffer
	lr := &scriptedReader{t: t, steps: []readStep{{line: ":status"}}}
	sh, err := newShell(repl.Config{Addr: addr, Timeout: 30 * time.Second}, &out, NewTheme(false), func() int { return 200 }, lr, "")
	if err != nil {
		t.Fatal(err)
	}
	defer sh.close()
	done := make(chan struct{})
	go func() { sh.start(context.Background(), interrupts); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Ctrl-C did not end the wait for the greeting")
	}
	wantAll(t, out.String(), "Ctrl-C: stopped waiting for the server's greeting")
	if strings.Contains(out.String(), "reply to .") || strings.Contains(out.String(), "reply to  ") {
		t.Errorf("the message names no command:\n%s", out.String())
	}
}

// BenchmarkTermViewReceived is the shell's cost per wire line, escaping
// included: a plain reply line and one full of escapes.
func BenchmarkTermViewReceived(b *testing.B) {
	for name, line := range map[string]string{"plain": "250-mx.example.test Hello client.example [192.0.2.1]\r\n", "hostile": "250 " + visibletest.EvilAll + "\r\n"} {
		b.Run(name, func(b *testing.B) {
			v := newTermView(io.Discard, NewTheme(true), nil)
			tl := proto.TapLine{Kind: proto.Received, Data: []byte(line)}
			b.ReportAllocs()
			for b.Loop() {
				v.Wire(tl)
				v.endReply()
			}
		})
	}
}
