package repl

import (
	"strings"
	"testing"

	"github.com/smtprepl/smtprepl/proto"
)

func TestParseStage(t *testing.T) {
	cases := []struct {
		in   string
		want Stage
		err  bool
	}{
		{"rcpt", StageRcpt, false}, {"TO", StageRcpt, false}, {"helo", StageEHLO, false}, {"LHLO", StageEHLO, false},
		{"first-helo", StageFirstEHLO, false}, {"starttls", StageTLS, false}, {"banner", StageBanner, false},
		{"from", StageMail, false}, {".", StageDot, false}, {"xclient", "", true}, {"", "", true}, {"rcpt ", "", true},
	}
	for _, tc := range cases {
		got, err := ParseStage(tc.in)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("ParseStage(%q) = %q, %v; want %q (error: %v)", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// Where a batch of commands is cut for each stop-point: never past it,
// never before a line that belongs to it.
func TestStopsCut(t *testing.T) {
	batch := strings.Fields("EHLO STARTTLS EHLO AUTH MAIL RCPT RCPT DATA")
	cases := []struct {
		at   Stage
		want int // lines that go out
	}{
		{StageFirstEHLO, 1}, {StageTLS, 2}, {StageEHLO, 3}, {StageAuth, 4},
		{StageMail, 5}, {StageRcpt, 7}, {StageData, 8}, {StageDot, 8},
	}
	for _, tc := range cases {
		st := stops{at: tc.at}
		if got := st.cut(batch); got != tc.want {
			t.Errorf("%s: %d lines go out, want %d", tc.at, got, tc.want)
		}
	}
	// A stage that never comes stops where it would have been.
	st := stops{at: StageAuth}
	if got := st.cut(strings.Fields("EHLO MAIL RCPT")); got != 1 {
		t.Errorf("auth without AUTH: %d lines go out, want 1", got)
	}
	// Commands outside the stages do not end one before it is reached.
	st = stops{at: StageRcpt}
	if got := st.cut(strings.Fields("EHLO NOOP MAIL VRFY RCPT NOOP")); got != 5 {
		t.Errorf("rcpt with NOOP and VRFY: %d lines go out, want 5", got)
	}
}

// The stage a reply belongs to comes from where the model stood.
func TestStageOfReply(t *testing.T) {
	cases := []struct {
		phase  proto.Phase
		verb   string
		hellos int
		want   Stage
	}{
		{proto.PhaseConnected, "", 0, StageBanner},
		{proto.PhaseGreeted, "EHLO", 0, StageFirstEHLO},
		{proto.PhaseGreeted, "EHLO", 1, StageEHLO},
		{proto.PhaseReady, "STARTTLS", 1, StageTLS},
		{proto.PhaseReady, "NOOP", 1, ""},
		{proto.PhaseMail, "RCPT", 1, StageRcpt},
		{proto.PhaseMail, "BDAT", 1, StageData},
		{proto.PhaseData, ".", 1, StageDot},
		{proto.PhaseDelivery, ".", 1, StageDot},
	}
	for _, tc := range cases {
		if got := stageOfReply(proto.State{Phase: tc.phase}, tc.verb, tc.hellos); got != tc.want {
			t.Errorf("%s %s (hellos %d): %q, want %q", tc.phase, tc.verb, tc.hellos, got, tc.want)
		}
	}
}

// FuzzStopsCut: any stop-point over any verbs cuts within the batch, and
// the cut depends only on the lines before it: the same batch given a
// line at a time stops at the same place.
func FuzzStopsCut(f *testing.F) {
	f.Add(uint8(7), "EHLO MAIL RCPT RCPT DATA")
	f.Add(uint8(4), "EHLO STARTTLS EHLO AUTH MAIL")
	f.Add(uint8(0), "")
	f.Fuzz(func(t *testing.T, at uint8, verbs string) {
		stop := stageTable[int(at)%len(stageTable)].stage
		batch := strings.Fields(strings.ToUpper(verbs))
		n := (&stops{at: stop}).cut(batch)
		if n < 0 || n > len(batch) {
			t.Fatalf("cut %d of %d", n, len(batch))
		}
		for i := range min(n+1, len(batch)) {
			want := min(i+1, n)
			if got := (&stops{at: stop}).cut(batch[:i+1]); got != want {
				t.Fatalf("the first %d lines cut at %d, the whole batch at %d", i+1, got, n)
			}
		}
	})
}
