package repl

import (
	"testing"
	"time"

	"github.com/smtprepl/smtprepl/proto/sandbox"
	"github.com/smtprepl/smtprepl/proto/visible/visibletest"
)

// TestMailboxShowsHostileMessagesEscaped: whoever delivered a message to
// the practice server chose its envelope, HELO, subject, MIME names and
// text; :mailbox shows them escaped.
func TestMailboxShowsHostileMessagesEscaped(t *testing.T) {
	data := "Subject: =?utf-8?q?hi=1B]52;c;AAAA=07?= " + visibletest.EvilUTF8 + "\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" +
		"Content-Type: text/plain; name=\"a" + visibletest.EvilBidi + ".txt\"\r\nContent-Disposition: attachment; filename=\"a" + visibletest.EvilBidi + ".txt\"\r\n\r\n" +
		"body " + visibletest.EvilAll + "\r\n--b--\r\n"
	m := sandbox.Message{ID: "M1", From: "a" + visibletest.EvilClip + "@x.test", To: []string{"b" + visibletest.EvilCSI + "@x.test"}, Helo: "h" + visibletest.EvilTitle,
		AuthUser: "u" + visibletest.EvilBidi, Data: []byte(data), Received: time.Now()}
	for what, out := range map[string]string{"list": mailboxList([]sandbox.Message{m}), "message": mailboxMessage(m)} {
		visibletest.AssertTerminalSafe(t, ":mailbox "+what, out, false)
	}
}
