package transcripts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
)

// ReplayOptions configure [Replay].
type ReplayOptions struct {
	// Secret returns what to send in place of the marker "<redacted: NAME>",
	// exactly as it goes on the wire (base64 for AUTH). Nil makes a redacted
	// line an error; [Transcript.Redactions] lists the names beforehand.
	Secret func(name string) (string, error)
	// StartTLS upgrades the connection right after the greeting with an
	// EHLO and a STARTTLS that are not part of the recording, so that a
	// plaintext recording can be replayed under TLS. Their replies are not
	// compared. It does nothing when the recording has its own STARTTLS.
	StartTLS bool
}

// Redactions lists the secrets that the transcript's client lines lack,
// each name once, in order of appearance: what [Replay] will ask for.
func (t *Transcript) Redactions() []string {
	var names []string
	for _, e := range t.Entries {
		if e.Kind == Client && e.Redacted != "" && !slices.Contains(names, e.Redacted) {
			names = append(names, e.Redacted)
		}
	}
	return names
}

// Steps is the number of steps Compare pairs up in t: each reply, with
// the command it answered, and each command left unanswered.
func (t *Transcript) Steps() int { return len(steps(t)) }

// Replay sends the client side of want over c, exchange by exchange, and
// reads as many replies as were recorded after each. A pipelined batch is
// sent in one write; client lines go out exactly as recorded (a DATA body
// is already dot-stuffed, C= lines are their exact bytes); narrative lines
// and elisions send nothing. After a STARTTLS answered 220 it does the TLS
// handshake.
//
// The returned transcript is what happened, for [Compare] with want: the
// recorded client lines (secrets still redacted) and the replies received.
// When the server closes the connection, or a DATA is answered otherwise
// than recorded so that the body cannot be sent, the replay ends there
// without error and the steps not reached are missing from the result. An
// error (timeout, TLS failure, malformed reply) comes with what happened
// until then.
func Replay(ctx context.Context, c *proto.Client, want *Transcript, opts ReplayOptions) (*Transcript, error) {
	r := &replayer{c: c, opts: opts, upgrade: opts.StartTLS && !hasStartTLS(want)}
	r.got.Version = 1
	for _, x := range want.Exchanges() {
		if stop, err := r.exchange(ctx, x, want); stop || err != nil {
			return &r.got, err
		}
	}
	return &r.got, nil
}

// replayer is the state of one replay.
type replayer struct {
	c       *proto.Client
	opts    ReplayOptions
	got     Transcript
	sent    []Entry // commands sent and not answered yet, oldest first
	upgrade bool    // ReplayOptions.StartTLS, still to be done
}

// exchange replays one exchange; stop says the replay cannot go on.
func (r *replayer) exchange(ctx context.Context, x Exchange, want *Transcript) (stop bool, err error) {
	if len(x.Body)+len(x.Commands) > 0 {
		if stop, err := r.send(x); stop || err != nil {
			return stop, err
		}
	}
	for _, rec := range x.Replies {
		if stop, err := r.receive(ctx, rec); stop || err != nil {
			return stop, err
		}
	}
	if r.upgrade && len(x.Replies) > 0 {
		r.upgrade = false
		return false, r.startTLS(ctx, ehloName(want))
	}
	return false, nil
}

// send writes the body and commands of one exchange in one flush.
func (r *replayer) send(x Exchange) (stop bool, err error) {
	for _, e := range append(append([]Entry{}, x.Body...), x.Commands...) {
		r.got.Entries = append(r.got.Entries, Entry{Kind: e.Kind, Text: e.Text, Exact: e.Exact, Redacted: e.Redacted})
		if e.Kind == Elision {
			continue // RFC 2920 left the body out: there is nothing to send
		}
		wire, err := r.wire(e)
		if err != nil {
			return true, err
		}
		if err := r.c.QueueRaw(wire); err != nil {
			return r.writeFailed(err)
		}
	}
	r.sent = append(r.sent, x.Commands...)
	if err := r.c.Flush(); err != nil {
		return r.writeFailed(err)
	}
	return false, nil
}

// wire returns the bytes to send for a recorded client line.
func (r *replayer) wire(e Entry) ([]byte, error) {
	if e.Redacted == "" {
		return e.Bytes(), nil
	}
	if r.opts.Secret == nil {
		return nil, fmt.Errorf("transcripts: replay: line %d needs the secret %q, and none was given", e.Line, e.Redacted)
	}
	secret, err := r.opts.Secret(e.Redacted)
	if err != nil {
		return nil, fmt.Errorf("transcripts: replay: secret %q: %w", e.Redacted, err)
	}
	return e.WithSecret(secret).Bytes(), nil
}

// writeFailed ends the replay quietly when the server hung up: the steps
// not reached show as missing, which says more than an error would.
func (r *replayer) writeFailed(err error) (bool, error) {
	if r.c.Closed() {
		r.event("connection closed by server")
		return true, nil
	}
	return true, fmt.Errorf("transcripts: replay: %w", err)
}

// receive reads the reply that the recording answered with rec, and acts
// on what it answers: STARTTLS's 220 starts TLS, a DATA answered otherwise
// than recorded ends the replay, since the body would then be read as
// commands (or commands as body).
func (r *replayer) receive(ctx context.Context, rec []Entry) (stop bool, err error) {
	reply, err := r.c.ReadReply(ctx)
	if err != nil {
		if errors.Is(err, proto.ErrClosed) {
			r.event("connection closed by server")
			return true, nil
		}
		return true, fmt.Errorf("transcripts: replay: %w", err)
	}
	for _, line := range reply.Raw {
		r.got.Entries = append(r.got.Entries, FromWire(Server, []byte(line+"\r\n")))
	}
	if len(r.sent) == 0 {
		return false, nil // the greeting, or a reply nobody asked for
	}
	cmd := r.sent[0]
	r.sent = r.sent[1:]
	switch verb := commandVerb(cmd); {
	case verb == "STARTTLS" && reply.Code == 220:
		return false, r.handshake(ctx)
	case verb == "DATA" && (reply.Code == 354) != (parseReplyLine(lineText(rec[0])).code == 354):
		r.event(fmt.Sprintf("replay stopped: DATA was answered %d, the recording has %s", reply.Code, display(rec[0])))
		return true, nil
	}
	return false, nil
}

// handshake starts TLS. A server that answered 220 to STARTTLS waits for
// a handshake even where the recording shows a refusal, so the replay
// always does it then: in plaintext nothing more could be compared.
func (r *replayer) handshake(ctx context.Context) error {
	info, err := r.c.StartTLS(ctx)
	if err != nil {
		return fmt.Errorf("transcripts: replay: %w", err)
	}
	r.event(fmt.Sprintf("TLS established: %s %s", info.Version, info.Cipher))
	return nil
}

// startTLS is ReplayOptions.StartTLS: EHLO and STARTTLS off the record.
func (r *replayer) startTLS(ctx context.Context, name string) error {
	for _, step := range []struct {
		line string
		code int
	}{{"EHLO " + name, 250}, {"STARTTLS", 220}} {
		reply, err := r.c.Cmd(ctx, step.line)
		if err != nil {
			return fmt.Errorf("transcripts: replay: --starttls: %w", err)
		}
		if reply.Code != step.code {
			return fmt.Errorf("transcripts: replay: --starttls: %s was answered %q", step.line, reply.String())
		}
	}
	r.event("EHLO " + name + " and STARTTLS sent outside the recording")
	return r.handshake(ctx)
}

func (r *replayer) event(text string) {
	r.got.Entries = append(r.got.Entries, Entry{Kind: Event, Text: text})
}

// commandVerb is a client line's command word, upper-cased.
func commandVerb(e Entry) string {
	v, _ := cutField(lineText(e))
	return strings.ToUpper(v)
}

// hasStartTLS reports whether the recording upgrades the connection itself.
func hasStartTLS(t *Transcript) bool {
	for _, x := range t.Exchanges() {
		for _, c := range x.Commands {
			if commandVerb(c) == "STARTTLS" {
				return true
			}
		}
	}
	return false
}

// ehloName is the name the recording's client gave in its first EHLO or
// HELO, for the EHLO that ReplayOptions.StartTLS sends.
func ehloName(t *Transcript) string {
	for _, x := range t.Exchanges() {
		for _, c := range x.Commands {
			if v := commandVerb(c); v == "EHLO" || v == "HELO" {
				if _, arg := cutField(lineText(c)); strings.TrimSpace(arg) != "" {
					return strings.TrimSpace(arg)
				}
			}
		}
	}
	return "localhost"
}
