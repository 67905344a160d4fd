package repl

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/transcripts"
)

// scriptView prints the session as a transcript (secrets redacted), so the
// output of a script can be saved and replayed.
type scriptView struct {
	rec *transcripts.Recorder
	out io.Writer
	buf *bufio.Writer
	// A 100 MiB message must not become 100 MiB of output: past
	// bodyShowLimit bytes, body lines are counted, not printed.
	countingText bool
	bodyShown    int
	hiddenLines  int
	hiddenBytes  int
	// lastSkipped: the last body line was counted, not shown, so its
	// hex dump is left out too.
	lastSkipped bool
	// show is how much of the message is printed (--show); inBody, that
	// the header of the message being sent has ended.
	show   Show
	inBody bool
	// about describes the message being sent (its MIME tree), for the
	// comment that stands for what --show left out; "" when unknown.
	about string
}

// describeMessage tells the view what the next message is, for the one
// comment that counts what --show leaves out.
func (v *scriptView) describeMessage(about string) { v.about = about }

// The transcript is a View and nothing more: explanations are not part
// of it.
var _ View = (*scriptView)(nil)

// bodyShowLimit is how much message text script mode prints per message.
const bodyShowLimit = 1 << 20

func newScriptView(out io.Writer, show Show) *scriptView {
	buf := bufio.NewWriterSize(out, 64<<10)
	// writeOnly hides Flush from the recorder, which would otherwise flush
	// every line: the session flushes before it waits instead.
	w := writeOnly{buf}
	return &scriptView{rec: transcripts.NewRecorder(w), out: w, buf: buf, show: show}
}

// newJSONView is the script view writing JSON Lines (--json): the same
// lines, events and comments, one object each, secrets redacted alike.
func newJSONView(out io.Writer, now func() time.Time) *scriptView {
	buf := bufio.NewWriterSize(out, 64<<10)
	w := writeOnly{buf}
	return &scriptView{rec: transcripts.NewJSONRecorder(w, now), out: w, buf: buf}
}

type writeOnly struct{ w io.Writer }

func (w writeOnly) Write(p []byte) (int, error) { return w.w.Write(p) }

// flush pushes buffered output out; the session calls it before every
// wait (for a reply or for script input) and at the end.
func (v *scriptView) flush() { v.buf.Flush() }

func (v *scriptView) Wire(l proto.TapLine) {
	v.lastSkipped = v.countingText && l.Kind == proto.Sent && v.skipBodyLine(l.Data)
	if v.lastSkipped {
		return
	}
	FeedRecorder(v.rec, l)
}

// skipBodyLine decides whether a body line is printed; at the final dot
// it says how much was left out.
func (v *scriptView) skipBodyLine(data []byte) bool {
	if string(data) == ".\r\n" {
		v.sayHidden()
		v.countingText = false
		return false
	}
	if v.show == ShowHeaders && !v.inBody && string(data) == "\r\n" {
		v.inBody = true // the empty line ends the header; it is shown
		return false
	}
	if v.bodyShown+len(data) <= bodyShowLimit && (v.show == ShowAll || (v.show == ShowHeaders && !v.inBody)) {
		v.bodyShown += len(data)
		return false
	}
	v.hiddenLines++
	v.hiddenBytes += len(data)
	return true
}

// sayHidden counts, in one comment, the message text sent but not shown.
func (v *scriptView) sayHidden() {
	if v.hiddenLines == 0 {
		return
	}
	about := ""
	if v.about != "" {
		about = ", " + v.about
	}
	v.about = ""
	switch v.show {
	case ShowHeaders:
		v.rec.Comment(fmt.Sprintf("message body%s: %d line(s), %d bytes sent but not shown (--show headers)", about, v.hiddenLines, v.hiddenBytes))
	case ShowNone:
		v.rec.Comment(fmt.Sprintf("message%s: %d line(s), %d bytes sent but not shown (--show none)", about, v.hiddenLines, v.hiddenBytes))
	default:
		v.rec.Comment(fmt.Sprintf("%d more line(s), %d bytes of message text sent but not shown", v.hiddenLines, v.hiddenBytes))
	}
}

// FeedRecorder is the one place tap lines become transcript entries, for
// the script view, --record and a lesson's transcript alike.
func FeedRecorder(rec *transcripts.Recorder, l proto.TapLine) {
	switch l.Kind {
	case proto.Sent:
		rec.Client(l.Data)
	case proto.Received:
		rec.Server(l.Data)
	case proto.Event:
		rec.Event(string(l.Data))
	}
}

// output prints what a colon-command shows as "#" comments, every line of
// it, so a script's output stays a transcript that parses and replays.
func (v *scriptView) Output(text string) {
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		v.rec.Comment(line)
	}
}

// WireHex writes a dump as comments under its line, so the output
// still replays.
func (v *scriptView) WireHex(kind proto.LineKind, dump []string) {
	if v.lastSkipped {
		return
	}
	for _, line := range dump {
		v.rec.Comment(HexLabel(kind) + line)
	}
}

// Timing is a comment: a transcript keeps where the time went and
// still replays.
func (v *scriptView) Timing(text string) { v.rec.Comment(text) }

// DataMode starts counting the message text shown: past bodyShowLimit
// it is counted, not printed.
func (v *scriptView) DataMode(on bool) {
	if on {
		v.countingText, v.bodyShown, v.hiddenLines, v.hiddenBytes, v.inBody = true, 0, 0, 0, false
	}
}

// builtSecret stands in for what :b64 or :plain printed: the output is a
// transcript, kept and shared, and README promises it holds no secret.
func (v *scriptView) builtSecret(name, token string) {
	use := "a line holding only " + token + " sends it as the answer to a 334"
	if token == plainToken {
		use = "AUTH PLAIN " + token + " sends it as the initial response"
	}
	v.rec.Comment(fmt.Sprintf("built <redacted: %s>: %s", name, use))
}

func (v *scriptView) useSecrets(set *transcripts.Secrets) { v.rec.UseSecrets(set) }

// Show is how much message text script mode prints.
type Show uint8

const (
	ShowAll     Show = iota // every line, up to bodyShowLimit per message
	ShowHeaders             // the header; the body is counted in one comment
	ShowNone                // nothing; one comment counts the message
)

// ParseShow reads all, headers or none.
func ParseShow(s string) (Show, error) {
	i := slices.Index(showNames, s)
	if i < 0 {
		return 0, fmt.Errorf("takes all, headers or none, got %q", s)
	}
	return Show(i), nil
}

var showNames = []string{"all", "headers", "none"}

func (sh Show) String() string { return showNames[sh] }
