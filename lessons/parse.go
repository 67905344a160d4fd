package lessons

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/smtprepl/smtprepl/proto/visible"
	"github.com/smtprepl/smtprepl/transcripts"
)

// Parse reads one lesson file (the format is in README.md); name is the
// lesson's name, the file name without ".txtar". Errors name the file and
// line, because the person fixing them is a teacher with an editor; an
// error is a *FileError listing every problem found.
func Parse(name string, data []byte) (Lesson, error) {
	return parse(name+".txtar", name, data)
}

func parse(file, name string, data []byte) (Lesson, error) {
	a := transcripts.ParseTxtar(data)
	l := Lesson{Name: name}
	p := &parser{file: file}
	p.plainText(1, a.Comment)
	p.header(&l, a.Comment)
	n := countLines(a.Comment)
	for _, f := range a.Files {
		n++ // the marker line
		if title, ok := strings.CutPrefix(f.Name, "step:"); ok {
			p.plainText(n, []byte(f.Name))
			p.plainText(n+1, f.Data)
			l.Steps = append(l.Steps, p.step(strings.TrimSpace(title), f.Data, n))
		} else {
			p.plainText(n, []byte(f.Name))
			l.Files = append(l.Files, p.dataFile(f, n))
		}
		n += countLines(f.Data)
	}
	if l.Title == "" {
		p.errorf(1, "no \"title:\" line in the header")
	}
	if len(l.Steps) == 0 {
		p.errorf(n, "no \"-- step: Title --\" section")
	}
	if err := p.result(); err != nil {
		return Lesson{}, err
	}
	return l, nil
}

// parser collects the problems of a file and reads on after each one, so
// that a teacher sees them all at once; it stops noting them past
// maxProblems, so a hostile file cannot make the list as long as itself.
type parser struct {
	file     string
	problems []Problem
	more     int // problems past maxProblems
}

// maxProblems bounds the problems a FileError lists.
const maxProblems = 50

func (p *parser) errorf(line int, format string, args ...any) {
	if len(p.problems) >= maxProblems {
		p.more++
		return
	}
	p.problems = append(p.problems, Problem{Line: line, Text: fmt.Sprintf(format, args...)})
}

func (p *parser) result() error {
	if len(p.problems) == 0 {
		return nil
	}
	slices.SortStableFunc(p.problems, func(a, b Problem) int { return cmp.Compare(a.Line, b.Line) })
	return &FileError{File: p.file, Problems: p.problems, More: p.more}
}

// plainText notes every line of text from line first on that holds a
// control or an invisible format character (an escape sequence, a bidi
// override): prose and typed lines reach the terminal as they are written.
// A tab is allowed; message text is typed with a :compose or after DATA.
func (p *parser) plainText(first int, text []byte) {
	for i, line := range splitLines(text) {
		if t := strings.ReplaceAll(line, "\t", " "); !visible.TextSafe(t) {
			p.errorf(first+i, "a control or invisible character, shown escaped: %s; a lesson is plain text", visible.Clip(t, 200))
		}
	}
}

func countLines(b []byte) int { return bytes.Count(b, []byte("\n")) }

func splitLines(b []byte) []string {
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// header reads the "key: value" lines before the first section.
func (p *parser) header(l *Lesson, comment []byte) {
	for i, line := range splitLines(comment) {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, ":")
		value = strings.TrimSpace(value)
		switch key = strings.TrimSpace(key); {
		case !ok:
			p.errorf(i+1, "header lines are \"key: value\", got %q", line)
		case key == "title":
			l.Title = value
		case key == "summary":
			l.Summary = value
		case key == "order":
			n, err := strconv.Atoi(value)
			if err != nil {
				p.errorf(i+1, "order must be a number, got %q", value)
			}
			l.Order = n
		case key == "sandbox":
			l.Sandbox = p.sandbox(i+1, value)
		default:
			p.errorf(i+1, "unknown header key %q (title, summary, order, sandbox)", key)
		}
	}
}

// sandbox reads "require-tls, max-errors 3".
func (p *parser) sandbox(line int, value string) SandboxOptions {
	var o SandboxOptions
	for _, opt := range strings.Split(value, ",") {
		f := strings.Fields(opt)
		switch {
		case len(f) == 1 && (f[0] == "require-tls" || f[0] == "tls-required"): // the latter: --scenario's name
			o.RequireTLS = true
		case len(f) == 1 && f[0] == "greylisting":
			o.Greylist = true
		case len(f) == 1 && f[0] == "auth-fails-once":
			o.AuthFailsOnce = true
		case len(f) == 2 && f[0] == "reject-rcpt":
			n, err := strconv.Atoi(f[1])
			if err != nil || n < 1 || n > 1000 {
				p.errorf(line, "reject-rcpt needs a number from 1 to 1000, got %q", f[1])
			}
			o.RejectRcpt = n
		case len(f) == 2 && f[0] == "421-at":
			if !slices.Contains([]string{"greeting", "ehlo", "mail", "rcpt", "data", "dot"}, f[1]) {
				p.errorf(line, "421-at needs greeting, ehlo, mail, rcpt, data or dot, got %q", f[1])
			}
			o.Drop421At = f[1]
		case len(f) == 2 && f[0] == "size-limit":
			n, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil || n < 1 || n > 1<<30 {
				p.errorf(line, "size-limit needs a number of bytes from 1 to 1073741824, got %q", f[1])
			}
			o.MaxSize = n
		case len(f) == 2 && f[0] == "max-errors":
			n, err := strconv.Atoi(f[1])
			if err != nil || n < 1 {
				p.errorf(line, "max-errors needs a positive number, got %q", f[1])
			}
			o.MaxErrors = n
		default:
			p.errorf(line, "unknown sandbox option or scenario %q (require-tls or tls-required, greylisting, auth-fails-once, reject-rcpt N, 421-at STAGE, size-limit BYTES, max-errors N)", strings.TrimSpace(opt))
		}
	}
	return o
}

// dataFile decodes a ".b64" section; any other section is used as it is.
func (p *parser) dataFile(f transcripts.File, line int) File {
	file := File{Name: f.Name, Data: f.Data, Section: f.Name, Text: f.Data}
	if name, ok := strings.CutSuffix(f.Name, ".b64"); ok {
		clean := strings.Join(strings.Fields(string(f.Data)), "")
		data, err := base64.StdEncoding.DecodeString(clean)
		if err != nil {
			p.errorf(line, "section %q is not base64: %v", f.Name, err)
		}
		file.Name, file.Data = name, data
	}
	if file.Name == "" || strings.ContainsAny(file.Name, "/\\ ") {
		p.errorf(line, "data file name %q must be a plain file name", file.Name)
	}
	return file
}
