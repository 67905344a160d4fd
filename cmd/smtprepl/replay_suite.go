package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/visible"
	"github.com/smtprepl/smtprepl/transcripts"
)

// maxSuiteFiles bounds a directory's transcripts replayed in one run.
const maxSuiteFiles = 1000

// replayResult is one transcript's outcome, for the suite's summary and
// its JUnit and JSON reports.
type replayResult struct {
	file  string
	steps int
	sum   transcripts.Summary
	exit  int
	err   error
	took  time.Duration
}

func (r replayResult) failed(code int, err error) replayResult {
	r.exit, r.err = code, err
	return r
}

// transcriptFiles expands the arguments: files as they are, directories
// into their *.txt and *.log files, in name order.
func transcriptFiles(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil || !fi.IsDir() {
			out = append(out, a) // a missing file is said when it is opened
			continue
		}
		entries, err := os.ReadDir(a)
		if err != nil {
			return nil, usagef("reading the directory %s: %v", visible.Clip(a, 200), err)
		}
		var found []string
		for _, en := range entries {
			if n := en.Name(); !en.IsDir() && (strings.HasSuffix(n, ".txt") || strings.HasSuffix(n, ".log")) {
				found = append(found, filepath.Join(a, n))
			}
		}
		if len(found) == 0 {
			return nil, usagef("the directory %s holds no transcript (*.txt or *.log)", visible.Clip(a, 200))
		}
		slices.Sort(found)
		out = append(out, found...)
	}
	if len(out) > maxSuiteFiles {
		return nil, usagef("%d transcripts is more than one run replays (%d)", len(out), maxSuiteFiles)
	}
	return out, nil
}

// replaySuite replays each file in turn against the same server, then
// prints one combined summary and writes the reports asked for. The exit
// code covers them all: 2 if one could not be replayed, else 1 if one
// differed, else 0.
func replaySuite(ctx context.Context, e *env, f *replayFlags, files []string, addr string, tlsOpts proto.TLSOptions, rules transcripts.Rules) (int, error) {
	var results []replayResult
	for _, file := range files {
		if ctx.Err() != nil {
			break
		}
		fmt.Fprintf(e.stdout, "\n=== %s\n", visible.Clip(file, 200))
		start := time.Now()
		res := replayOne(ctx, e, f, file, addr, tlsOpts, rules)
		res.took = time.Since(start)
		if res.err != nil {
			fmt.Fprintf(e.stdout, "replay: %s\n", visible.TextClip(res.err.Error(), maxErrorBytes))
		}
		results = append(results, res)
	}
	code := suiteSummary(e.stdout, results)
	if f.junit != "" {
		if err := writeReport(f.junit, func(w io.Writer) error { return writeJUnit(w, results) }); err != nil {
			return exitFailure, err
		}
	}
	if f.json != "" {
		if err := writeReport(f.json, func(w io.Writer) error { return writeSuiteJSON(w, results) }); err != nil {
			return exitFailure, err
		}
	}
	return code, nil
}

// suiteSummary prints one row per transcript and the totals.
func suiteSummary(w io.Writer, results []replayResult) int {
	code := exitOK
	fmt.Fprintf(w, "\nreplay of %d transcript(s):\n", len(results))
	for _, r := range results {
		status := "match"
		switch {
		case r.err != nil:
			status = "could not replay: " + visible.TextClip(r.err.Error(), 200)
		case r.exit == exitReplies:
			status = fmt.Sprintf("%d differ", r.sum.Causes)
			if n := len(r.sum.Differences) - r.sum.Causes; n > 0 {
				status += fmt.Sprintf(" (+%d follow)", n)
			}
			if len(r.sum.Notes) > 0 {
				status += fmt.Sprintf(", %d note(s)", len(r.sum.Notes))
			}
		}
		fmt.Fprintf(w, "  %-40s %4d steps  %s\n", tailClip(visible.Clip(r.file, 500), 40), r.steps, status)
		switch {
		case r.exit == exitUsage || r.exit == exitFailure:
			code = exitFailure
		case r.exit == exitReplies && code == exitOK:
			code = exitReplies
		}
	}
	return code
}

func writeReport(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".smtprepl-report-")
	if err != nil {
		return fmt.Errorf("writing the report %s: %w", visible.Clip(path, 200), err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("writing the report %s: %w", visible.Clip(path, 200), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing the report %s: %w", visible.Clip(path, 200), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing the report %s: %w", visible.Clip(path, 200), err)
	}
	return nil
}

// JUnit XML as Jenkins, GitLab and GitHub's test reporters read it. The
// struct tags say what writeJUnit writes; the tests read its output back
// through them with encoding/xml.
type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func writeJUnit(w io.Writer, results []replayResult) error {
	s := junitSuite{Name: "smtprepl replay", Tests: len(results)}
	var total time.Duration
	for _, r := range results {
		total += r.took
		c := junitCase{Name: r.file, Classname: "smtprepl.replay", Time: fmt.Sprintf("%.3f", r.took.Seconds())}
		switch {
		case r.err != nil:
			s.Errors++
			c.Error = &junitProblem{Message: visible.TextClip(r.err.Error(), 500), Type: "replay"}
		case r.exit == exitReplies:
			s.Failures++
			var b strings.Builder
			if err := transcripts.FormatSummary(&b, r.sum); err != nil {
				return err
			}
			c.Failure = &junitProblem{Message: fmt.Sprintf("%d of %d steps differ", r.sum.Causes, r.steps), Type: "difference", Text: b.String()}
		}
		s.Cases = append(s.Cases, c)
	}
	s.Time = fmt.Sprintf("%.3f", total.Seconds())
	_, err := io.WriteString(w, junitXML(s))
	return err
}

// junitXML writes the suite by hand: encoding/xml would do it, but its
// package initialisers (some 18 KiB of tables) would run at the start of
// every smtprepl command, a one-message send included.
func junitXML(s junitSuite) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<testsuites>\n")
	fmt.Fprintf(&b, `  <testsuite name="%s" tests="%d" failures="%d" errors="%d" time="%s">`+"\n",
		xmlEscape(s.Name), s.Tests, s.Failures, s.Errors, xmlEscape(s.Time))
	for _, c := range s.Cases {
		fmt.Fprintf(&b, `    <testcase name="%s" classname="%s" time="%s"`, xmlEscape(c.Name), xmlEscape(c.Classname), xmlEscape(c.Time))
		if c.Failure == nil && c.Error == nil {
			b.WriteString("></testcase>\n")
			continue
		}
		b.WriteString(">\n")
		for _, p := range []struct {
			tag string
			p   *junitProblem
		}{{"failure", c.Failure}, {"error", c.Error}} {
			if p.p != nil {
				fmt.Fprintf(&b, `      <%s message="%s" type="%s">%s</%s>`+"\n", p.tag, xmlEscape(p.p.Message), xmlEscape(p.p.Type), xmlEscape(p.p.Text), p.tag)
			}
		}
		b.WriteString("    </testcase>\n")
	}
	b.WriteString("  </testsuite>\n</testsuites>\n")
	return b.String()
}

// xmlEscape makes s safe as XML 1.0 character data and as an attribute
// value in double quotes, and reads back unchanged from either: the
// markup characters become references, and so do tab, line feed and
// carriage return, which an XML reader would otherwise fold (to a space
// in an attribute, CR LF to LF in text). What XML cannot hold at all
// (other control characters, U+FFFE, U+FFFF, invalid UTF-8) becomes
// U+FFFD, as with encoding/xml.
func xmlEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"':
			b.WriteString("&quot;")
		case r == '\'':
			b.WriteString("&apos;")
		case r == '\t':
			b.WriteString("&#x9;")
		case r == '\n':
			b.WriteString("&#xA;")
		case r == '\r':
			b.WriteString("&#xD;")
		case !xmlChar(r): // an invalid byte ranges as U+FFFD already
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// xmlChar is XML 1.0's Char production, less the whitespace xmlEscape
// writes as references.
func xmlChar(r rune) bool {
	return r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// suiteJSON is --json's report; "version" changes only when a field
// changes meaning or goes away.
type suiteJSON struct {
	Version int        `json:"version"`
	Files   []fileJSON `json:"files"`
}

type fileJSON struct {
	File        string     `json:"file"`
	Steps       int        `json:"steps"`
	Outcome     string     `json:"outcome"` // match, differ, error
	Error       string     `json:"error,omitempty"`
	Notes       []string   `json:"notes,omitempty"`
	Differences []diffJSON `json:"differences"`
}

type diffJSON struct {
	Step        int      `json:"step"`
	WantStep    int      `json:"want_step,omitempty"`
	GotStep     int      `json:"got_step,omitempty"`
	Command     string   `json:"command"`
	Aspects     []string `json:"aspects"`
	Why         []string `json:"why"`
	Want        []string `json:"want"`
	Got         []string `json:"got"`
	Consequence int      `json:"follows_from,omitempty"`
	Repeats     int      `json:"same_as,omitempty"`
}

func writeSuiteJSON(w io.Writer, results []replayResult) error {
	out := suiteJSON{Version: 1, Files: []fileJSON{}}
	for _, r := range results {
		fj := fileJSON{File: visible.Clip(r.file, 500), Steps: r.steps, Outcome: "match", Notes: r.sum.Notes, Differences: []diffJSON{}}
		switch {
		case r.err != nil:
			fj.Outcome, fj.Error = "error", visible.TextClip(r.err.Error(), 500)
		case r.exit == exitReplies:
			fj.Outcome = "differ"
		}
		for _, d := range r.sum.Differences {
			dj := diffJSON{Step: d.Step, WantStep: d.WantStep, GotStep: d.GotStep, Command: d.Command,
				Aspects: []string{}, Why: []string{}, Want: orEmptyList(d.Want), Got: orEmptyList(d.Got), Consequence: d.Consequence, Repeats: d.Repeats}
			for _, re := range d.Reasons {
				dj.Aspects = append(dj.Aspects, re.Aspect)
				dj.Why = append(dj.Why, re.Text)
			}
			fj.Differences = append(fj.Differences, dj)
		}
		out.Files = append(out.Files, fj)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func orEmptyList(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// tailClip keeps the end of an already escaped path, where its name is.
func tailClip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return "…" + string(r[len(r)-n+1:])
}
