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
	Took time.Duration
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

// checkpoint is the entry for ln, nil when ln checks nothing.
func (res *Result) checkpoint(ln Line) *Checkpoint {
	for i := range res.Checkpoints {
		if res.Checkpoints[i].Source == ln.Source {
			return &res.Checkpoints[i]
		}
	}
	return nil
}

// sending notes that the line is about to be sent, redacted by s where
// it stands; cp may be nil.
func (cp *Checkpoint) sending(s Session, ln Line) {
	if cp != nil && !cp.Reached {
		cp.Line = s.Redact(ln.Text)
	}
}

// mark notes one attempt at a checkpoint; cp may be nil.
func (cp *Checkpoint) mark(v verdict, since, now time.Time) {
	if cp == nil {
		return
	}
	cp.Reached, cp.Passed = true, v.ok
	cp.Attempts++
	cp.Reply = ""
	if v.reply != nil {
		cp.Reply = replyText(v.reply)
	}
	cp.Took = now.Sub(since)
}
