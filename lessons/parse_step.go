package lessons

import (
	"strings"
)

// stepReader is the state of reading one step section: prose first, then
// the lines to type, each followed by its checkpoint.
type stepReader struct {
	p     *parser
	step  Step
	prose []string
	cont  *string // the ok:/if text an indented line continues
}

// step reads a "-- step: Title --" section whose first line is line
// first+1 of the file.
func (p *parser) step(title string, data []byte, first int) Step {
	r := &stepReader{p: p, step: Step{Title: title}}
	if title == "" {
		p.errorf(first, "a step needs a title: -- step: Title --")
	}
	for i, line := range splitLines(data) {
		r.line(first+i+1, line)
	}
	r.step.Text = strings.Trim(strings.Join(r.prose, "\n"), "\n")
	if r.step.Text == "" && len(r.step.Lines) == 0 {
		p.errorf(first, "step %q is empty", title)
	}
	return r.step
}

// directives are the lines that are not prose, by their first word.
var directives = map[string]func(r *stepReader, n int, rest string){
	">":      func(r *stepReader, n int, rest string) { r.typed(n, rest, false) },
	">>":     func(r *stepReader, n int, rest string) { r.typed(n, rest, true) },
	"expect": (*stepReader).expect,
	"ok:":    (*stepReader).ok,
	"if":     (*stepReader).ifCase,
}

func (r *stepReader) line(n int, line string) {
	word, rest, _ := strings.Cut(line, " ")
	if f, ok := directives[word]; ok && isDirective(word, rest) {
		f(r, n, rest)
		return
	}
	trimmed := strings.TrimSpace(line)
	switch {
	case r.cont != nil && trimmed != "" && (line[0] == ' ' || line[0] == '\t'):
		*r.cont += " " + trimmed
	case trimmed == "":
		r.cont = nil
		if len(r.step.Lines) == 0 {
			r.prose = append(r.prose, "")
		}
	case len(r.step.Lines) > 0:
		r.p.errorf(n, "prose after the first line to type; move it before, or into ok: or if CODE:")
	default:
		r.prose = append(r.prose, line)
	}
}

func (r *stepReader) typed(n int, text string, batch bool) {
	r.cont = nil
	r.step.Lines = append(r.step.Lines, Line{Text: text, Batch: batch, Source: n})
}

// last is the line a checkpoint directive belongs to.
func (r *stepReader) last(n int, what string) *Line {
	if len(r.step.Lines) == 0 {
		r.p.errorf(n, "%s before any line to type (> ...)", what)
		return &Line{}
	}
	return &r.step.Lines[len(r.step.Lines)-1]
}

func (r *stepReader) expect(n int, rest string) {
	ln := r.last(n, "expect")
	if !ln.Expect.IsZero() {
		r.p.errorf(n, "a second expect for the same line; write alternatives as 250|251")
	}
	ln.Expect = r.p.pattern(n, rest)
	r.cont = nil
}

func (r *stepReader) ok(n int, rest string) {
	ln := r.last(n, "ok:")
	ln.OK = strings.TrimSpace(rest)
	r.cont = &ln.OK
}

func (r *stepReader) ifCase(n int, rest string) {
	ln := r.last(n, "if")
	pat, text, found := strings.Cut(rest, ":")
	if !found {
		r.p.errorf(n, "write if CODE: text")
	}
	ln.Ifs = append(ln.Ifs, If{Match: r.p.pattern(n, pat), Text: strings.TrimSpace(text)})
	r.cont = &ln.Ifs[len(ln.Ifs)-1].Text
}

// isDirective tells "if 503: ..." and "expect 250" from prose that
// happens to begin with "if" or "expect".
func isDirective(word, rest string) bool {
	switch word {
	case "expect":
		return looksLikePattern(rest)
	case "if":
		pat, _, ok := strings.Cut(rest, ":")
		return ok && looksLikePattern(pat)
	}
	return true
}

func looksLikePattern(s string) bool {
	s = strings.TrimSpace(s)
	return s == "error" || s != "" && strings.Trim(s, "0123456789xX.| +OKER-") == ""
}

// pattern reads "250", "2xx", "5.1.1", "550 5.1.1", "250|251" or "error".
func (p *parser) pattern(n int, s string) Expect {
	s = strings.TrimSpace(s)
	if s == "error" {
		return Expect{Error: true}
	}
	var e Expect
	for _, alt := range strings.Split(s, "|") {
		alt = strings.TrimSpace(alt)
		if !validAlt(alt) {
			p.errorf(n, "%q is not a reply pattern (250, 2xx, 5.1.1, \"550 5.1.1\", 250|251, +OK, -ERR or error)", alt)
		}
		e.Alts = append(e.Alts, alt)
	}
	return e
}

func validAlt(alt string) bool {
	if pop3Alt(alt) {
		return true
	}
	code, enh, both := strings.Cut(alt, " ")
	if !both && strings.Contains(code, ".") {
		code, enh = "", code
	}
	return (code == "" || validCode(code)) && (enh == "" || validEnhanced(enh)) && (code != "" || enh != "")
}

// validCode accepts 1 to 3 characters: a class digit 2-5, then digits,
// with trailing x's allowed ("2xx").
func validCode(c string) bool {
	if len(c) < 1 || len(c) > 3 || c[0] < '2' || c[0] > '5' {
		return false
	}
	rest := strings.TrimRight(c[1:], "xX")
	return strings.Trim(rest, "0123456789") == ""
}

func validEnhanced(e string) bool {
	parts := strings.Split(e, ".")
	if len(parts) > 3 || parts[0] != "2" && parts[0] != "4" && parts[0] != "5" {
		return false
	}
	for _, p := range parts[1:] {
		if p == "" || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}
