package term

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/smtprepl/smtprepl/proto/visible/visibletest"
)

// startTmuxPiped is startTmux with every byte the program writes to its
// terminal copied to a file (tmux pipe-pane), which is what a terminal
// acts on; the screen only shows what it made of them. The command waits
// for a key so that the pipe is in place before its first byte.
func startTmuxPiped(t *testing.T, command string) (*tmuxTerm, string) {
	t.Helper()
	tm := startTmux(t, "read _; "+command+"; echo SMTPREPL-EXITED; sleep 60")
	raw := filepath.Join(t.TempDir(), "pane.bytes")
	tm.run("pipe-pane", "-t", "t", "-o", "cat > "+raw)
	tm.keys("Enter")
	return tm, raw
}

// lineEditing is what readline itself writes to redraw the line being
// typed: cursor moves and erasing, CSI sequences without colour.
var lineEditing = regexp.MustCompile(`\x1b\[[0-9;]*[ABCDHJK]`)

// ttyBytes checks the bytes written to the terminal: once our colours
// (when allowed) and readline's line editing are taken out, no ESC, no
// BEL, no C1 control (raw or UTF-8) and no bidi control is left. The
// pty's own CR and readline's backspaces are line structure too, and
// readline masks a typed password with NUL, which terminals ignore.
func ttyBytes(t *testing.T, raw []byte, colour bool) {
	t.Helper()
	out := lineEditing.ReplaceAllString(string(raw), "")
	if !colour {
		if m := visibletest.SGR.FindString(out); m != "" {
			t.Errorf("with NO_COLOR the terminal got the colour sequence %q", m)
		}
	}
	out = visibletest.SGR.ReplaceAllString(out, "")
	out = strings.NewReplacer("\r", "", "\b", "", "\x00", "").Replace(out)
	if bad := visibletest.TerminalUnsafe(out, false); bad != "" {
		t.Errorf("the terminal got %s", bad)
	}
}

// TestTmuxHostileServerBytes runs the real binary in a real terminal
// against a server that puts escapes in its greeting, EHLO lines, AUTH
// mechanisms (offered by Tab), error replies, 334 challenges (the input
// prompt) and its certificate, and checks the exact bytes the terminal
// received, in colour and with NO_COLOR.
func TestTmuxHostileServerBytes(t *testing.T) {
	bin := buildBinary(t)
	cert, _ := visibletest.HostileCert(t, 50)
	for _, tc := range []struct {
		name, env, flag string
		colour          bool
	}{
		{"colour", "", "", true},
		{"NO_COLOR", "NO_COLOR=1", "", false},
		{"--no-color", "", "--no-color", false},
	} {
		colour := tc.colour
		t.Run(tc.name, func(t *testing.T) {
			addr := hostileServer{greeting: "220-evil.test " + visibletest.EvilAll + "\r\n220 " + visibletest.EvilTitle + " ESMTP\r\n", answer: evilAnswers, cert: &cert}.start(t)
			state := t.TempDir()
			env := "env -u NO_COLOR XDG_STATE_HOME=" + state + " HOME=" + state + " " + tc.env
			tm, raw := startTmuxPiped(t, env+" "+bin+" --insecure --timeout 5s "+tc.flag+" "+addr)
			prompt := " › "
			tm.waitCount(prompt, 1)
			tm.keys("EHLO me.example", "Enter")
			tm.waitCount(prompt, 2)
			// Tab lists the mechanisms from EHLO; the prompt line is reused.
			tm.keys("AUTH ", "Tab")
			tm.waitFor("the mechanisms offered by Tab", func(s string) bool { return strings.Contains(s, "\nPLAIN LOGIN") })
			tm.keys("C-u", "MAIL FROM:<a@b.test>", "Enter")
			tm.waitCount(prompt, 3)
			tm.keys("AUTH LOGIN", "Enter")
			tm.waitText("name: ")
			tm.keys("Ym9i", "Enter")
			tm.waitText("word: ")
			tm.keys("cHc=", "Enter")
			tm.waitText("S: 535")
			tm.waitCount(prompt, 4)
			tm.keys(":explain", "Enter")
			tm.waitCount(prompt, 5)
			tm.keys("STARTTLS", "Enter")
			tm.waitText("NOT VERIFIED")
			tm.keys(":quit", "Enter")
			screen := tm.waitText("SMTPREPL-EXITED")
			for _, want := range []string{`\x1b]52;c;cm0gLXJmIH4=\x07`, `User\x1b]52`, `subject   CN=evil\x1b[2J`} {
				if !strings.Contains(screen, want) {
					t.Errorf("the screen lacks %q:\n%s", want, screen)
				}
			}
			time.Sleep(100 * time.Millisecond) // pipe-pane's cat writes behind the screen
			b, err := os.ReadFile(raw)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), `5.1.1 \x1b]8;;http://evil.test`) {
				t.Fatalf("the bytes piped from the pane lack the session (%d bytes): the check below would prove nothing", len(b))
			}
			if colour && !visibletest.SGR.Match(b) {
				t.Errorf("no colour at all reached the terminal: the test would not tell ours from the server's")
			}
			ttyBytes(t, b, colour)
		})
	}
}

// TestTmuxCtrlCDuringTheGreeting: against a server that never greets,
// Ctrl-C gives up at once and names the greeting, instead of waiting out
// the timeout and naming no command.
func TestTmuxCtrlCDuringTheGreeting(t *testing.T) {
	bin := buildBinary(t)
	accepted := make(chan struct{}, 1)
	addr := hostileServer{accepted: accepted}.start(t)
	state := t.TempDir()
	tm := startTmux(t, "env XDG_STATE_HOME="+state+" HOME="+state+" "+bin+" --timeout 60s "+addr+"; echo SMTPREPL-EXITED; sleep 60")
	select {
	case <-accepted:
	case <-time.After(10 * time.Second):
		t.Fatal("smtprepl did not connect")
	}
	tm.waitText("=== connected to")
	tm.keys("C-c")
	screen := tm.waitText("stopped waiting for the server's greeting")
	if strings.Contains(screen, "reply to .") {
		t.Errorf("the message names no command:\n%s", screen)
	}
	tm.waitFor("the prompt", func(s string) bool { return strings.HasSuffix(lastLine(s), "›") })
	tm.keys(":quit", "Enter")
	tm.waitText("SMTPREPL-EXITED")
}
