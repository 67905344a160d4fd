package repl

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/smtprepl/smtprepl/proto/message"
)

// ComposeOptions fix what :compose would otherwise take from the world.
type ComposeOptions struct {
	// Files are looked up before the disk: a lesson's data files.
	Files fs.FS
	// Boundary makes multipart boundaries; nil means random ones, as a
	// mail client makes (message.CounterBoundary gives fixed ones).
	Boundary func() string
	// Now is the clock for the Date field; nil means time.Now.
	Now func() time.Time
	// MessageID makes the Message-ID (left@right); nil means a random one
	// at the From domain.
	MessageID func() string
}

// composer is the message :compose is building. Each session's command
// table holds its own (the table is built per session), so no session
// field is needed and two sessions never share a message.
type composer struct {
	opts  ComposeOptions
	msg   *message.Message
	plain *message.Part
	html  *message.Part
	// inline parts are shown by the HTML through cid: URLs; attachments
	// are offered as files.
	inline []*message.Part
	attach []*message.Part
	// built says the body tree matches the parts; adding a part clears it.
	built bool
}

// composeSub is one :compose subcommand.
type composeSub struct {
	name, args, help string
	run              func(c *composer, ctx context.Context, s *Session, args string) error
}

func composeSubs() []composeSub {
	return []composeSub{
		{"new", "", "start a new message (the old one is dropped)", (*composer).runNew},
		{"header", "NAME: VALUE", "set a header field: From, To, Cc, Bcc, Sender, Reply-To, Subject, Date, ...", (*composer).runHeader},
		{"text", "plain|html [FILE|\"TEXT\"]", "the text/plain or text/html body, from a file, a Go-quoted string, or typed (end with a lone .)", (*composer).runText},
		{"attach", "FILE [TYPE]", "attach a file (Content-Disposition: attachment, base64)", (*composer).runAttach},
		{"inline", "FILE CID [TYPE]", "add a file the HTML shows in place as <img src=\"cid:CID\"> (multipart/related)", (*composer).runInline},
		{"show", "", "the MIME tree and the exact bytes", (*composer).runShow},
		{"send", "", "send it: MAIL FROM, RCPT TO and DATA as needed from From/Sender, To, Cc and Bcc, or just DATA in an open transaction", (*composer).runSend},
		{"save", "FILE.eml", "write it to a file a mail client opens", (*composer).runSave},
	}
}

// composeCommand is :compose; the message being built is the session's
// (Session.composer), so the table stays the same for every session.
func composeCommand() command {
	var usage strings.Builder
	for _, sc := range composeSubs() {
		fmt.Fprintf(&usage, "\n    :compose %-30s %s", strings.TrimSpace(sc.name+" "+sc.args), sc.help)
	}
	return command{
		name:    "compose",
		args:    "new|header|text|attach|inline|show|send|save ...",
		summary: "build a MIME message step by step, each step explained, then show, send or save it",
		detail:  "The parts are arranged for you: text/plain and text/html in multipart/alternative, inline images with the HTML in multipart/related, attachments in multipart/mixed." + usage.String(),
		run: func(ctx context.Context, s *Session, args string) error {
			return s.composer.run(ctx, s, args)
		},
		completeAt: completeCompose,
	}
}

// composeFileAt is where each subcommand takes a file: the number of
// words before it, the subcommand's own included.
var composeFileAt = map[string]int{"attach": 1, "inline": 1, "save": 1, "text": 2}

// completeCompose offers the subcommands first, then a file name where
// the subcommand takes one, and plain or html after text.
func completeCompose(_ *Session, before []string, word string) []string {
	switch {
	case len(before) == 0:
		return matchPrefix(word, composeSubNames())
	case strings.EqualFold(before[0], "text") && len(before) == 1:
		return matchPrefix(word, []string{"plain", "html"})
	}
	if at, ok := composeFileAt[strings.ToLower(before[0])]; ok && at == len(before) {
		return completeFiles(word)
	}
	return nil
}

func composeSubNames() []string {
	var names []string
	for _, sc := range composeSubs() {
		names = append(names, sc.name)
	}
	return names
}

func (c *composer) run(ctx context.Context, s *Session, args string) error {
	name, rest, _ := strings.Cut(args, " ")
	for _, sc := range composeSubs() {
		if sc.name == strings.ToLower(name) {
			return sc.run(c, ctx, s, strings.TrimSpace(rest))
		}
	}
	if name == "" {
		s.view.output(c.status())
		return nil
	}
	return fmt.Errorf("no :compose %s; try one of: %s", name, strings.Join(composeSubNames(), " "))
}

// ensure starts a message when the first step is not :compose new, and
// says so, because a silent start would hide where the header came from.
func (c *composer) ensure(s *Session) {
	if c.msg == nil {
		c.reset()
		s.view.note("started a new message (:compose new starts another)")
	}
}

func (c *composer) reset() {
	*c = composer{opts: c.opts, msg: message.New(message.Options{Boundary: c.opts.Boundary, Now: c.opts.Now})}
}

func (c *composer) runNew(_ context.Context, s *Session, _ string) error {
	c.reset()
	s.view.note("new message: set From, To and Subject with :compose header, add a body with :compose text, then :compose show or send")
	return nil
}
