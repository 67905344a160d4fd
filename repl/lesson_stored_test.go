package repl

import (
	"fmt"
	"maps"
	"net/smtp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smtprepl/smtprepl/lessons"
	"github.com/smtprepl/smtprepl/proto/sandbox"
	"github.com/smtprepl/smtprepl/proto/visible"
)

// TestLessonStoredBounded: the end of a lesson shows the newest three
// messages, 60 lines of each, every line escaped and cut, whatever a
// student sent.
func TestLessonStoredBounded(t *testing.T) {
	base := sandbox.DefaultConfig()
	base.Clock = func() time.Time { return time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC) }
	ls, err := StartLessonServer(base, lessons.SandboxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	if got := ls.Stored(); got != "The practice server stored no message in this lesson." {
		t.Errorf("empty mailbox: %q", got)
	}
	hostile := "Subject: \x1b]52;c;cm0=\x07 \u202eevil\r\n\r\n" + strings.Repeat("x", 5000) + "\r\n" + strings.Repeat("line\r\n", 100)
	for i := range 4 {
		body := fmt.Sprintf("Subject: message %d\r\n\r\nhello\r\n", i+1)
		if i == 3 {
			body = hostile
		}
		sendPlain(t, ls.Server.Addr().String(), body, "bob@example.test", "carol@example.test")
	}
	got := ls.Stored()
	for _, want := range []string{
		"What the practice server stored: 4 message(s)",
		"The 3 newest are shown.",
		"── message 2 of 4, queued as ",
		", in bob's mailbox (copies, each with its own Received:, in carol) ──",
		"  Received: from localhost (unknown [127.0.0.1])\n      by sandbox.smtprepl.test (smtprepl sandbox) with ",
		`  Subject: \x1b]52;c;cm0=\x07 \u202eevil`,
		" … (5000 bytes in all)",
		"  … (46 more lines; :mailbox ID shows more)", // 3 Received:, Subject, blank, x, 100 more
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the stored view lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "message 1 of 4") {
		t.Errorf("the oldest message is shown:\n%s", got)
	}
	for _, line := range strings.Split(got, "\n") {
		if !visible.TextSafe(line) || len(line) > 400 {
			t.Errorf("line %q is not escaped and bounded", line)
		}
	}
}

// sendPlain sends one message without STARTTLS, which smtp.SendMail
// would insist on.
func sendPlain(t *testing.T, addr, body string, to ...string) {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("alice@example.test"); err != nil {
		t.Fatal(err)
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt); err != nil {
			t.Fatal(err)
		}
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(body)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
}

// TestLessonTargetVariables: both kinds of target fill in every variable
// lesson check accepts, and no other.
func TestLessonTargetVariables(t *testing.T) {
	ls, err := StartLessonServer(sandbox.DefaultConfig(), lessons.SandboxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	want := slices.Sorted(slices.Values(lessons.Variables()))
	for name, vars := range map[string]map[string]string{"sandbox": ls.Target().Vars, "server": ServerTarget(Config{Addr: "mx.lab:25"}).Vars} {
		if got := slices.Sorted(maps.Keys(vars)); !slices.Equal(got, want) {
			t.Errorf("%s target's variables %q, want %q", name, got, want)
		}
	}
}
