package repl

import (
	"testing"
	"time"

	"github.com/smtprepl/smtprepl/proto/sandbox"
	"github.com/smtprepl/smtprepl/repl/internal/repltest"
)

// TestMailboxShowsHostileMessagesEscaped: whoever delivered a message to
// the practice server chose its envelope, HELO, subject, MIME names and
// text; :mailbox shows them escaped.
func TestMailboxShowsHostileMessagesEscaped(t *testing.T) {
	data := "Subject: =?utf-8?q?hi=1B]52;c;AAAA=07?= " + repltest.EvilUTF8 + "\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" +
		"Content-Type: text/plain; name=\"a" + repltest.EvilBidi + ".txt\"\r\nContent-Disposition: attachment; filename=\"a" + repltest.EvilBidi + ".txt\"\r\n\r\n" +
		"body " + repltest.EvilAll + "\r\n--b--\r\n"
	m := sandbox.Message{ID: "M1", From: "a" + repltest.EvilClip + "@x.test", To: []string{"b" + repltest.EvilCSI + "@x.test"}, Helo: "h" + repltest.EvilTitle,
		AuthUser: "u" + repltest.EvilBidi, Data: []byte(data), Received: time.Now()}
	for what, out := range map[string]string{"list": mailboxList([]sandbox.Message{m}), "message": mailboxMessage(m)} {
		repltest.AssertTerminalSafe(t, ":mailbox "+what, out, false)
	}
}
