package message

import (
	"fmt"
	"io"
	"strings"

	"github.com/smtprepl/smtprepl/proto/visible"
)

// Tree writes e as an indented tree, one line per entity:
//
//	multipart/mixed
//	├─ multipart/alternative
//	│  ├─ text/plain; charset=utf-8 (quoted-printable, 120 bytes)
//	│  └─ text/html; charset=utf-8 (quoted-printable, 340 bytes)
//	└─ image/png attachment "logo.png" (base64, 2048 bytes)
func (e *Entity) Tree(w io.Writer) error {
	s := &sink{w: w}
	e.tree(s, "", "")
	return s.err
}

// String returns the tree as Tree writes it.
func (e *Entity) String() string {
	var b strings.Builder
	_ = e.Tree(&b) // a strings.Builder does not fail
	return b.String()
}

func (e *Entity) tree(s *sink, first, rest string) {
	s.str(first + e.Summary() + "\n")
	for i, c := range e.Children {
		if i == len(e.Children)-1 {
			c.tree(s, rest+"└─ ", rest+"   ")
		} else {
			c.tree(s, rest+"├─ ", rest+"│  ")
		}
	}
}

// Summary is the entity's line in the tree. Control characters are
// escaped because the values come from whoever sent the message and the
// line goes to a terminal.
func (e *Entity) Summary() string {
	var b strings.Builder
	b.WriteString(e.MediaType)
	if cs := e.Params["charset"]; cs != "" && strings.HasPrefix(e.MediaType, "text/") {
		b.WriteString("; charset=" + cs)
	}
	if e.Disposition != "" {
		b.WriteString(" " + e.Disposition)
	}
	if e.Filename != "" {
		fmt.Fprintf(&b, " %q", e.Filename)
	}
	if e.ContentID != "" {
		b.WriteString(" <" + e.ContentID + ">")
	}
	if len(e.Children) == 0 {
		fmt.Fprintf(&b, " (%s, %d bytes)", e.Encoding, e.Size)
	}
	if e.Err != nil {
		b.WriteString(" !! " + e.Err.Error())
	}
	return visible.Text(b.String())
}
