package lessons

import "time"

// Checkpoint is how one checkpoint went.
type Checkpoint struct {
	Step      int    // 1-based
	StepTitle string // the step's title
	Source    int    // the line to type's line in the lesson file
	// Line is the line to type, as the lesson writes it; once sent,
	// redacted as the session redacts it where it was sent (an AUTH
	// answer, say).
	Line     string
	Expect   string // the expectation, as the lesson writes it
	Match    string // the regular expression of its match line, if any
	Reached  bool   // the line was sent at least once
	Passed   bool
	Attempts int    // times it was sent (a guided student may try again)
	Reply    string // the last reply's codes ("250 2.1.0"); "" when none came
	// Took is from the line first being asked for to its last verdict.
	Took  time.Duration
	asked time.Time
}

// plan lists l's checkpoints, none reached yet.
func plan(l Lesson) []Checkpoint {
	var out []Checkpoint
	for i, st := range l.Steps {
		for _, ln := range st.Lines {
			if !ln.Expect.IsZero() {
				out = append(out, Checkpoint{Step: i + 1, StepTitle: st.Title, Source: ln.Source,
					Line: ln.Text, Expect: ln.Expect.codes(), Match: ln.Expect.Text})
			}
		}
	}
	return out
}

// checkpoint is the run's entry for ln, nil when ln checks nothing.
func (r *Runner) checkpoint(ln Line) *Checkpoint {
	for i := range r.checkpoints {
		if r.checkpoints[i].Source == ln.Source {
			return &r.checkpoints[i]
		}
	}
	return nil
}

// asking notes that ln is about to be asked for: when, the first time,
// and the line as it will be written down, redacted by s where it stands.
func (r *Runner) asking(s Session, ln Line) {
	cp := r.checkpoint(ln)
	if cp == nil || cp.Reached {
		return
	}
	cp.Line = s.Redact(ln.Text)
	if cp.asked.IsZero() {
		cp.asked = r.now()
	}
}

// mark notes one verdict on ln's checkpoint, if it has one.
func (r *Runner) mark(ln Line, v verdict) {
	cp := r.checkpoint(ln)
	if cp == nil {
		return
	}
	cp.Reached, cp.Passed = true, v.ok
	cp.Attempts++
	cp.Reply = ""
	if v.reply != nil {
		cp.Reply = replyText(v.reply)
	}
	cp.Took = r.now().Sub(cp.asked)
}
