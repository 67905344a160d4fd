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

// maxSummaryRows bounds the one-screen table FormatSummary ends with.
const maxSummaryRows = 20

// FormatSummary writes a Summary: the notes that hold throughout, each
// divergence in full (side by side), what follows from it as one line
// per step under it, then a table of the divergences that fits a screen.
func FormatSummary(w io.Writer, sum Summary) error {
	var b strings.Builder
	for _, n := range sum.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	for i, d := range sum.Differences {
		if d.Consequence != 0 {
			continue
		}
		fmt.Fprintf(&b, "step %-3d %s\n", d.Step, d.Command)
		for _, r := range d.Reasons {
			fmt.Fprintf(&b, "         %s\n", r.Text)
		}
		if len(d.Reasons) == 0 && d.Why != "" && d.Repeats == 0 {
			fmt.Fprintf(&b, "         %s\n", d.Why)
		}
		if d.Repeats != 0 {
			// The replies were shown at that step; what is new is above.
			fmt.Fprintf(&b, "         the same capability differences as step %d\n", d.Repeats)
		} else {
			sideBySide(&b, d.Want, d.Got)
		}
		first := true
		for _, c := range sum.Differences[i+1:] {
			if c.Consequence != d.Step {
				continue
			}
			if first {
				b.WriteString("         what follows from it:\n")
				first = false
			}
			fmt.Fprintf(&b, "           step %-3d %s: %s\n", c.Step, c.Command, c.Why)
		}
	}
	if sum.Causes > 1 {
		b.WriteString("\n")
		summaryTable(&b, sum)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("transcripts: %w", err)
	}
	return nil
}

// summaryTable is one row per divergence: the step, the command, and
// the first reply line on each side, clipped to fit 100 columns.
func summaryTable(b *strings.Builder, sum Summary) {
	rows := [][4]string{{"step", "command", "want", "got"}}
	n := 0
	for _, d := range sum.Differences {
		if d.Consequence != 0 {
			continue
		}
		n++
		if n > maxSummaryRows {
			continue
		}
		want, got := firstOr(d.Want), firstOr(d.Got)
		if cw, cg, ok := capabilityCells(d); ok {
			want, got = cw, cg
		}
		if d.Repeats != 0 {
			want, got = fmt.Sprintf("capabilities as step %d", d.Repeats), ""
			for _, r := range d.Reasons {
				want += "; " + r.Text
			}
		}
		rows = append(rows, [4]string{fmt.Sprint(d.Step), clipCell(d.Command, 28), clipCell(want, 34), clipCell(got, 34)})
	}
	var width [4]int
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	for _, r := range rows {
		line := ""
		for i, c := range r {
			line += c + strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i < 3 {
				line += " | "
			}
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	if n > maxSummaryRows {
		fmt.Fprintf(b, "… and %d more divergences\n", n-maxSummaryRows)
	}
}

func firstOr(lines []string) string {
	if len(lines) == 0 {
		return "(none)"
	}
	if len(lines) > 1 {
		return lines[0] + fmt.Sprintf(" (+%d lines)", len(lines)-1)
	}
	return lines[0]
}

// clipCell cuts an already escaped text to n runes.
func clipCell(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// capabilityCells puts an EHLO difference in the table as what each side
// has that the other lacks, rather than as two greetings.
func capabilityCells(d Difference) (want, got string, ok bool) {
	var w, g []string
	for _, r := range d.Reasons {
		if r.Aspect != "ehlo" {
			continue
		}
		ok = true
		switch {
		case strings.HasPrefix(r.Text, "capability only in want: "):
			w = append(w, strings.TrimPrefix(r.Text, "capability only in want: "))
		case strings.HasPrefix(r.Text, "capability only in got: "):
			g = append(g, strings.TrimPrefix(r.Text, "capability only in got: "))
		case strings.HasPrefix(r.Text, "capability changed: "):
			for _, c := range strings.Split(strings.TrimPrefix(r.Text, "capability changed: "), ", ") {
				kw, rest, _ := strings.Cut(c, " ")
				a, b, _ := strings.Cut(rest, " -> ")
				w, g = append(w, kw+" "+a), append(g, kw+" "+b)
			}
		}
	}
	return strings.Join(w, ", "), strings.Join(g, ", "), ok
}
