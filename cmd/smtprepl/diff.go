package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/smtprepl/smtprepl/proto/visible"
	"github.com/smtprepl/smtprepl/repl/term"
	"github.com/smtprepl/smtprepl/transcripts"
)

const diffUsage = `usage: smtprepl diff A B [--exact] [--keep NAME] [--ignore ASPECT|NAME=REGEXP] [--list-rules]
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
	fs.Var(&r.ignore, "ignore", "leave an aspect out: enhanced, text, lines, ehlo, ehlo-order or tls; or NAME=REGEXP to mask what REGEXP matches in every reply line, as <NAME> (repeatable)")
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
		if !strings.Contains(spec, "=") {
			if err := rules.IgnoreAspect(spec); err != nil {
				return rules, usagef("--ignore: %s", strings.TrimPrefix(err.Error(), "transcripts: "))
			}
			continue
		}
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
	return diffFiles(e, pos[0], pos[1], rules)
}

// diffFiles compares two files as streams: neither is read whole.
func diffFiles(e *env, a, b string, rules transcripts.Rules) (int, error) {
	var srcs [2]*fileSource
	for i, path := range []string{a, b} {
		src, err := openTranscript(path)
		if err != nil {
			return exitUsage, err
		}
		defer src.Close()
		srcs[i] = src
	}
	var r diffReport
	st, err := transcripts.CompareStream(srcs[0], srcs[1], rules, r.add)
	if err != nil {
		return exitUsage, err
	}
	return printDifferences(e.stdout, "diff", r, st, rules, e.colour(false))
}

// maxReported bounds the differing steps a report shows in full; a
// transcript of a million steps that all differ would otherwise print and
// keep them all. The rest are counted.
const maxReported = 1000

// diffReport collects the differences to print.
type diffReport struct {
	diffs []transcripts.Difference
	more  int // differences past maxReported
}

func (r *diffReport) add(d transcripts.Difference) error {
	if len(r.diffs) < maxReported {
		r.diffs = append(r.diffs, d)
	} else {
		r.more++
	}
	return nil
}

// fileSource reads a transcript or swaks log named on the command line as
// a stream, naming the file in its errors.
type fileSource struct {
	f    *os.File
	r    *transcripts.Reader
	name string
}

func openTranscript(path string) (*fileSource, error) {
	return openTranscriptAs(path, path)
}

// openTranscriptAs opens path and names it shown in errors: a copy made
// by rereadable is named as the file it copies.
func openTranscriptAs(path, shown string) (*fileSource, error) {
	name := visible.Clip(shown, 200)
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // its path would be shown unescaped
		}
		return nil, fmt.Errorf("cannot read the transcript %s: %w", name, err)
	}
	return &fileSource{f: f, r: transcripts.NewReader(f), name: name}, nil
}

func (s *fileSource) Next() (transcripts.Entry, error) {
	e, err := s.r.Next()
	if err != nil && !errors.Is(err, io.EOF) {
		return e, fmt.Errorf("%s: %s", s.name, strings.TrimPrefix(err.Error(), "transcripts: "))
	}
	return e, err
}

func (s *fileSource) Close() error { return s.f.Close() }

// maxCopied bounds what rereadable copies of a file that is not a regular one.
const maxCopied = 1 << 30

// rereadable returns a path that opens again and again to the same text,
// for replay and mock, which read their file more than once rather than
// hold it: path itself for a regular file, else a temporary copy of what
// it gives (a pipe, such as bash's <(...), gives its text only once).
// done removes the copy.
func rereadable(path string) (name string, done func(), err error) {
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().IsRegular() {
		return path, func() {}, nil // openTranscript words the error
	}
	src, err := openTranscript(path)
	if err != nil {
		return "", nil, err
	}
	defer src.Close()
	tmp, err := os.CreateTemp("", "smtprepl-transcript-")
	if err != nil {
		return "", nil, fmt.Errorf("copying the transcript %s: %w", src.name, err)
	}
	done = func() { os.Remove(tmp.Name()) }
	n, err := io.Copy(tmp, io.LimitReader(src.f, maxCopied+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		done()
		return "", nil, fmt.Errorf("copying the transcript %s: %w", src.name, err)
	case n > maxCopied:
		done()
		return "", nil, fmt.Errorf("the transcript %s is not a regular file and gives more than %d GiB", src.name, maxCopied>>30)
	}
	return tmp.Name(), done, nil
}

// colour reports whether output may be coloured: stdout is a terminal and
// neither --no-color nor NO_COLOR says otherwise.
func (e *env) colour(noColor bool) bool {
	return e.stdoutTTY && !noColor && e.getenv("NO_COLOR") == ""
}

// printDifferences writes the differing steps side by side, grouped as
// transcripts.Summarise groups them, and a summary line, and picks the
// exit code: 0 all matched, 1 some differ.
func printDifferences(w io.Writer, what string, r diffReport, st transcripts.CompareStats, rules transcripts.Rules, colour bool) (int, error) {
	sum := transcripts.Summarise(r.diffs, st, rules)
	if err := transcripts.FormatSummary(w, sum); err != nil {
		return exitFailure, err
	}
	if r.more > 0 {
		fmt.Fprintf(w, "… and %d more differing steps, not shown\n", r.more)
	}
	// The shell's colours, enabled by our own decision, not fatih/color's
	// guess about os.Stdout.
	th := term.NewTheme(colour)
	good, bad := th.Good, th.Err
	if len(sum.Differences)+len(sum.Notes)+r.more == 0 {
		good.Fprintf(w, "%s: all %d steps match (%s)\n", what, st.Steps, comparedText(rules))
		return exitOK, nil
	}
	follow := len(sum.Differences) - sum.Causes
	line := fmt.Sprintf("%s: %d of %d steps differ", what, sum.Causes+r.more, st.Steps)
	if follow > 0 {
		line += fmt.Sprintf(", and %d more follow from those", follow)
	}
	if len(sum.Notes) > 0 {
		line += fmt.Sprintf(", %d note(s) on the whole session", len(sum.Notes))
	}
	bad.Fprintf(w, "%s (%s)\n", line, comparedText(rules))
	return exitReplies, nil
}

// comparedText says in a few words what the rules compared.
func comparedText(rules transcripts.Rules) string {
	compared := "code, enhanced code, line count, EHLO capabilities, TLS version"
	if rules.Exact {
		compared = "exact text, volatile parts masked"
		if len(rules.Volatile) == 0 {
			compared = "exact text, nothing masked"
		}
	}
	if len(rules.Ignore) > 0 {
		compared += "; ignoring " + strings.Join(rules.Ignore, ", ")
	}
	return compared
}
