// Package wrap lays out smtprepl's own sentences for a terminal: words
// broken at spaces into lines of a given width, under a lead and an
// indent. Both the session core (:help) and the terminal use it.
package wrap

import "strings"

// nbsp glues "RFC 2920" and "§4.2" to their number while wrapping, so a
// reference is never split across lines.
const nbsp = "\u00a0"

var glue = strings.NewReplacer("RFC ", "RFC"+nbsp, " §", nbsp+"§")

// Text breaks text into lines of at most width columns at spaces: the
// first line starts with lead, the others with indent.
func Text(text string, width int, lead, indent string) string {
	// One column short of the edge: a line that fills it exactly makes
	// some terminals wrap an empty line.
	width = max(width-1, 40)
	var b strings.Builder
	b.WriteString(lead)
	col, first := len([]rune(lead)), true
	for _, word := range strings.Split(glue.Replace(text), " ") {
		if word == "" {
			continue
		}
		n := len([]rune(word))
		if !first && col+1+n > width {
			b.WriteString("\n" + indent)
			col = len([]rune(indent))
		} else if !first {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(strings.ReplaceAll(word, nbsp, " "))
		col, first = col+n, false
	}
	return b.String()
}
