package repl

import (
	"github.com/smtprepl/smtprepl/proto"
)

// View is what the session core needs from any front end: the wire, what
// a colon-command prints on purpose, and when message text starts and
// ends. Script mode's transcript is a View and nothing more, so its output
// can be replayed.
type View interface {
	Wire(l proto.TapLine)
	// Output is for what a colon-command prints on purpose (:b64 and friends).
	Output(text string)
	// DataMode is on between 354 and the end of the message.
	DataMode(on bool)
}

// Explainer is a View for a person at a terminal: explanations under
// replies, notes and warnings, and the lines it shows differently from
// the wire. The session gives it all of these; a plain View gets none.
type Explainer interface {
	View
	Reply(verb string, r *proto.Reply)
	Capabilities(now, before *proto.Capabilities, afterTLS bool)
	TLS(info *proto.TLSInfo)
	Note(text string)
	// Warn says something is probably wrong before it goes on the wire.
	Warn(text string)
	// HideNext shows label instead of the next line the client sends: a
	// password, even base64-encoded, never reaches the screen.
	HideNext(label string)
	// Body shows one line of message text as it goes on the wire
	// (stuffed); the DATA writer buffers, so the tap would see it late.
	Body(wireLine string)
}

// RawViewer is an Explainer that can show exact bytes (:wire on).
type RawViewer interface{ SetRaw(on bool) }

// Sizer is a view that knows its width in columns, for text the session
// lays out itself (:help).
type Sizer interface{ Width() int }

// front is the session's side of its view: the View, and the explainer
// when a person reads along (nil in script mode, where none of it is
// output).
type front struct {
	View
	person Explainer
}

func newFront(v View) front {
	p, _ := v.(Explainer)
	return front{View: v, person: p}
}

func (f front) wire(l proto.TapLine) { f.View.Wire(l) }
func (f front) output(text string)   { f.View.Output(text) }
func (f front) dataMode(on bool)     { f.View.DataMode(on) }

func (f front) reply(verb string, r *proto.Reply) {
	if f.person != nil {
		f.person.Reply(verb, r)
	}
}

func (f front) capabilities(now, before *proto.Capabilities, afterTLS bool) {
	if f.person != nil {
		f.person.Capabilities(now, before, afterTLS)
	}
}

func (f front) tls(info *proto.TLSInfo) {
	if f.person != nil {
		f.person.TLS(info)
	}
}

func (f front) note(text string) {
	if f.person != nil {
		f.person.Note(text)
	}
}

func (f front) warn(text string) {
	if f.person != nil {
		f.person.Warn(text)
	}
}

func (f front) hideNext(label string) {
	if f.person != nil {
		f.person.HideNext(label)
	}
}

func (f front) body(wireLine string) {
	if f.person != nil {
		f.person.Body(wireLine)
	}
}

// width is the view's, for text the session lays out itself.
func (f front) width() int {
	if s, ok := f.View.(Sizer); ok {
		return s.Width()
	}
	return 100
}
