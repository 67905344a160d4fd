package export

import (
	"fmt"
	"io"
	"strings"

	"github.com/smtprepl/smtprepl/transcripts"
)

// maxDiagramArrows bounds a diagram: past this many messages a sequence
// diagram is unreadable, and Mermaid slows to a crawl.
const maxDiagramArrows = 400

// mermaidText escapes a line for a Mermaid message: its entity codes for
// the characters its grammar reads (";" ends a statement, "#" starts an
// entity), and no control characters.
func mermaidText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '#':
			b.WriteString("#35;")
		case r == ';':
			b.WriteString("#59;")
		case r == '<':
			b.WriteString("#lt;")
		case r == '>':
			b.WriteString("#gt;")
		case r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0):
			fmt.Fprintf(&b, "#%d;", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// writeMermaid draws the session: each command and reply an arrow, the
// message text one arrow, the part under TLS in a shaded box. Secrets
// are the transcript's redaction markers.
func writeMermaid(w io.Writer, s *Session, t *transcripts.Transcript, source string) error {
	var b strings.Builder
	server := "Server"
	if s.Server != "" {
		server = "Server " + s.Server
	}
	fmt.Fprintf(&b, "%%%% The session recorded in %s\nsequenceDiagram\n    participant C as Client\n    participant S as %s\n", comment(source), mermaidText(server))
	arrows, inTLS := 0, false
	for _, x := range t.Exchanges() {
		for _, e := range x.Events {
			if !inTLS && (strings.HasPrefix(e.Text, "TLS established") || strings.HasPrefix(e.Text, "TLS started")) {
				inTLS = true
				fmt.Fprintf(&b, "    rect rgb(225, 245, 225)\n    Note over C,S: %s\n", mermaidText(e.Text))
			}
		}
		if len(x.Body) > 0 {
			fmt.Fprintf(&b, "    C->>S: (message text, %d lines)\n", len(x.Body))
			arrows++
		}
		for _, c := range x.Commands {
			if arrows >= maxDiagramArrows {
				break
			}
			fmt.Fprintf(&b, "    C->>S: %s\n", mermaidText(strings.TrimRight(c.Text, "\r\n")))
			arrows++
		}
		for _, r := range x.Replies {
			if arrows >= maxDiagramArrows {
				break
			}
			var lines []string
			for _, l := range r {
				lines = append(lines, mermaidText(strings.TrimRight(l.Text, "\r\n")))
			}
			fmt.Fprintf(&b, "    S-->>C: %s\n", strings.Join(lines, "<br/>"))
			arrows++
		}
	}
	if arrows >= maxDiagramArrows {
		fmt.Fprintf(&b, "    Note over C,S: … cut at %d arrows\n", maxDiagramArrows)
	}
	if inTLS {
		b.WriteString("    end\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeEML writes the first message the session sent, CRLF line endings.
func writeEML(w io.Writer, s *Session, _ *transcripts.Transcript, _ string) error {
	if len(s.Messages) == 0 {
		return errNoMessage
	}
	var b strings.Builder
	for _, l := range s.Messages[0].Text {
		b.WriteString(l + "\r\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
