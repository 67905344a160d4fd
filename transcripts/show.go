package transcripts

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/smtprepl/smtprepl/proto/visible"
)

// Reports and error sentences show text from files and servers, which a
// stranger wrote: these bound how much of it they show.
const (
	maxShown      = 200 // bytes of one line
	maxShownLines = 20  // lines of one reply
)

// quoteClip is strconv.Quote (visibly safe: every control is escaped) for
// at most max bytes of s; a longer s is cut and says how long it was.
func quoteClip(s string, max int) string {
	if len(s) <= max {
		return strconv.Quote(s)
	}
	return strconv.Quote(s[:runeCut(s, max)]) + " … (" + strconv.Itoa(len(s)) + " bytes in all)"
}

// runeCut moves i back to the start of a rune, so that a cut does not
// split one.
func runeCut(s string, i int) int {
	for i > 0 && i < len(s) && !utf8.RuneStart(s[i]) {
		i--
	}
	return i
}

// shown is an entry's text as a report shows it: quoted when it is exact
// bytes, visibly escaped otherwise, and at most maxShown bytes of it.
func shown(e Entry) string {
	if e.Exact {
		return quoteClip(e.Text, maxShown)
	}
	return visible.Clip(e.Text, maxShown)
}

// shownLines is shown for the lines of a reply of total lines, at most
// maxShownLines of them, the last saying how many there were.
func shownLines(reply []Entry, total int) []string {
	n := min(len(reply), maxShownLines)
	if n < total {
		n = min(n, maxShownLines-1)
	}
	out := make([]string, 0, n+1)
	for _, e := range reply[:n] {
		out = append(out, shown(e))
	}
	if n < total {
		out = append(out, "… ("+strconv.Itoa(total)+" lines in all)")
	}
	return out
}

// contrast words how two texts differ: both whole when they are short,
// else where they first differ, with a little of each from there.
func contrast(want, got string) string {
	if len(want) <= maxShown && len(got) <= maxShown {
		return "want " + strconv.Quote(want) + ", got " + strconv.Quote(got)
	}
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	return "first differ at byte " + strconv.Itoa(i+1) + ": want " + window(want, i) + ", got " + window(got, i)
}

// window quotes a little of s around byte i and says how long s is.
func window(s string, i int) string {
	lo := runeCut(s, max(0, i-maxShown/4))
	hi := min(len(s), lo+maxShown/2)
	if hi < len(s) {
		hi = runeCut(s, hi)
	}
	text := strconv.Quote(s[lo:hi])
	if lo > 0 {
		text = "… " + text
	}
	if hi < len(s) {
		text += " …"
	}
	return text + " (" + strconv.Itoa(len(s)) + " bytes)"
}

// Shown is the entry as one line of transcript notation for a person to
// read: visibly escaped and at most about maxShown bytes of its text.
func (e Entry) Shown() string {
	switch e.Kind {
	case Client, Server:
		side := "C"
		if e.Kind == Server {
			side = "S"
		}
		if !e.Exact && plainText(e.Text) && len(e.Text) <= maxShown {
			return strings.TrimRight(side+": "+e.Text, " ")
		}
		return side + "= " + quoteClip(string(e.Bytes()), maxShown)
	case Event:
		return "=== " + visible.Clip(e.Text, maxShown)
	case Comment:
		return "# " + visible.Clip(e.Text, maxShown)
	case Elision:
		return "..."
	}
	return ""
}
