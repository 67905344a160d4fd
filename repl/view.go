package repl

import (
	"github.com/smtprepl/smtprepl/proto"
)

// view renders a session. Script mode prints the transcript notation and
// nothing else, so its output can be replayed; the interactive view adds
// colour and explanations.
type view interface {
	wire(l proto.TapLine)
	reply(verb string, r *proto.Reply)
	capabilities(now, before *proto.Capabilities, afterTLS bool)
	tls(info *proto.TLSInfo)
	note(text string)
	// output is for what a colon-command prints on purpose (:b64 and friends).
	output(text string)
	// warn says something is probably wrong before it goes on the wire.
	warn(text string)
	// hideNext shows label instead of the next line the client sends: a
	// password, even base64-encoded, never reaches the screen.
	hideNext(label string)
	// body shows one line of message text as it goes on the wire
	// (stuffed); the DATA writer buffers, so the tap would see it late.
	body(wireLine string)
	// dataMode is on between 354 and the end of the message.
	dataMode(on bool)
}
