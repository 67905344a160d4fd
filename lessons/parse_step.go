package lessons

import (
	"regexp"
	"slices"
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
	switch {
	case r.step.Text == "" && len(r.step.Lines) == 0:
		p.errorf(first, "step %q is empty", title)
	case len(r.step.Lines) == 0:
		p.errorf(first, "step %q has no line to type (> ...): every step has the student do something", title)
	}
	for _, ln := range r.step.Lines {
		if ln.Expect.IsZero() && (len(ln.Ifs) > 0 || ln.Expect.Text != "") {
			p.errorf(ln.Source, "a checkpoint with no expectation: if and match need an expect line for %q", ln.Text)
		}
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
	"match":  (*stepReader).match,
}

// directiveNames is the list an unknown directive's error gives.
const directiveNames = ">, >>, expect, match, ok: and if CODE:"

func (r *stepReader) line(n int, line string) {
	r.p.variables(n, line)
	word, rest, _ := strings.Cut(line, " ")
	if f, ok := directives[word]; ok && isDirective(word, rest) {
		f(r, n, rest)
		return
	}
	trimmed := strings.TrimSpace(line)
	switch {
	case unknownDirective(word, rest):
		r.p.errorf(n, "unknown directive %q; the directives are %s", word, directiveNames)
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

// match adds a regular expression the reply's text must match as well
// as the code: "match /queued as [0-9A-F]+/".
func (r *stepReader) match(n int, rest string) {
	ln := r.last(n, "match")
	re := strings.TrimSpace(rest)
	re = re[1 : len(re)-1] // isDirective saw the slashes
	if ln.Expect.Text != "" {
		r.p.errorf(n, "a second match for the same line; join them in one expression")
	}
	if _, err := regexp.Compile(re); err != nil {
		r.p.errorf(n, "match: bad regular expression %q: %s", re, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	ln.Expect.Text = re
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
	case "match":
		re := strings.TrimSpace(rest)
		return len(re) >= 2 && re[0] == '/' && re[len(re)-1] == '/'
	}
	return true
}

// unknownDirective tells a misspelt directive ("expct 250", "ok 250:",
// "Expect 250", "iff 550: ...") from prose: a short word, then what only a
// directive would hold after it.
func unknownDirective(word, rest string) bool {
	if _, known := directives[word]; known || word == "" || len(word) > 10 {
		return false
	}
	name := strings.TrimSuffix(word, ":")
	if strings.Trim(strings.ToLower(name), "abcdefghijklmnopqrstuvwxyz-") != "" {
		return false
	}
	pat, _, colon := strings.Cut(rest, ":")
	return looksLikePattern(rest) || colon && looksLikePattern(pat) ||
		strings.HasPrefix(strings.TrimSpace(rest), "/") && strings.HasSuffix(strings.TrimSpace(rest), "/")
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

// Variables are the {{name}} values a runner fills in (README.md,
// "Variables"): a name outside them is a typo the run would stop at.
func Variables() []string { return []string{"implicit-tls", "submission", "pop3", "cafile", "trust"} }

// variables notes every {{name}} on a line that no runner fills in.
func (p *parser) variables(n int, line string) {
	for {
		_, after, ok := strings.Cut(line, "{{")
		if !ok {
			return
		}
		name, rest, ok := strings.Cut(after, "}}")
		if !ok {
			return
		}
		if !strings.Contains(name, "{") && !slices.Contains(Variables(), name) {
			p.errorf(n, "unknown variable {{%s}} (%s)", name, "{{"+strings.Join(Variables(), "}}, {{")+"}}")
		}
		line = rest
	}
}
