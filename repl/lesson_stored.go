package repl

import (
	"fmt"
	"strings"

	"github.com/smtprepl/smtprepl/proto/sandbox"
	"github.com/smtprepl/smtprepl/proto/visible"
)

// What the end of a lesson shows of the mailbox is bounded: the newest
// messages, their first lines, each line cut. A lesson sends a few small
// messages; a student's own typing could send megabytes.
const (
	storedMessages  = 3
	storedLines     = 60
	storedLineBytes = 200
)

// Stored is what the practice server stored during the lesson, as the
// lesson's end shows it: each message as a mailbox holds it, led by the
// server's own Received: header, escaped and bounded. A lesson server
// serves one lesson, so its whole mailbox is the lesson's.
func (ls *LessonServer) Stored() string {
	msgs := ls.Server.Mailbox().List()
	if n := ls.Server.Mailbox().Removed(); len(msgs) == 0 && n > 0 {
		return fmt.Sprintf("The practice server holds no message now: the %d message(s) it stored were deleted over POP3 by every mailbox they were for.", n)
	}
	if len(msgs) == 0 {
		return "The practice server stored no message in this lesson."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "What the practice server stored: %d message(s), each as a mailbox keeps it.\n"+
		"(smtprepl sandbox --maildir DIR writes them as files that a mail client opens.)", len(msgs))
	first := max(0, len(msgs)-storedMessages)
	if first > 0 {
		fmt.Fprintf(&b, "\nThe %d newest are shown.", storedMessages)
	}
	for i, m := range msgs[first:] {
		b.WriteString("\n" + storedMessage(ls.Server, m, first+i+1, len(msgs)))
	}
	return b.String()
}

func storedMessage(srv *sandbox.Server, m sandbox.Message, n, of int) string {
	copies := srv.Stored(m)
	if len(copies) == 0 {
		return fmt.Sprintf("── message %d of %d, queued as %s: no mailbox kept it ──", n, of, m.ID)
	}
	where := copies[0].Mailbox + "'s mailbox"
	if copies[0].Mailbox == "relayed" {
		where = "the relayed mail (another domain's)"
	}
	if len(copies) > 1 {
		others := make([]string, 0, len(copies)-1)
		for _, c := range copies[1:] {
			others = append(others, c.Mailbox)
		}
		where += " (copies, each with its own Received:, in " + strings.Join(others, ", ") + ")"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "── message %d of %d, queued as %s, in %s ──\n", n, of, m.ID, where)
	b.WriteString(storedLinesText(copies[0].Data))
	return strings.TrimRight(b.String(), "\n")
}

// storedLinesText shows data line by line, indented: each line escaped
// (a tab as four spaces, so that folded headers read as folded) and cut,
// and no more than storedLines of them.
func storedLinesText(data []byte) string {
	lines := strings.SplitAfter(string(data), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	var b strings.Builder
	for i, line := range lines {
		if i == storedLines {
			fmt.Fprintf(&b, "  … (%d more lines; :mailbox ID shows more)\n", len(lines)-storedLines)
			break
		}
		line = strings.ReplaceAll(strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"), "\t", "    ")
		b.WriteString(strings.TrimRight("  "+visible.Clip(line, storedLineBytes), " ") + "\n")
	}
	return b.String()
}
