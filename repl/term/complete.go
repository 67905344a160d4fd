package term

import (
	"github.com/chzyer/readline"
	"github.com/smtprepl/smtprepl/proto/visible"
	"github.com/smtprepl/smtprepl/repl"
)

// completer offers what is legal now: verbs for the protocol state, their
// syntax, the ESMTP parameters and AUTH mechanisms this server advertised,
// and colon-commands with their arguments.
type completer struct{ s *repl.Session }

var _ readline.AutoCompleter = completer{}

// Do implements readline.AutoCompleter: it returns what to append at the
// cursor for each candidate, and how many runes before it they share.
func (c completer) Do(line []rune, pos int) ([][]rune, int) {
	word, cands := completions(c.s, string(line[:pos]))
	n := len([]rune(word))
	out := make([][]rune, 0, len(cands))
	for _, cand := range cands {
		out = append(out, []rune(cand)[n:])
	}
	return out, n
}

// completions are the session's, less those the terminal cannot show.
func completions(s *repl.Session, head string) (word string, cands []string) {
	word, cands = s.Completions(head)
	return word, showable(cands)
}

// showCandidates bounds what one Tab may print.
const showCandidates = 200

// showable keeps the candidates that can be shown as they are: many come
// from the server's EHLO reply or from file names, and readline prints
// them raw and inserts them into the line. One that would need escaping
// is not worth typing, so it is left out rather than shown escaped.
func showable(cands []string) []string {
	out := cands[:0:0]
	for _, c := range cands {
		if len(out) < showCandidates && len(c) <= 200 && visible.Safe(c) {
			out = append(out, c)
		}
	}
	return out
}
