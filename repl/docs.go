package repl

import (
	"fmt"
	"io"
	"strings"
)

// README markers around the generated command reference.
const (
	DocsStart = "<!-- commands:start -->"
	DocsEnd   = "<!-- commands:end -->"
)

// WriteMarkdown writes the REPL's command reference from the same tables
// that drive dispatch, :help and completion, so the README cannot drift:
// a test compares it with the README's section between the markers.
func WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("Lines starting with `:` are for smtprepl; everything else goes to the server as typed, unknown verbs included (the server's answer is the lesson).\n\n")
	b.WriteString("| command | what it does |\n|---|---|\n")
	for _, c := range newCommandTable().list {
		fmt.Fprintf(&b, "| `%s` | %s |\n", mdCell(":"+strings.TrimSpace(c.name+" "+c.args)), mdCell(c.summary))
	}
	b.WriteString("\n`:help VERB` knows these SMTP commands; Tab offers the ones legal at that point of the session:\n\n")
	b.WriteString("| verb | syntax | defined in | what it does |\n|---|---|---|---|\n")
	for _, v := range verbs() {
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", v.name, mdCell(v.syntax), v.rfc, mdCell(v.summary))
	}
	b.WriteString("\n" + keysText)
	_, err := io.WriteString(w, b.String())
	return err
}

// keysText is the part of the reference that no table holds.
const keysText = `Keys: Tab completes verbs, their syntax (` + "`MA`" + ` → ` + "`MAIL FROM:<`" + `), the ESMTP parameters and AUTH mechanisms the server advertised, and colon-commands; Ctrl-R searches history; Ctrl-C abandons a slow reply or a slow greeting (the connection stays open, perhaps out of step), a connection attempt, a half-typed line, or the skipping after a refused DATA; Ctrl-D or ` + "`:quit`" + ` leaves.

Lines that belong to a refused command are not sent, as in a script: after a DATA not answered 354 the prompt says ` + "`refused DATA: text is not sent`" + ` and the lines up to a lone ` + "`.`" + ` are skipped, the first ten shown; after an AUTH exchange ends, a line that is no command is skipped as a leftover answer, shown only as ` + "`<redacted: AUTH answer>`" + `.

History is kept in ` + "`$XDG_STATE_HOME/smtprepl/history`" + ` (else ` + "`~/.local/state/smtprepl/history`" + `), mode 0600, and never holds a secret: not AUTH answers or initial responses (nor any lone word that is no command, which an answer could be), not the arguments of ` + "`:auth`" + `, ` + "`:b64`" + `, ` + "`:unb64`" + ` or ` + "`:plain`" + `, and not message text.
`

// mdCell escapes what would break a Markdown table cell.
func mdCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
