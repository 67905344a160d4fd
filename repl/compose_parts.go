package repl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/smtprepl/smtprepl/proto/message"
)

// maxTextBytes bounds a text body read from a file: text is held in
// memory to choose its encoding, and a body that big is an attachment.
const maxTextBytes = 1 << 20

func (c *composer) runHeader(_ context.Context, s *Session, args string) error {
	name, value, ok := strings.Cut(args, ":")
	if !ok || strings.TrimSpace(name) == "" {
		return errors.New("usage: :compose header NAME: VALUE (e.g. :compose header Subject: Hello)")
	}
	c.ensure(s)
	step, err := c.msg.Set(strings.TrimSpace(name), strings.TrimSpace(value))
	if err != nil {
		return err
	}
	s.showStep(step)
	return nil
}

func (c *composer) runText(_ context.Context, s *Session, args string) error {
	sub, src, _ := strings.Cut(args, " ")
	sub = strings.ToLower(sub)
	if sub != "plain" && sub != "html" {
		return errors.New("usage: :compose text plain|html [FILE|\"TEXT\"]")
	}
	body, err := c.textBody(s, strings.TrimSpace(src))
	if err != nil {
		return err
	}
	c.ensure(s)
	c.msg.SetEightBitMIME(s.model.Capabilities().EightBitMIME())
	p := c.msg.Text(sub, body)
	if err := p.Err(); err != nil {
		return err
	}
	if old := c.textSlot(sub); *old != nil {
		s.view.note("replacing the text/" + sub + " body given before")
	}
	*c.textSlot(sub) = p
	c.built = false
	s.showStep(p.Describe())
	return nil
}

func (c *composer) textSlot(sub string) **message.Part {
	if sub == "html" {
		return &c.html
	}
	return &c.plain
}

// textBody reads a body from a Go-quoted string, a file, or, in the
// shell, the lines typed up to a lone ".".
func (c *composer) textBody(s *Session, src string) (string, error) {
	switch {
	case strings.HasPrefix(src, `"`):
		text, err := strconv.Unquote(src)
		if err != nil {
			return "", fmt.Errorf("%s is not a Go-quoted string (\\n for a line break): %w", src, err)
		}
		return text, nil
	case src != "":
		return c.readText(src)
	case s.ask == nil:
		return "", errors.New("give the text as a FILE or a \"quoted string\"; typing it needs the interactive shell")
	}
	return askText(s)
}

func askText(s *Session) (string, error) {
	s.view.note("type the text; a line holding only \".\" ends it")
	var b strings.Builder
	for {
		line, err := s.ask.Ask("text> ")
		if err != nil {
			return "", err
		}
		if line == "." {
			return b.String(), nil
		}
		b.WriteString(line + "\n")
	}
}

func (c *composer) readText(name string) (string, error) {
	f, err := c.openFile(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxTextBytes+1))
	switch {
	case err != nil:
		return "", fmt.Errorf(":compose: reading %s: %w", name, err)
	case len(data) > maxTextBytes:
		return "", fmt.Errorf(":compose: %s is over %d bytes: attach it instead (:compose attach)", name, maxTextBytes)
	}
	return string(data), nil
}

// openFile looks in the lesson's files first, then on disk.
func (c *composer) openFile(name string) (io.ReadCloser, error) {
	if c.opts.Files != nil {
		if f, err := c.opts.Files.Open(name); err == nil {
			return f, nil
		}
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf(":compose: %w", err)
	}
	return f, nil
}

// opener checks now that the file can be read, and opens it again when
// the message is written, so a big file is streamed, never held.
func (c *composer) opener(name string) (message.Opener, error) {
	if c.opts.Files != nil {
		if _, err := fs.Stat(c.opts.Files, name); err == nil {
			return func() (io.ReadCloser, error) { return c.opts.Files.Open(name) }, nil
		}
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf(":compose: %w", err)
	}
	f.Close()
	return message.File(name), nil
}

func (c *composer) runAttach(_ context.Context, s *Session, args string) error {
	f := strings.Fields(args)
	if len(f) < 1 || len(f) > 2 {
		return errors.New("usage: :compose attach FILE [TYPE]")
	}
	open, err := c.opener(f[0])
	if err != nil {
		return err
	}
	c.ensure(s)
	p := c.msg.Attachment(f[0], optional(f, 1), open)
	return c.addFile(s, p, &c.attach)
}

func (c *composer) runInline(_ context.Context, s *Session, args string) error {
	f := strings.Fields(args)
	if len(f) < 2 || len(f) > 3 {
		return errors.New("usage: :compose inline FILE CID [TYPE] (the HTML shows it with <img src=\"cid:CID\">)")
	}
	open, err := c.opener(f[0])
	if err != nil {
		return err
	}
	c.ensure(s)
	p := c.msg.Inline(f[0], f[1], optional(f, 2), open)
	return c.addFile(s, p, &c.inline)
}

func (c *composer) addFile(s *Session, p *message.Part, list *[]*message.Part) error {
	if err := p.Err(); err != nil {
		return err
	}
	*list = append(*list, p)
	c.built = false
	s.showStep(p.Describe())
	return nil
}

func optional(f []string, i int) string {
	if i < len(f) {
		return f[i]
	}
	return ""
}

// showStep prints what one builder step added and why: the explanation
// as a note, the bytes it wrote as output.
func (s *Session) showStep(st message.Step) {
	head := st.Title
	if st.RFC != "" {
		head += " (" + st.RFC + ")"
	}
	s.view.note(head + ": " + st.Explanation)
	for line := range strings.Lines(st.Wire) {
		s.view.output("  | " + strings.TrimRight(line, "\r\n"))
	}
}
