package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/smtprepl/smtprepl/lessons"
	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/sandbox"
	"github.com/smtprepl/smtprepl/repl"
	"github.com/smtprepl/smtprepl/repl/term"
)

const lessonUsage = `usage: smtprepl lesson [NAME] [--auto] [--server HOST:PORT] [--insecure] [--cafile FILE]
Without NAME, list the lessons. With NAME, run one against the practice
server: guided (type each line, or press Enter to send the one shown), or
with --auto every step unattended, exiting 0 only if every checkpoint held.`

type lessonFlags struct {
	auto, insecure, noColor bool
	server, cafile          string
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
	pos, err := parseInterleaved(fs, args)
	switch {
	case err != nil:
		return exitUsage, err
	case len(pos) == 0:
		return listLessons(e)
	case len(pos) > 1:
		return exitUsage, usagef("one lesson at a time, got %q", pos)
	}
	l, err := lessons.Lookup(pos[0])
	if err != nil {
		return exitUsage, usagef("%v", err)
	}
	if !f.auto && !e.stdinTTY {
		return exitUsage, usagef("a guided lesson needs a terminal to type in; to run it unattended: smtprepl lesson %s --auto", l.Name)
	}
	return playLesson(ctx, e, f, l)
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

func playLesson(ctx context.Context, e *env, f lessonFlags, l lessons.Lesson) (int, error) {
	t, stop, err := lessonTarget(f, l)
	if err != nil {
		return exitUsage, err
	}
	defer stop()
	t.Config.Timeout = f.timeout
	colour := term.ColorByDefault() && !f.noColor && e.getenv("NO_COLOR") == "" && e.stdoutTTY
	res, err := term.RunLesson(ctx, t, l, term.LessonOptions{Out: e.stdout, Color: colour, Auto: f.auto})
	switch {
	case err != nil:
		return exitFailure, err
	case !res.Passed():
		return exitReplies, nil
	}
	return exitOK, nil
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
