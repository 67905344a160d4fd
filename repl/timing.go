package repl

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Timer is a view that shows timings its own way (the shell: dim, under
// the reply); a view without it gets them as Output.
type Timer interface{ Timing(text string) }

func (f front) timing(text string) {
	if t, ok := f.View.(Timer); ok {
		t.Timing(text)
		return
	}
	f.View.Output(text)
}

// showTiming says how long a step took when timing is on (--timing,
// :timing on), in the view and as a comment in any recording, so a
// transcript shows where the time went.
func (s *Session) showTiming(what string, d time.Duration) {
	if !s.timing {
		return
	}
	text := fmt.Sprintf("time: %s %s ms", what, millis(d))
	s.view.timing(text)
	if s.recording != nil {
		s.recording.rec.Comment(text)
	}
}

// millis is d in milliseconds, to a tenth: a loopback reply takes less
// than one.
func millis(d time.Duration) string {
	return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000)
}

// replyTiming shows how long the reply just read took.
func (s *Session) replyTiming() {
	what := "reply to " + s.pendingVerb
	if s.pendingVerb == "" {
		what = "greeting"
	}
	s.showTiming(what, s.client.Timings().Reply)
}

func runTiming(_ context.Context, s *Session, args string) error {
	switch args {
	case "on", "off":
		s.timing = args == "on"
		s.view.note("timing " + args)
		return nil
	}
	return errors.New("usage: :timing on|off")
}
