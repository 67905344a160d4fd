package repl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/smtprepl/smtprepl/proto/message"
	"github.com/smtprepl/smtprepl/proto/sandbox"
	"github.com/smtprepl/smtprepl/proto/visible"
)

// showBytes caps how much of a message :mailbox ID prints; the MIME tree
// still describes all of it.
const showBytes = 8 << 10

// showLine bounds one line of a message as :mailbox shows it (RFC 5322
// allows 998 octets).
const showLine = 2000

// runMailbox lists what the practice server received, or shows one
// message: envelope, the exact bytes, and its MIME tree.
func runMailbox(_ context.Context, s *Session, args string) error {
	if s.cfg.Sandbox == nil {
		return errors.New(":mailbox reads the practice server smtprepl started; this session was started against another server")
	}
	mb := s.cfg.Sandbox.Mailbox()
	if args == "" {
		s.view.output(mailboxList(mb.List()))
		return nil
	}
	m, ok := findMessage(mb.List(), args)
	if !ok {
		return fmt.Errorf("no message %q in the mailbox (:mailbox lists them)", args)
	}
	s.view.output(mailboxMessage(m))
	return nil
}

// findMessage matches ids case-insensitively: they are typed by hand.
func findMessage(msgs []sandbox.Message, id string) (sandbox.Message, bool) {
	for _, m := range msgs {
		if strings.EqualFold(m.ID, id) {
			return m, true
		}
	}
	return sandbox.Message{}, false
}

func mailboxList(msgs []sandbox.Message) string {
	if len(msgs) == 0 {
		return "the mailbox is empty: MAIL FROM, RCPT TO and DATA deliver one"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d message(s); :mailbox ID shows one\n", len(msgs))
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  ID\tFROM\tTO\tBYTES\tSUBJECT")
	for _, m := range msgs {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\t%s\n", m.ID, visible.Clip(orNull(m.From), 100), visible.Clip(strings.Join(m.To, ", "), 200), len(m.Data), subjectOf(m.Data))
	}
	tw.Flush()
	return strings.TrimRight(b.String(), "\n")
}

func orNull(from string) string {
	if from == "" {
		return "<>"
	}
	return from
}

// subjectOf reads the Subject through proto/message, decoded for display.
func subjectOf(data []byte) string {
	e, err := message.Parse(bytes.NewReader(data))
	if err != nil {
		return ""
	}
	for _, f := range e.Header {
		if strings.EqualFold(f.Name, "Subject") {
			return visible.Clip(f.Decoded(), 200)
		}
	}
	return ""
}

func mailboxMessage(m sandbox.Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, "message %s, received %s\n", m.ID, m.Received.Format("2006-01-02 15:04:05 MST"))
	// Whoever connected to the practice server chose all of these.
	fmt.Fprintf(&b, "  envelope  MAIL FROM:<%s>  RCPT TO: %s\n", visible.Clip(m.From, 200), visible.Clip(strings.Join(m.To, ", "), 1000))
	fmt.Fprintf(&b, "  session   HELO %s, TLS %v, login \"%s\", %d bytes", visible.Clip(m.Helo, 200), m.TLS, visible.Clip(m.AuthUser, 100), len(m.Data))
	if m.BareLF > 0 {
		fmt.Fprintf(&b, ", %d bare LF (no CR before it: how SMTP smuggling starts)", m.BareLF)
	}
	b.WriteString("\n-- as stored (dots already removed) --\n")
	b.WriteString(sanitizeBody(m.Data))
	if e, err := message.Parse(bytes.NewReader(m.Data)); err == nil {
		b.WriteString("-- MIME structure --\n" + e.String())
	}
	return strings.TrimRight(b.String(), "\n")
}

func sanitizeBody(data []byte) string {
	text := string(data)
	cut := ""
	if len(text) > showBytes {
		text, cut = text[:showBytes], fmt.Sprintf("… (%d more bytes)\n", len(data)-showBytes)
	}
	var b strings.Builder
	for _, line := range strings.SplitAfter(text, "\n") {
		if line != "" {
			b.WriteString("  " + visible.Clip(strings.TrimRight(line, "\r\n"), showLine) + "\n")
		}
	}
	return b.String() + cut
}

func completeMailbox(s *Session, arg string) []string {
	if s.cfg.Sandbox == nil {
		return nil
	}
	var ids []string
	for _, m := range s.cfg.Sandbox.Mailbox().List() {
		ids = append(ids, m.ID)
	}
	return matchWords(arg, ids)
}
