package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/smtprepl/smtprepl/repl/term"
	"github.com/smtprepl/smtprepl/transcripts"
)

const diffUsage = `usage: smtprepl diff A B [--exact] [--keep NAME] [--ignore NAME=REGEXP] [--list-rules]
Compare two transcripts step by step with replay's rules: exit 0 when they
match, 1 when some step differs, 64 when a file cannot be read or parsed.`

// listFlag is a flag that may be given several times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ", ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// ruleFlags are the comparison flags shared by replay and diff.
type ruleFlags struct {
	exact, list  bool
	keep, ignore listFlag
}

func (r *ruleFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&r.exact, "exact", false, "compare the text of replies too (volatile parts masked)")
	fs.BoolVar(&r.list, "list-rules", false, "print what is compared and the volatile-part rules, then exit")
	fs.Var(&r.keep, "keep", "compare the volatile part NAME after all (repeatable; \"all\" for every one)")
	fs.Var(&r.ignore, "ignore", "also mask what REGEXP matches in every reply line, as <NAME> (NAME=REGEXP, repeatable)")
}

// rules builds the comparison rules; a bad --keep or --ignore is a usage error.
func (r *ruleFlags) rules() (transcripts.Rules, error) {
	rules := transcripts.DefaultRules()
	rules.Exact = r.exact
	for _, name := range r.keep {
		if err := rules.Keep(name); err != nil {
			return rules, usagef("--keep: %s", strings.TrimPrefix(err.Error(), "transcripts: "))
		}
	}
	for _, spec := range r.ignore {
		v, err := transcripts.ParseRule(spec)
		if err != nil {
			return rules, usagef("--ignore: %s", strings.TrimPrefix(err.Error(), "transcripts: "))
		}
		rules.Volatile = append(rules.Volatile, v)
	}
	return rules, nil
}

func runDiff(_ context.Context, e *env, args []string) (int, error) {
	var rf ruleFlags
	fs := newFlagSet("diff", e, diffUsage)
	rf.register(fs)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return exitUsage, err
	}
	rules, err := rf.rules()
	if err != nil {
		return exitUsage, err
	}
	if rf.list {
		return exitOK, transcripts.FormatRules(e.stdout, rules)
	}
	if len(pos) != 2 {
		return exitUsage, usagef("diff needs two transcripts, got %d argument(s)", len(pos))
	}
	var ts [2]*transcripts.Transcript
	for i, path := range pos {
		if ts[i], err = readTranscript(path); err != nil {
			return exitUsage, err
		}
	}
	diffs := transcripts.Compare(ts[0], ts[1], rules)
	return printDifferences(e.stdout, "diff", diffs, max(ts[0].Steps(), ts[1].Steps()), rules, e.colour(false))
}

// readTranscript reads a transcript or swaks log named on the command line.
func readTranscript(path string) (*transcripts.Transcript, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the transcript: %w", err)
	}
	defer f.Close()
	t, err := transcripts.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", path, strings.TrimPrefix(err.Error(), "transcripts: "))
	}
	return t, nil
}

// colour reports whether output may be coloured: stdout is a terminal and
// neither --no-color nor NO_COLOR says otherwise.
func (e *env) colour(noColor bool) bool {
	return e.stdoutTTY && !noColor && e.getenv("NO_COLOR") == ""
}

// printDifferences writes the differing steps side by side and a summary
// line, and picks the exit code: 0 all matched, 1 some differ.
func printDifferences(w io.Writer, what string, diffs []transcripts.Difference, steps int, rules transcripts.Rules, colour bool) (int, error) {
	if err := transcripts.FormatDifferences(w, diffs); err != nil {
		return exitFailure, err
	}
	compared := "code, enhanced code and line count"
	if rules.Exact {
		compared = "exact text, volatile parts masked"
	}
	// The shell's colours, enabled by our own decision, not fatih/color's
	// guess about os.Stdout.
	th := term.NewTheme(colour)
	good, bad := th.Good, th.Err
	if len(diffs) == 0 {
		good.Fprintf(w, "%s: all %d steps match (%s)\n", what, steps, compared)
		return exitOK, nil
	}
	bad.Fprintf(w, "%s: %d of %d steps differ (%s)\n", what, len(diffs), steps, compared)
	return exitReplies, nil
}
