package transcripts

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/visible"
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
	sv, _ := SurveyStream(t.Stream())
	return sv.Redactions
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
// recorded client lines (secrets still redacted) and the replies received,
// with every secret sent cut out of them, as a [Recorder] would.
// When the server closes the connection, or a DATA is answered otherwise
// than recorded so that the body cannot be sent, the replay ends there
// without error and the steps not reached are missing from the result. An
// error (timeout, TLS failure, malformed reply) comes with what happened
// until then.
func Replay(ctx context.Context, c *proto.Client, want *Transcript, opts ReplayOptions) (*Transcript, error) {
	sv, _ := SurveyStream(want.Stream()) // a transcript's stream has no errors
	got := &Transcript{Version: 1}
	err := ReplayStream(ctx, c, want.Stream(), sv, opts, func(e Entry) { got.Entries = append(got.Entries, e) })
	return got, err
}

// ReplayStream is [Replay] for a recording read as a stream, whose
// [Survey] was taken beforehand: it hands each entry of what happened to
// got as it happens, so that a recording of millions of lines is never
// held whole. It returns an error from the stream too.
func ReplayStream(ctx context.Context, c *proto.Client, want EntrySource, sv Survey, opts ReplayOptions, got func(Entry)) error {
	if sv.Pattern != 0 {
		return sv.PatternError()
	}
	r := &replayer{c: c, opts: opts, upgrade: opts.StartTLS && !sv.StartTLS, got: got, ehlo: sv.EHLOName}
	if info := c.TLS(); info != nil {
		// TLS from the first byte: the handshake was the dial's.
		r.tlsEvents(info)
	}
	xs := &exchangeReader{src: want, chunked: true}
	for {
		x, err := xs.next()
		if x == nil || err != nil {
			return err
		}
		if stop, err := r.exchange(ctx, *x); stop || err != nil {
			return r.secrets.ScrubError(err)
		}
	}
}

// maxRedactions bounds the names a Survey lists: a session has a few
// secrets; a file may name millions, each of which would be asked for.
const maxRedactions = 64

// Survey is what a replay must know of a recording before it starts.
type Survey struct {
	Steps      int      // as [Transcript.Steps]
	Redactions []string // as [Transcript.Redactions], at most maxRedactions+1
	StartTLS   bool     // the recording upgrades the connection itself
	EHLOName   string   // the name its client gave in its first EHLO or HELO
	// Pattern is the line of its first C~ pattern, which replay cannot
	// send; 0 when it has none.
	Pattern int
}

// PatternError says that a recording with a C~ pattern cannot be replayed.
func (sv Survey) PatternError() error {
	return fmt.Errorf("transcripts: line %d is a C~ pattern, which replay cannot send (patterns are for mock and diff)", sv.Pattern)
}

// SurveyStream reads a recording once, to take its [Survey].
func SurveyStream(src EntrySource) (Survey, error) {
	sv := Survey{EHLOName: "localhost"}
	seen := map[string]bool{}
	named := false
	r := &stepReader{bound: true, src: surveyed{src, func(e Entry) {
		if e.Kind != Client {
			return
		}
		if e.Pattern && sv.Pattern == 0 {
			sv.Pattern = max(e.Line, 1)
		}
		if e.Redacted != "" && !seen[e.Redacted] && len(seen) <= maxRedactions {
			seen[e.Redacted] = true
			sv.Redactions = append(sv.Redactions, e.Redacted)
		}
		named = named || sv.noteCommand(e, named)
	}}}
	for {
		st, err := r.next()
		if st == nil || err != nil {
			return sv, err
		}
		sv.Steps++
	}
}

// noteCommand takes what a client line says about STARTTLS and, unless
// named, the EHLO name; it reports whether it took the name.
func (sv *Survey) noteCommand(e Entry, named bool) bool {
	switch v := commandVerb(e); v {
	case "STARTTLS":
		sv.StartTLS = true
	case "EHLO", "HELO":
		if _, arg := cutField(lineText(e)); ehloArg(arg) && !named {
			sv.EHLOName = strings.TrimSpace(arg)
			return true
		}
	}
	return false
}

// ehloArg reports whether a recorded EHLO argument may be sent again in
// the EHLO that --starttls adds: one word of at most 255 printable ASCII
// characters (a domain or an address literal), nothing a file could use
// to smuggle a command or a megabyte.
func ehloArg(arg string) bool {
	arg = strings.TrimSpace(arg)
	if arg == "" || len(arg) > 255 {
		return false
	}
	for i := 0; i < len(arg); i++ {
		if arg[i] <= ' ' || arg[i] >= 0x7f {
			return false
		}
	}
	return true
}

// surveyed shows each entry of a stream to look as it goes by.
type surveyed struct {
	src  EntrySource
	look func(Entry)
}

func (s surveyed) Next() (Entry, error) {
	e, err := s.src.Next()
	if err == nil {
		s.look(e)
	}
	return e, err
}

// replayer is the state of one replay.
type replayer struct {
	c       *proto.Client
	opts    ReplayOptions
	got     func(Entry)
	ehlo    string // the name for ReplayOptions.StartTLS's EHLO
	upgrade bool   // ReplayOptions.StartTLS, still to be done
	// now is today's dialogue and want the recording's, each fed what
	// went out and what came back: where they stand says when TLS starts
	// and when message text may go.
	now  proto.Session
	want wireModel
	// underTLS says the recording's connection was encrypted by now: its
	// STARTTLS was answered 220, or it says TLS was established.
	underTLS bool
	refused  string // today's answer to a STARTTLS that was refused
	// skipText: today's server refused a DATA the recording had
	// accepted, so the recording's message text and its "." are not sent
	// (a refused command's lines never are); the replay goes on after.
	skipText bool
	// skipReplies counts the recorded replies to lines not sent (the
	// skipped "."), which are not waited for.
	skipReplies int
	// secrets are those sent, cut out of every reply, event and error
	// before anyone sees them: a server may echo them back.
	secrets Secrets
}

// exchange replays one exchange; stop says the replay cannot go on.
func (r *replayer) exchange(ctx context.Context, x Exchange) (stop bool, err error) {
	for _, e := range x.Events {
		r.underTLS = r.underTLS || tlsEvent(e)
		r.want.event(e)
	}
	if len(x.Body)+len(x.Commands) > 0 {
		if err := r.guard(ctx, x); err != nil {
			return true, err
		}
		if stop, err := r.send(x); stop || err != nil {
			return stop, err
		}
	}
	for _, rec := range x.Replies {
		if r.skipReplies > 0 {
			r.skipReplies--
			for _, e := range rec {
				r.want.server(e)
			}
			r.want.finish()
			continue
		}
		if stop, err := r.receive(ctx, rec); stop || err != nil {
			return stop, err
		}
	}
	if r.upgrade && len(x.Replies) > 0 {
		r.upgrade = false
		return false, r.startTLS(ctx, r.ehlo)
	}
	return false, nil
}

// send writes the body and commands of one exchange in one flush.
func (r *replayer) send(x Exchange) (stop bool, err error) {
	for _, e := range append(append([]Entry{}, x.Body...), x.Commands...) {
		if r.skipText {
			r.want.client(e)
			if dataEnd(e) {
				r.skipText = false
				r.skipReplies++
			}
			continue
		}
		r.got(Entry{Kind: e.Kind, Text: e.Text, Exact: e.Exact, Redacted: e.Redacted})
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
		r.sent(e)
	}
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
		return nil, fmt.Errorf("transcripts: replay: line %d needs the secret %s, and none was given", e.Line, quoteClip(e.Redacted, maxShown))
	}
	secret, err := r.opts.Secret(e.Redacted)
	if err != nil {
		return nil, fmt.Errorf("transcripts: replay: secret %s: %w", quoteClip(e.Redacted, maxShown), err)
	}
	r.secrets.Learn(e.Redacted, secret)
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
		r.got(FromWire(Server, r.secrets.ScrubBytes([]byte(line+"\r\n"))))
	}
	for _, e := range rec {
		r.want.server(e)
	}
	want := r.want.finish() // a chunked reader keeps a long reply's first lines only
	now := r.now.Receive(reply)
	r.noteTLS(now, want, reply)
	switch {
	case now == proto.PhaseHandshake:
		return false, r.handshake(ctx)
	case want == proto.PhaseData && now != proto.PhaseData:
		r.event(fmt.Sprintf("message text not sent: DATA was answered %d, the recording has %s; the replay goes on after its \".\"", reply.Code, shown(rec[0])))
		r.skipText = true
	case now == proto.PhaseData && want != proto.PhaseData:
		// Today's server waits for text the recording never sent: any
		// line now would be message text, and ending it would send it.
		r.event(fmt.Sprintf("replay stopped: DATA was answered %d, the recording has %s", reply.Code, shown(rec[0])))
		return true, nil
	}
	return false, nil
}

// sent feeds a client line that went out to both models: the recording
// sent it too. Where the recording's dialogue went on past a STARTTLS,
// its handshake was done; today's is done by then.
func (r *replayer) sent(e Entry) {
	r.want.client(e)
	line := lineText(e)
	if r.now.Phase() == proto.PhaseData && dataEnd(e) {
		line = "."
	}
	r.now.Send(line)
}

// handshake starts TLS. A server that answered 220 to STARTTLS waits for
// a handshake even where the recording shows a refusal, so the replay
// always does it then: in plaintext nothing more could be compared.
func (r *replayer) handshake(ctx context.Context) error {
	info, err := r.c.StartTLS(ctx)
	if err != nil {
		return fmt.Errorf("transcripts: replay: %w", err)
	}
	r.now.TLSEstablished()
	r.tlsEvents(info)
	return nil
}

// tlsEvents says TLS came up, and with which certificate, as a recording
// made with --record says it: the comparison reads both.
func (r *replayer) tlsEvents(info *proto.TLSInfo) {
	r.event(fmt.Sprintf("TLS established: %s %s", info.Version, info.Cipher))
	r.event(proto.CertificateEvent(info))
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
		if r.now.Feed(step.line, reply); reply.Code != step.code {
			return fmt.Errorf("transcripts: replay: --starttls: %s was answered %s", visible.Clip(step.line, maxShown), quoteClip(reply.String(), maxShown))
		}
	}
	r.event("EHLO " + name + " and STARTTLS sent outside the recording")
	return r.handshake(ctx)
}

// noteTLS follows whether the recording, and today's server, encrypted
// the connection at a STARTTLS: the recording's went to the handshake.
func (r *replayer) noteTLS(now, want proto.Phase, reply *proto.Reply) {
	if want != proto.PhaseHandshake {
		return
	}
	r.underTLS = true
	if now != proto.PhaseHandshake {
		r.refused = quoteClip(reply.String(), maxShown)
	}
}

// guard stops the replay before a line that carries a secret, an AUTH
// command or a redacted line, would go out in clear where the recording
// sent it under TLS: a server that refuses STARTTLS today, or a man in the
// middle that strips it, must not get the credentials. It says QUIT
// first, politely; its reply does not matter.
func (r *replayer) guard(ctx context.Context, x Exchange) error {
	if !r.underTLS || r.c.TLS() != nil {
		return nil
	}
	for _, e := range x.Commands {
		if e.Redacted == "" && commandVerb(e) != "AUTH" {
			continue
		}
		r.c.Cmd(ctx, "QUIT")
		why := "the recording's connection was encrypted and this one is not (replay it with --tls or --starttls)"
		if r.refused != "" {
			why = "the recording sent it under TLS, and today STARTTLS was answered " + r.refused
		}
		r.event("replay stopped before AUTH: the connection is not encrypted")
		return fmt.Errorf("transcripts: replay stopped before AUTH, so no secret was sent in clear: %s", why)
	}
	return nil
}

// tlsEvent reports an event line that says TLS began: smtprepl's
// "TLS established: ..." or swaks's "TLS started with cipher ...".
func tlsEvent(e Entry) bool {
	return e.Kind == Event && (strings.HasPrefix(e.Text, "TLS established") || strings.HasPrefix(e.Text, "TLS started"))
}

func (r *replayer) event(text string) {
	r.got(Entry{Kind: Event, Text: r.secrets.Scrub(text)})
}

// commandVerb is a client line's command word, upper-cased.
func commandVerb(e Entry) string {
	v, _ := cutField(lineText(e))
	return strings.ToUpper(v)
}
