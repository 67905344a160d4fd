package lessons

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// batch plays consecutive ">>" lines: one write, then the replies in
// order. A batch is not repeated when a reply is wrong, because the
// commands that were accepted stay accepted: the lesson stops there.
func (r *Runner) batch(ctx context.Context, s Session, lines []Line, res *Result) error {
	texts := make([]string, len(lines))
	for i, ln := range lines {
		texts[i] = r.expand(ln.Text)
		res.Input = append(res.Input, s.Redact(ln.Text))
		r.asking(s, ln)
	}
	if err := r.confirmBatch(ctx, texts); err != nil {
		return err
	}
	replies, err := s.ExecBatch(ctx, texts)
	for i, ln := range lines {
		v := verdict{err: err}
		if i < len(replies) {
			v = verdict{reply: replies[i]}
		}
		v.ok = ln.Expect.holds(v.reply, v.err)
		r.report(ln, v)
		if !v.ok {
			res.Failed = fmt.Sprintf("line %d, %q: %s", ln.Source, ln.Text, v.summary(ln.Expect))
			return nil
		}
		res.Held += checks(ln)
	}
	return nil
}

// confirmBatch shows the batch; a student sends it with Enter, because
// typing several commands before any reply is the one thing a prompt
// cannot do.
func (r *Runner) confirmBatch(ctx context.Context, texts []string) error {
	for _, t := range texts {
		r.say(r.paint(r.Paint.Dim, "› ") + t)
	}
	if r.Student == nil {
		return nil
	}
	for {
		r.say(r.paint(r.Paint.Dim, fmt.Sprintf("  Enter sends these %d lines in one write (:quit leaves)", len(texts))))
		line, err := r.Student.ReadLine(ctx)
		switch {
		case errors.Is(err, io.EOF), strings.TrimSpace(line) == ":quit":
			return errLeft
		case err != nil:
			return err
		case line == "":
			return nil
		}
	}
}
