package lessons_test

import (
	"bytes"
	"mime"
	"net/mail"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/lessons"
	"github.com/smtprepl/smtprepl/proto/message/messagetest"
	"github.com/smtprepl/smtprepl/proto/sandbox"
)

// leaf is one non-multipart part of a message, decoded: what a mail
// client would show or offer to save (text with LF line ends).
type leaf = messagetest.Leaf

// TestLessonMessagesParse reads every message a lesson built with
// :compose back with net/mail and mime/multipart, which share no code
// with the builder, and compares its parts with what the lesson asked for.
func TestLessonMessagesParse(t *testing.T) {
	for _, l := range allLessons(t) {
		want := composedParts(t, l)
		if len(want) == 0 {
			continue
		}
		t.Run(l.Name, func(t *testing.T) {
			got := composedMessages(t, l, play(t, l).mailbox)
			if len(got) != len(want) {
				t.Fatalf("the mailbox holds %d composed messages, the lesson sends %d", len(got), len(want))
			}
			for i := range want {
				if diff := cmp.Diff(want[i], leaves(t, got[i].Data)); diff != "" {
					t.Errorf("message %d (-want +got):\n%s", i+1, diff)
				}
			}
		})
	}
}

// composedMessages keeps the messages :compose sent: their Message-IDs
// come from the test's fixed generator.
func composedMessages(t *testing.T, l lessons.Lesson, box []sandbox.Message) []sandbox.Message {
	t.Helper()
	id := regexp.MustCompile(`^<` + regexp.QuoteMeta(l.Name) + `-\d+@example\.test>$`)
	var out []sandbox.Message
	for _, m := range box {
		msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatalf("net/mail cannot read message %s: %v", m.ID, err)
		}
		if id.MatchString(msg.Header.Get("Message-Id")) {
			out = append(out, m)
		}
	}
	return out
}

// composedParts follows the lesson's :compose lines and returns, for each
// :compose send that should succeed, the parts in the order :compose
// arranges them: plain, HTML, inline files, attachments.
func composedParts(t *testing.T, l lessons.Lesson) [][]leaf {
	t.Helper()
	var out [][]leaf
	var texts, inline, attach []leaf
	for _, st := range l.Steps {
		for _, ln := range st.Lines {
			f := strings.Fields(ln.Text)
			switch {
			case len(f) < 2 || f[0] != ":compose":
			case f[1] == "new":
				texts, inline, attach = nil, nil, nil
			case f[1] == "text":
				texts = setText(texts, leaf{Type: "text/" + f[2], Body: textArg(t, l, ln.Text)})
			case f[1] == "attach":
				attach = append(attach, fileLeaf(t, l, f[2], "attachment", "", f[3:]))
			case f[1] == "inline":
				inline = append(inline, fileLeaf(t, l, f[2], "inline", f[3], f[4:]))
			case f[1] == "send" && !ln.Expect.Error:
				out = append(out, concat(texts, inline, attach))
			}
		}
	}
	return out
}

func setText(texts []leaf, p leaf) []leaf {
	for i, old := range texts {
		if old.Type == p.Type {
			texts[i] = p
			return texts
		}
	}
	if p.Type == "text/plain" {
		return append([]leaf{p}, texts...)
	}
	return append(texts, p)
}

func concat(lists ...[]leaf) []leaf {
	var out []leaf
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// textArg is the text a ":compose text SUB ARG" line gives.
func textArg(t *testing.T, l lessons.Lesson, line string) string {
	t.Helper()
	arg := strings.SplitN(line, " ", 4)[3]
	if strings.HasPrefix(arg, `"`) {
		s, err := strconv.Unquote(arg)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	return string(dataFile(t, l, arg))
}

func fileLeaf(t *testing.T, l lessons.Lesson, name, disposition, cid string, typ []string) leaf {
	t.Helper()
	ct := mime.TypeByExtension(filepath.Ext(name))
	if len(typ) > 0 {
		ct = typ[0]
	}
	mt, _, _ := mime.ParseMediaType(ct)
	return leaf{Type: mt, Disposition: disposition, Filename: name, ContentID: cid, Body: string(dataFile(t, l, name))}
}

func dataFile(t *testing.T, l lessons.Lesson, name string) []byte {
	t.Helper()
	for _, f := range l.Files {
		if f.Name == name {
			return f.Data
		}
	}
	t.Fatalf("lesson %s has no data file %q", l.Name, name)
	return nil
}

// leaves parses a message with the standard library alone.
func leaves(t *testing.T, data []byte) []leaf {
	t.Helper()
	out := messagetest.Parse(t, data).Leaves
	for i, p := range out {
		if strings.HasPrefix(p.Type, "text/") {
			out[i].Body = strings.ReplaceAll(p.Body, "\r\n", "\n")
		}
	}
	return out
}
