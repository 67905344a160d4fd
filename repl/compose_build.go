package repl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/smtprepl/smtprepl/proto/message"
	"github.com/smtprepl/smtprepl/proto/visible"
)

// composeShowBytes caps the bytes :compose show prints; the tree still
// describes the whole message.
const composeShowBytes = 8 << 10

// assemble arranges the parts the usual way: plain before HTML in
// multipart/alternative (readers show the last form they can), inline
// files beside the HTML that shows them in multipart/related, and
// attachments after the text in multipart/mixed.
func (c *composer) assemble() (*message.Part, error) {
	html := c.html
	if len(c.inline) > 0 {
		if html == nil {
			return nil, errors.New("inline files are shown by an HTML body through cid: URLs: add one with :compose text html first")
		}
		html = c.msg.Related(append([]*message.Part{html}, c.inline...)...)
	}
	texts := slices.DeleteFunc([]*message.Part{c.plain, html}, func(p *message.Part) bool { return p == nil })
	var body *message.Part
	switch len(texts) {
	case 1:
		body = texts[0]
	case 2:
		body = c.msg.Alternative(texts...)
	}
	if len(c.attach) > 0 {
		parts := c.attach
		if body != nil {
			parts = append([]*message.Part{body}, c.attach...)
		}
		body = c.msg.Mixed(parts...)
	}
	return body, nil
}

// build finishes the message for writing and shows the steps that took:
// the containers, and the fields a message needs that were not set.
func (c *composer) build(s *Session) (*message.Message, error) {
	if c.msg == nil {
		return nil, errors.New("no message yet: :compose new starts one")
	}
	seen := len(c.msg.Steps())
	if !c.built {
		body, err := c.assemble()
		if err != nil {
			return nil, err
		}
		if links := message.CIDLinks(c.html); len(c.inline) == 0 && len(links) > 0 {
			s.view.note(fmt.Sprintf("warning: the HTML shows cid:%s, but no inline part has that Content-ID: "+
				"readers will show a broken image (:compose inline FILE %s adds it)", visible.Clip(links[0], 100), visible.Clip(links[0], 100)))
		}
		c.msg.SetBody(body)
		c.built = true
	}
	if c.msg.Header().Get("Message-ID") == "" && c.opts.MessageID != nil {
		if _, err := c.msg.MessageID(c.opts.MessageID()); err != nil {
			return nil, err
		}
	}
	c.msg.Complete()
	for _, st := range c.msg.Steps()[seen:] {
		s.showStep(st)
	}
	return c.msg, nil
}

// render builds the message and writes it out whole: a file that cannot
// be read must fail here, before any SMTP command is sent for it.
func (c *composer) render(s *Session) ([]byte, error) {
	m, err := c.build(s)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (c *composer) runShow(_ context.Context, s *Session, _ string) error {
	data, err := c.render(s)
	if err != nil {
		return err
	}
	tree := "(the message does not parse back)"
	if e, err := message.Parse(bytes.NewReader(data)); err == nil {
		tree = e.String()
	}
	s.view.output("MIME structure:")
	for line := range strings.Lines(tree) {
		s.view.output("  " + strings.TrimRight(line, "\n"))
	}
	s.view.output(fmt.Sprintf("The message, %d bytes, as DATA will send it (before dot-stuffing):", len(data)))
	shown := data[:min(len(data), composeShowBytes)]
	for line := range strings.Lines(string(shown)) {
		s.view.output("  " + strings.TrimRight(line, "\r\n"))
	}
	if len(shown) < len(data) {
		s.view.output(fmt.Sprintf("  … (%d more bytes)", len(data)-len(shown)))
	}
	return nil
}

func (c *composer) runSave(_ context.Context, s *Session, args string) error {
	if args == "" {
		return errors.New("usage: :compose save FILE.eml")
	}
	data, err := c.render(s)
	if err != nil {
		return err
	}
	if err := os.WriteFile(args, data, 0o644); err != nil {
		return fmt.Errorf(":compose save: %w", err)
	}
	s.view.note(fmt.Sprintf("saved %s (%d bytes, CRLF line ends): a mail client opens it as a message", args, len(data)))
	return nil
}

// status summarises the message so far, for :compose alone.
func (c *composer) status() string {
	if c.msg == nil {
		return "no message yet: :compose new starts one (:help :compose lists the steps)"
	}
	var b strings.Builder
	b.WriteString("message so far:\n")
	for _, f := range c.msg.Header() {
		fmt.Fprintf(&b, "  %s: %s\n", f.Name, f.Value)
	}
	for _, p := range slices.Concat([]*message.Part{c.plain, c.html}, c.inline, c.attach) {
		if p != nil {
			fmt.Fprintf(&b, "  part: %s\n", p.Describe().Title)
		}
	}
	rcpts := strings.Join(c.msg.Recipients(), ", ")
	if rcpts == "" {
		rcpts = "none yet (To, Cc or Bcc)"
	}
	fmt.Fprintf(&b, "  envelope recipients: %s", rcpts)
	return b.String()
}
