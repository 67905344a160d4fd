package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/smtprepl/smtprepl/lessons"
	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/sandbox"
	"github.com/smtprepl/smtprepl/proto/visible"
	"github.com/smtprepl/smtprepl/repl"
	"github.com/smtprepl/smtprepl/repl/term"
)

const lessonUsage = `usage: smtprepl lesson [NAME|FILE] [--auto] [--report FILE] [--server HOST:PORT] [--insecure] [--cafile FILE]
       smtprepl lesson check FILE...
Without NAME, list the lessons. With NAME, or the path of a lesson file of
your own (it holds a / or ends in .txtar), run one against the practice
server: guided (type each line, or press Enter to send the one shown), or
with --auto every step unattended, exiting 0 only if every checkpoint held.
--report writes how each checkpoint went as JSON, to grade from.
check reads lesson files and lists what is wrong in them, file:line: what;
exit 0 when nothing is, 1 when something is, 64 without a file.`

type lessonFlags struct {
	auto, insecure, noColor bool
	server, cafile, report  string
	timeout                 time.Duration
}

func runLesson(ctx context.Context, e *env, args []string) (int, error) {
	var f lessonFlags
	fs := newFlagSet("lesson", e, lessonUsage)
	fs.BoolVar(&f.auto, "auto", false, "run every step unattended; exit 0 only if every checkpoint held")
	fs.StringVar(&f.server, "server", "", "run against HOST:PORT (a lab MTA) instead of the practice server")
	fs.BoolVar(&f.insecure, "insecure", false, "with --server: accept any certificate (said loudly in the output)")
	fs.StringVar(&f.cafile, "cafile", "", "with --server: trust this CA or self-signed certificate (PEM)")
	fs.DurationVar(&f.timeout, "timeout", 60*time.Second, "per-reply timeout")
	fs.BoolVar(&f.noColor, "no-color", false, "no colours (also: NO_COLOR)")
	fs.StringVar(&f.report, "report", "", "write how each checkpoint went (passed, attempts, time) to FILE as JSON")
	pos, err := parseInterleaved(fs, args)
	switch {
	case err != nil:
		return exitUsage, err
	case f.report != "" && (len(pos) == 0 || pos[0] == "check"):
		return exitUsage, usagef("--report is for running a lesson: smtprepl lesson NAME|FILE --report FILE")
	case len(pos) == 0:
		return listLessons(e)
	case pos[0] == "check":
		return checkLessons(e, pos[1:])
	case len(pos) > 1:
		return exitUsage, usagef("one lesson at a time, got %q", pos)
	}
	l, err := findLesson(pos[0])
	if err != nil {
		return exitUsage, err
	}
	if !f.auto && !e.stdinTTY {
		return exitUsage, usagef("a guided lesson needs a terminal to type in; to run it unattended: smtprepl lesson %s --auto", visible.Clip(pos[0], 200))
	}
	return playLesson(ctx, e, f, l, fileArg(pos[0]))
}

// findLesson is a built-in lesson by name, or a teacher's lesson file by
// path; a file with mistakes is a usage error naming the first one.
func findLesson(arg string) (lessons.Lesson, error) {
	if !lessons.IsFile(arg) {
		l, err := lessons.Lookup(arg)
		if err != nil {
			return l, usagef("%v", err)
		}
		return l, nil
	}
	l, err := lessons.ReadFile(arg)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "lessons: ")
		name := strings.TrimSuffix(filepath.Base(arg), ".txtar")
		if _, lerr := lessons.Lookup(name); errors.Is(err, fs.ErrNotExist) && lerr == nil {
			msg += fmt.Sprintf("; the built-in lesson is smtprepl lesson %s", name)
		}
		return l, usagef("%s", msg)
	}
	return l, nil
}

// fileArg is arg when it names a lesson file, for the report.
func fileArg(arg string) string {
	if lessons.IsFile(arg) {
		return arg
	}
	return ""
}

// checkLessons reads each lesson file and lists its problems on stdout,
// one "file:line: what" each: exit 0 when none has any, 1 when one has.
func checkLessons(e *env, files []string) (int, error) {
	if len(files) == 0 {
		return exitUsage, usagef("lesson check needs the lesson file(s) to check")
	}
	code := exitOK
	for _, path := range files {
		l, err := lessons.ReadFile(path)
		var fe *lessons.FileError
		switch {
		case errors.As(err, &fe):
			for _, line := range fe.Lines() {
				fmt.Fprintln(e.stdout, line)
			}
			code = exitReplies
		case err != nil:
			fmt.Fprintln(e.stdout, visible.TextClip(strings.TrimPrefix(err.Error(), "lessons: "), maxErrorBytes))
			code = exitReplies
		default:
			fmt.Fprintf(e.stdout, "%s: ok: %q, %d steps, %d checkpoints\n", visible.Clip(path, 500), l.Title, len(l.Steps), l.Checkpoints())
		}
	}
	return code, nil
}

// listLessons prints one lesson per line: the name to type, then the title.
func listLessons(e *env) (int, error) {
	all, err := lessons.All()
	if err != nil {
		return exitFailure, err
	}
	for _, l := range all {
		fmt.Fprintf(e.stdout, "%-20s %s\n", l.Name, l.Title)
	}
	return exitOK, nil
}

func playLesson(ctx context.Context, e *env, f lessonFlags, l lessons.Lesson, file string) (int, error) {
	report, err := createReport(f.report)
	if err != nil {
		return exitUsage, err
	}
	t, stop, err := lessonTarget(f, l)
	if err != nil {
		report.discard()
		return exitUsage, err
	}
	defer stop()
	t.Config.Timeout = f.timeout
	colour := term.ColorByDefault() && !f.noColor && e.getenv("NO_COLOR") == "" && e.stdoutTTY
	res, err := term.RunLesson(ctx, t, l, term.LessonOptions{Out: e.stdout, Color: colour, Auto: f.auto})
	// A run that broke off is reported too: the checkpoints reached count.
	if rerr := report.write(lessons.NewReport(l, res, !f.auto, file)); err == nil {
		err = rerr
	}
	switch {
	case err != nil:
		return exitFailure, err
	case !res.Passed():
		return exitReplies, nil
	}
	return exitOK, nil
}

// reportFile is where --report goes; a nil *reportFile writes nothing.
type reportFile struct {
	f *os.File
}

// createReport creates the file before the lesson starts, so that a path
// that cannot be written is said at once, not after the lesson.
func createReport(path string) (*reportFile, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Create(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // its path would be shown unescaped
		}
		return nil, usagef("--report %s: %v", visible.Clip(path, 500), err)
	}
	return &reportFile{f: f}, nil
}

func (r *reportFile) write(rep lessons.Report) error {
	if r == nil {
		return nil
	}
	_, err := rep.WriteTo(r.f)
	if cerr := r.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("--report: %w", err)
	}
	return nil
}

// discard removes a report file created for a lesson that never started.
func (r *reportFile) discard() {
	if r != nil {
		r.f.Close()
		os.Remove(r.f.Name())
	}
}

// lessonTarget is the server named with --server, or a practice server
// started for this lesson (its own options, its certificate trusted).
func lessonTarget(f lessonFlags, l lessons.Lesson) (repl.LessonTarget, func(), error) {
	if f.server == "" {
		if f.insecure || f.cafile != "" {
			return repl.LessonTarget{}, nil, usagef("--insecure and --cafile are for --server: the practice server's certificate is trusted already")
		}
		ls, err := repl.StartLessonServer(sandbox.DefaultConfig(), l.Sandbox)
		if err != nil {
			return repl.LessonTarget{}, nil, err
		}
		return ls.Target(), func() { ls.Close() }, nil
	}
	if f.cafile != "" {
		if _, err := os.Stat(f.cafile); err != nil {
			return repl.LessonTarget{}, nil, usagef("--cafile: %v", err)
		}
	}
	addr, err := repl.NormaliseAddr(f.server, false)
	if err != nil {
		return repl.LessonTarget{}, nil, usagef("--server: %v", err)
	}
	cfg := repl.Config{Addr: addr, TLS: proto.TLSOptions{CAFile: f.cafile, Insecure: f.insecure}}
	return repl.ServerTarget(cfg), func() {}, nil
}
