package transcripts

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// FormatDifferences writes the differing steps to w, each as its command,
// the reasons, and the two replies side by side:
//
//	step 4   RCPT TO:<Green@foo.com>
//	         reply code: want 550, got 250
//	         want                  | got
//	         550 No such user here | 250 OK
func FormatDifferences(w io.Writer, diffs []Difference) error {
	var b strings.Builder
	for _, d := range diffs {
		fmt.Fprintf(&b, "step %-3d %s\n", d.Step, d.Command)
		for why := range strings.SplitSeq(d.Why, "; ") {
			fmt.Fprintf(&b, "         %s\n", why)
		}
		sideBySide(&b, d.Want, d.Got)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("transcripts: %w", err)
	}
	return nil
}

// sideBySide writes want and got in two columns under their headings.
func sideBySide(b *strings.Builder, want, got []string) {
	left := append([]string{"want"}, orNone(want)...)
	right := append([]string{"got"}, orNone(got)...)
	width := 0
	for _, s := range left {
		width = max(width, utf8.RuneCountInString(s))
	}
	for i := range max(len(left), len(right)) {
		l, r := at(left, i), at(right, i)
		pad := strings.Repeat(" ", width-utf8.RuneCountInString(l))
		b.WriteString(strings.TrimRight("         "+l+pad+" | "+r, " ") + "\n")
	}
}

func orNone(lines []string) []string {
	if len(lines) == 0 {
		return []string{"(none)"}
	}
	return lines
}

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return ""
}
