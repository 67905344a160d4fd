package lessons

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// ReportVersion is the version of the JSON report's schema
// (lessons/README.md, "Grading"). It changes only when a field changes
// meaning or goes away; new fields may appear without it changing.
const ReportVersion = 1

// Report is what `smtprepl lesson ... --report FILE` writes: one run of
// one lesson, for a teacher to grade from.
type Report struct {
	Version     int                `json:"version"`
	Lesson      string             `json:"lesson"`
	Title       string             `json:"title"`
	File        string             `json:"file,omitempty"` // the lesson file, for a teacher's own lesson
	Mode        string             `json:"mode"`           // "guided" or "auto"
	Started     time.Time          `json:"started"`
	Ended       time.Time          `json:"ended"`
	Seconds     float64            `json:"seconds"`
	Passed      bool               `json:"passed"` // every step done, every checkpoint held
	Left        bool               `json:"left"`   // the student left before the end
	Failed      string             `json:"failed,omitempty"`
	Steps       ReportSteps        `json:"steps"`
	Checkpoints []ReportCheckpoint `json:"checkpoints"`
	Totals      ReportTotals       `json:"totals"`
}

// ReportSteps counts the lesson's steps.
type ReportSteps struct {
	Total int `json:"total"`
	Done  int `json:"done"`
}

// ReportCheckpoint is one checkpoint of the lesson, reached or not.
type ReportCheckpoint struct {
	ID        string  `json:"id"` // "STEP.N": the N-th checkpoint of step STEP
	Step      int     `json:"step"`
	StepTitle string  `json:"step_title"`
	Line      int     `json:"line"`            // in the lesson file
	Typed     string  `json:"typed"`           // the line to type, as the lesson writes it, secrets redacted
	Expect    string  `json:"expect"`          // the expect line's pattern: "250", "354|503", "error"
	Match     string  `json:"match,omitempty"` // the match line's regular expression
	Reached   bool    `json:"reached"`
	Passed    bool    `json:"passed"`
	Attempts  int     `json:"attempts"`
	Reply     string  `json:"reply,omitempty"` // codes of the last reply
	Seconds   float64 `json:"seconds"`
}

// ReportTotals sums the checkpoints up.
type ReportTotals struct {
	Checkpoints int `json:"checkpoints"`
	Passed      int `json:"passed"`
	Failed      int `json:"failed"` // reached and not passed
	NotReached  int `json:"not_reached"`
	Attempts    int `json:"attempts"`
}

// NewReport turns a run's Result into the report of l; guided says how it
// was run, file names a lesson read from disk ("" for a built-in one).
func NewReport(l Lesson, res Result, guided bool, file string) Report {
	rep := Report{
		Version: ReportVersion, Lesson: l.Name, Title: l.Title, File: file, Mode: "auto",
		Started: res.Started.UTC(), Ended: res.Ended.UTC(), Seconds: seconds(res.Ended.Sub(res.Started)),
		Passed: res.Passed(), Left: res.Left, Failed: res.Failed,
		Steps:       ReportSteps{Total: res.Steps, Done: res.Done},
		Checkpoints: []ReportCheckpoint{},
	}
	if guided {
		rep.Mode = "guided"
	}
	n := map[int]int{} // checkpoints so far, by step
	for _, c := range res.Checkpoints {
		n[c.Step]++
		rep.Checkpoints = append(rep.Checkpoints, ReportCheckpoint{
			ID: fmt.Sprintf("%d.%d", c.Step, n[c.Step]), Step: c.Step, StepTitle: c.StepTitle,
			Line: c.Source, Typed: c.Line, Expect: c.Expect, Match: c.Match, Reached: c.Reached, Passed: c.Passed,
			Attempts: c.Attempts, Reply: c.Reply, Seconds: seconds(c.Took),
		})
		rep.Totals.add(c)
	}
	return rep
}

func (t *ReportTotals) add(c Checkpoint) {
	t.Checkpoints++
	t.Attempts += c.Attempts
	switch {
	case c.Passed:
		t.Passed++
	case c.Reached:
		t.Failed++
	default:
		t.NotReached++
	}
}

// seconds rounds to the millisecond: enough to grade by, and stable.
func seconds(d time.Duration) float64 { return float64(d.Milliseconds()) / 1000 }

// WriteTo writes the report as indented JSON.
func (rep Report) WriteTo(w io.Writer) (int64, error) {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return 0, fmt.Errorf("lessons: report: %w", err)
	}
	n, err := w.Write(append(b, '\n'))
	if err != nil {
		err = fmt.Errorf("lessons: report: %w", err)
	}
	return int64(n), err
}
