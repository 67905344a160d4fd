package lessons

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// tick is a clock that moves one second each time it is read.
func tick() func() time.Time {
	now := time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)
	return func() time.Time { now = now.Add(time.Second); return now }
}

// TestCheckpointsGuided: a guided student who tries the MAIL line twice
// has two attempts on it; every checkpoint is timed.
func TestCheckpointsGuided(t *testing.T) {
	st := &typist{lines: []string{"", "RCPT TO:<b@example.test>", "", "", "", ""}}
	r := &Runner{Out: io.Discard, Student: st, Now: tick()}
	res, err := r.Run(context.Background(), mustParse(t, testLesson), server())
	if err != nil || !res.Passed() {
		t.Fatalf("Result %+v, err %v", res, err)
	}
	want := []Checkpoint{
		{Step: 1, StepTitle: "Hello", Source: 4, Line: "EHLO a.example", Expect: "250", Reached: true, Passed: true, Attempts: 1, Reply: "250", Took: time.Second},
		{Step: 2, StepTitle: "Send", Source: 8, Line: "MAIL FROM:<a@example.test>", Expect: "250", Reached: true, Passed: true, Attempts: 2, Reply: "250", Took: 2 * time.Second},
		{Step: 2, StepTitle: "Send", Source: 11, Line: "DATA", Expect: "354", Reached: true, Passed: true, Attempts: 1, Reply: "354", Took: time.Second},
		{Step: 2, StepTitle: "Send", Source: 14, Line: ".", Expect: "250", Reached: true, Passed: true, Attempts: 1, Reply: "250", Took: time.Second},
	}
	if diff := cmp.Diff(want, res.Checkpoints, cmpopts.IgnoreUnexported(Checkpoint{})); diff != "" {
		t.Errorf("Checkpoints (-want +got):\n%s", diff)
	}
}

// TestReportJSON: the JSON of an unattended run that stops at its second
// checkpoint, field by field, as a teacher's script would read it.
func TestReportJSON(t *testing.T) {
	s := server()
	s.replies["MAIL FROM:<a@example.test>"] = 503
	l := mustParse(t, testLesson)
	res, err := (&Runner{Out: io.Discard, Now: tick()}).Run(context.Background(), l, s)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := NewReport(l, res, false, "lessons/test.txtar").WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("%v:\n%s", err, b.String())
	}
	cp := func(id string, step float64, title string, line float64, typed, reply string, reached, passed bool, attempts, secs float64) map[string]any {
		m := map[string]any{"id": id, "step": step, "step_title": title, "line": line, "typed": typed,
			"expect": "250", "reached": reached, "passed": passed, "attempts": attempts, "seconds": secs}
		if reply != "" {
			m["reply"] = reply
		}
		return m
	}
	dataCP := cp("2.2", 2, "Send", 11, "DATA", "", false, false, 0, 0)
	dataCP["expect"] = "354"
	want := map[string]any{
		"version": 1.0, "lesson": "test", "title": "Test", "file": "lessons/test.txtar", "mode": "auto",
		"started": "2026-01-02T09:00:01Z", "ended": "2026-01-02T09:00:06Z", "seconds": 5.0,
		"passed": false, "left": false,
		"failed": `line 8, "MAIL FROM:<a@example.test>": this step expects 250; the server said 503`,
		"steps":  map[string]any{"total": 2.0, "done": 1.0},
		"checkpoints": []any{
			cp("1.1", 1, "Hello", 4, "EHLO a.example", "250", true, true, 1, 1),
			cp("2.1", 2, "Send", 8, "MAIL FROM:<a@example.test>", "503", true, false, 1, 1),
			dataCP,
			cp("2.3", 2, "Send", 14, ".", "", false, false, 0, 0),
		},
		"totals": map[string]any{"checkpoints": 4.0, "passed": 1.0, "failed": 1.0, "not_reached": 2.0, "attempts": 2.0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
}
