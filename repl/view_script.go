package repl

import (
	"fmt"
	"io"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/transcripts"
)

// scriptView prints the session as a transcript (secrets redacted), so the
// output of a script can be saved and replayed.
type scriptView struct {
	rec *transcripts.Recorder
	out io.Writer
}

func newScriptView(out io.Writer) *scriptView {
	return &scriptView{rec: transcripts.NewRecorder(out), out: out}
}

func (v *scriptView) wire(l proto.TapLine) { feedRecorder(v.rec, l) }

// feedRecorder is the one place tap lines become transcript entries, for
// the script view and for --record alike.
func feedRecorder(rec *transcripts.Recorder, l proto.TapLine) {
	switch l.Dir {
	case proto.Sent:
		rec.Client(l.Data)
	case proto.Received:
		rec.Server(l.Data)
	case proto.Event:
		rec.Event(string(l.Data))
	}
}

func (v *scriptView) reply(string, *proto.Reply)                    {}
func (v *scriptView) capabilities(_, _ *proto.Capabilities, _ bool) {}
func (v *scriptView) tls(*proto.TLSInfo)                            {}
func (v *scriptView) note(string)                                   {}
func (v *scriptView) output(text string)                            { fmt.Fprintf(v.out, "# %s\n", text) }

// The transcript already holds every wire line (redacted by the recorder),
// and warnings are not wire data.
func (v *scriptView) warn(string)     {}
func (v *scriptView) hideNext(string) {}
func (v *scriptView) body(string)     {}
func (v *scriptView) dataMode(bool)   {}
