package repl

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
)

// Stage is a point in an SMTP session as swaks names it: where
// --quit-after and --drop-after stop, and what `send`'s exit status says
// failed. The zero Stage is none.
type Stage string

// The stages the session core itself refers to; the rest are known only
// by their row in stageTable.
const (
	StageConnect   Stage = "connect"
	StageBanner    Stage = "banner"
	StageFirstEHLO Stage = "first-ehlo"
	StageTLS       Stage = "tls"
	StageEHLO      Stage = "ehlo"
	StageAuth      Stage = "auth"
	StageMail      Stage = "mail"
	StageRcpt      Stage = "rcpt"
	StageData      Stage = "data"
	StageDot       Stage = "dot"
)

// stageRow is one stage: its names, the verbs whose replies belong to it,
// and swaks's exit status when it fails.
type stageRow struct {
	stage   Stage
	aliases []string // swaks's other spellings
	verbs   []string // commands whose reply belongs to the stage
	exit    int      // swaks's exit status when the stage fails
	// once: the stage ends with its first reply (a stop-point takes
	// effect at once); otherwise it ends at the first command that is
	// not part of it (several RCPTs, an AUTH exchange).
	once bool
}

// stageTable lists the stages in the order a session passes them. A new
// stage (XCLIENT, PROXY) is one row here.
var stageTable = []stageRow{
	{stage: StageConnect, exit: 2, once: true},
	{stage: StageBanner, exit: 21, once: true},
	{stage: StageFirstEHLO, aliases: []string{"first-helo", "first-lhlo"}, verbs: helloVerbs, exit: 22, once: true},
	{stage: StageTLS, aliases: []string{"starttls"}, verbs: []string{"STARTTLS"}, exit: 29, once: true},
	{stage: StageEHLO, aliases: []string{"helo", "lhlo"}, verbs: helloVerbs, exit: 32},
	{stage: StageAuth, verbs: []string{"AUTH"}, exit: 28},
	{stage: StageMail, aliases: []string{"from"}, verbs: []string{"MAIL"}, exit: 23, once: true},
	{stage: StageRcpt, aliases: []string{"to"}, verbs: []string{"RCPT"}, exit: 24},
	{stage: StageData, verbs: []string{"DATA", "BDAT"}, exit: 25, once: true},
	{stage: StageDot, aliases: []string{"."}, exit: 26, once: true},
}

var helloVerbs = []string{"EHLO", "HELO", "LHLO"}

// Stages lists the stage names in session order, for usage messages.
func Stages() []string {
	names := make([]string, len(stageTable))
	for i, r := range stageTable {
		names[i] = string(r.stage)
	}
	return names
}

// ParseStage reads a stage name or one of swaks's other spellings, in
// any case.
func ParseStage(name string) (Stage, error) {
	n := strings.ToLower(name)
	for _, r := range stageTable {
		if n == string(r.stage) || slices.Contains(r.aliases, n) {
			return r.stage, nil
		}
	}
	return "", fmt.Errorf("unknown stage %q: the stages are %s", name, strings.Join(Stages(), ", "))
}

// ExitCode is swaks's exit status for a failure in stage s, 0 for none.
func (st Stage) ExitCode() int {
	if r, ok := st.row(); ok {
		return r.exit
	}
	return 0
}

func (st Stage) row() (stageRow, bool) {
	i := st.index()
	if i < 0 {
		return stageRow{}, false
	}
	return stageTable[i], true
}

// index is the stage's place in the session order, -1 for none.
func (st Stage) index() int {
	return slices.IndexFunc(stageTable, func(r stageRow) bool { return r.stage == st })
}

// stageOfVerb is the stage a command's reply belongs to, "" for a
// command outside the stages (NOOP, RSET, VRFY, QUIT). A hello is the
// first one, or the one after TLS or XCLIENT: hellos counts those already
// answered on this connection.
func stageOfVerb(verb string, hellos int) Stage {
	if slices.Contains(helloVerbs, verb) {
		if hellos == 0 {
			return StageFirstEHLO
		}
		return StageEHLO
	}
	for _, r := range stageTable {
		if r.stage != StageFirstEHLO && r.stage != StageEHLO && slices.Contains(r.verbs, verb) {
			return r.stage
		}
	}
	return ""
}

// stageOfReply is the stage a reply belongs to, read from where the
// model stood when it arrived: the greeting, the end of a message and the
// TLS handshake are not commands.
func stageOfReply(st proto.State, verb string, hellos int) Stage {
	switch st.Phase {
	case proto.PhaseConnected:
		return StageBanner
	case proto.PhaseData, proto.PhaseDelivery:
		return StageDot
	}
	return stageOfVerb(verb, hellos)
}

// stops follows the stages a session passes, for the stop-points
// (--quit-after, --drop-after) and for naming the stage of a failure.
type stops struct {
	at   Stage // the stop-point; "" for none
	drop bool  // hang up at it rather than say QUIT
	// hellos answered on this connection: the next one is the first or not.
	hellos int
	// current is the stage of the reply awaited or last read; reached,
	// that the stop-point's stage had a reply; done, that the session
	// stopped there.
	current Stage
	reached bool
	done    bool
	script  bool // a script's lines are what is not sent, for the message
}

// connected starts the count again for a new connection.
func (t *stops) connected() {
	t.hellos, t.current = 0, StageConnect
	t.note(StageConnect)
}

// awaiting notes the stage of the reply about to be read.
func (t *stops) awaiting(st proto.State, verb string) {
	if stage := stageOfReply(st, verb, t.hellos); stage != "" {
		t.current = stage
	}
}

// answered notes a reply of the current stage (a refusal too: swaks's
// stop-points count the point reached, not the answer).
func (t *stops) answered(verb string, r *proto.Reply) {
	if slices.Contains(helloVerbs, verb) && r.Code == 250 {
		t.hellos++
	}
	t.note(t.current)
}

func (t *stops) note(stage Stage) {
	if t.at == "" || stage == "" {
		return
	}
	// connect and banner are one point in swaks: after the greeting; the
	// last hello may be the first.
	if stage == t.at || (t.at == StageConnect && stage == StageBanner) || (t.at == StageEHLO && stage == StageFirstEHLO) {
		t.reached = true
	}
}

// dueNow reports whether the session must stop now: the stop-point's
// stage happens once, and its reply is in.
func (t *stops) dueNow() bool {
	if t.at == "" || t.done || !t.reached {
		return false
	}
	r, _ := t.at.row()
	return r.once || t.at == StageConnect
}

// dueBefore reports whether the session must stop before sending a
// command with this verb: the stop-point's stage was reached and the
// command is not part of it, or the command belongs to a later stage
// (the stop-point's stage never came: swaks stops where it would have
// been).
func (t *stops) dueBefore(verb string) bool {
	if t.at == "" || t.done {
		return false
	}
	stage := stageOfVerb(verb, t.hellos)
	if t.reached && !partOf(t.at, stage) {
		return true
	}
	return stage != "" && stage.index() > t.at.index()
}

// partOf reports whether a command of stage belongs to the stop-point at:
// another RCPT after RCPT; for the last hello, STARTTLS and the hello
// after it.
func partOf(at, stage Stage) bool {
	if at == StageEHLO && (stage == StageTLS || stage == StageEHLO || stage == StageFirstEHLO) {
		return true
	}
	return stage == at
}

// cut is how many of a batch's lines go out before the stop-point: the
// lines' stages are known before their replies, so a batch never carries
// a line past it.
func (t *stops) cut(verbs []string) int {
	sim := *t
	for i, verb := range verbs {
		if sim.dueBefore(verb) {
			return i
		}
		sim.current = stageOfVerb(verb, sim.hellos)
		if slices.Contains(helloVerbs, verb) {
			sim.hellos++
		}
		sim.note(sim.current)
	}
	return len(verbs)
}

// flag returns what was asked of the stop-point, for messages:
// "--quit-after rcpt".
func (t *stops) flag() string {
	if t.drop {
		return "--drop-after " + string(t.at)
	}
	return "--quit-after " + string(t.at)
}

// stopped reports whether the session stopped at its stop-point.
func (s *Session) stopped() bool { return s.stops.done }

// Stage is the stage of the reply awaited or last read: where a failure
// happened.
func (s *Session) Stage() Stage { return s.stops.current }

// stopBefore stops the session before line when the stop-point comes
// first; it reports whether it did.
func (s *Session) stopBefore(ctx context.Context, line string) (bool, error) {
	verb, _ := proto.SplitVerb(line)
	if !s.stops.dueBefore(strings.ToUpper(verb)) {
		return false, nil
	}
	return true, s.stopHere(ctx)
}

// stopIfDue stops the session when the stop-point's stage just ended;
// it reports whether it did.
func (s *Session) stopIfDue(ctx context.Context) (bool, error) {
	if !s.stops.dueNow() {
		return false, nil
	}
	return true, s.stopHere(ctx)
}

// errStopped ends what was under way when the stop-point came inside
// it (a colon-command's DATA); the script stops without error.
var errStopped = errors.New("stopped at the stop-point")

// stopFirst stops the session before line, when the stop-point comes
// first, and says so with errStopped.
func (s *Session) stopFirst(ctx context.Context, line string) error {
	if stop, err := s.stopBefore(ctx, line); stop {
		return cmp.Or(err, errStopped)
	}
	return nil
}

// stopInside stops the session when the stop-point's stage just ended
// inside a colon-command (:send's DATA was answered), with errStopped.
func (s *Session) stopInside(ctx context.Context) error {
	if stop, err := s.stopIfDue(ctx); stop {
		return cmp.Or(err, errStopped)
	}
	return nil
}

// stopHere ends the session at its stop-point: QUIT, or a hang-up with
// --drop-after (and inside message text, where QUIT would be text).
func (s *Session) stopHere(ctx context.Context) error {
	s.stops.done = true
	rest := "nothing more is sent"
	if s.stops.script {
		rest = "the rest of the script is not sent"
	}
	s.view.output(fmt.Sprintf("stopping after the %s stage (%s): %s", s.stops.at, s.stops.flag(), rest))
	if !s.Connected() {
		return nil
	}
	if s.stops.drop || s.inData() {
		return runClose(ctx, s, "")
	}
	return s.command(ctx, "QUIT")
}
