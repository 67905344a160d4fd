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

// instruments are the session's optional views of the wire: how long each
// step took (--timing, :timing on) and a hex dump of every line (--wire
// hex, :wire hex).
type instruments struct {
	timing bool
	hex    hexDumper
}

// show says how long a step took when timing is on, in the view and as a
// comment in any recording, so a transcript shows where the time went.
func (in *instruments) show(s *Session, what string, d time.Duration) {
	if !in.timing {
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

// reply shows how long the reply s just read took.
func (in *instruments) reply(s *Session) {
	what := "reply to " + s.pendingVerb
	if s.pendingVerb == "" {
		what = "greeting"
	}
	in.show(s, what, s.client.Timings().Reply)
}

func runTiming(_ context.Context, s *Session, args string) error {
	switch args {
	case "on", "off":
		s.instruments.timing = args == "on"
		s.view.note("timing " + args)
		return nil
	}
	return errors.New("usage: :timing on|off")
}
