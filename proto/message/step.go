package message

import "strings"

// Step is one builder action as a lesson shows it. Every builder call
// returns or records one so that a lesson and the interactive :compose
// command can show the same thing: what was added and why.
type Step struct {
	Title       string // short summary, e.g. "Set Subject"
	Explanation string // why the builder wrote it this way, in words
	RFC         string // where the rule lives, e.g. "RFC 2047 §4"
	Wire        string // the CRLF-terminated bytes this step adds (bodies of files are left out)
}

// String renders the step for a terminal: title, explanation, then the wire
// bytes indented with line ends made visible.
func (s Step) String() string {
	var b strings.Builder
	b.WriteString(s.Title)
	if s.RFC != "" {
		b.WriteString(" (" + s.RFC + ")")
	}
	b.WriteString("\n  " + s.Explanation + "\n")
	for line := range strings.Lines(s.Wire) {
		b.WriteString("  | " + strings.TrimSuffix(line, "\r\n") + "\n")
	}
	return b.String()
}
