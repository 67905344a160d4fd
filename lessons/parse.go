package lessons

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/smtprepl/smtprepl/transcripts"
)

// Parse reads one lesson file (the format is in README.md); name is the
// lesson's name, the file name without ".txtar". Errors name the file and
// line, because the person fixing them is a teacher with an editor.
func Parse(name string, data []byte) (Lesson, error) {
	a := transcripts.ParseTxtar(data)
	l := Lesson{Name: name}
	p := &parser{file: name + ".txtar"}
	p.header(&l, a.Comment)
	n := countLines(a.Comment)
	for _, f := range a.Files {
		n++ // the marker line
		if title, ok := strings.CutPrefix(f.Name, "step:"); ok {
			l.Steps = append(l.Steps, p.step(strings.TrimSpace(title), f.Data, n))
		} else {
			l.Files = append(l.Files, p.dataFile(f, n))
		}
		n += countLines(f.Data)
	}
	switch {
	case p.err != nil:
		return Lesson{}, p.err
	case l.Title == "":
		return Lesson{}, fmt.Errorf("lessons: %s: no \"title:\" line in the header", p.file)
	case len(l.Steps) == 0:
		return Lesson{}, fmt.Errorf("lessons: %s: no \"-- step: Title --\" section", p.file)
	}
	return l, nil
}

// parser keeps the first error, so the parse reads on without checks
// after every call and reports where the file first went wrong.
type parser struct {
	file string
	err  error
}

func (p *parser) errorf(line int, format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf("lessons: %s:%d: %s", p.file, line, fmt.Sprintf(format, args...))
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
		case len(f) == 1 && f[0] == "require-tls":
			o.RequireTLS = true
		case len(f) == 2 && f[0] == "max-errors":
			n, err := strconv.Atoi(f[1])
			if err != nil || n < 1 {
				p.errorf(line, "max-errors needs a positive number, got %q", f[1])
			}
			o.MaxErrors = n
		default:
			p.errorf(line, "unknown sandbox option %q (require-tls, max-errors N)", strings.TrimSpace(opt))
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
