package repl

import (
	"cmp"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"github.com/smtprepl/smtprepl/proto/pop3"
)

// Completions returns the word being typed at the end of head and the
// complete forms it may become: verbs for the protocol state, their
// syntax, the ESMTP parameters and AUTH mechanisms this server
// advertised, and colon-commands with their arguments. Every candidate
// starts with word. Candidates come from the server and from file names
// as they are: a terminal must decide which it can show.
func (s *Session) Completions(head string) (word string, cands []string) {
	return completion{s}.candidates(head)
}

// completion is a session asked what Tab offers; its steps are not the
// session's own methods.
type completion struct{ *Session }

func (s completion) candidates(head string) (word string, cands []string) {
	if strings.HasPrefix(head, ":") {
		return s.completeColon(head)
	}
	if !s.Connected() || s.inData() {
		return "", nil
	}
	verbWord, rest, spaced := strings.Cut(head, " ")
	if s.cfg.POP3 {
		if spaced || s.p3.inAuth {
			return "", nil
		}
		return head, matchWords(head, pop3.Keywords(s.p3.login != ""))
	}
	if !spaced {
		return head, matchWords(head, verbTemplates(s.legalNow()))
	}
	return s.completeArgs(strings.ToUpper(verbWord), rest)
}

func verbTemplates(vs []verb) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.complete
	}
	return out
}

// argCompleters complete what follows a verb; rest is the text after the
// verb and its space.
var argCompleters = map[string]func(s completion, rest string) (string, []string){
	"MAIL": func(s completion, rest string) (string, []string) { return s.completePath(rest, "FROM:<", mailParams) },
	"RCPT": func(s completion, rest string) (string, []string) { return s.completePath(rest, "TO:<", rcptParams) },
	"AUTH": completeAuthArg,
	"EHLO": completeHelloArg,
	"HELO": completeHelloArg,
	"LHLO": completeHelloArg,
	"HELP": func(_ completion, rest string) (string, []string) {
		return rest, matchWords(rest, verbNames())
	},
}

func (s completion) completeArgs(verbName, rest string) (string, []string) {
	f, ok := argCompleters[verbName]
	if !ok {
		return "", nil
	}
	return f(s, rest)
}

func verbNames() []string {
	var out []string
	for _, v := range verbs() {
		out = append(out, v.name)
	}
	return out
}

func completeAuthArg(s completion, rest string) (string, []string) {
	caps := s.model.Capabilities()
	if strings.Contains(rest, " ") || caps == nil {
		return "", nil
	}
	return rest, matchWords(rest, caps.AuthMechanisms())
}

func completeHelloArg(s completion, rest string) (string, []string) {
	if strings.Contains(rest, " ") {
		return "", nil
	}
	return rest, matchPrefix(rest, []string{s.cfg.EHLOName})
}

// completePath completes "FROM:<" while the path is unwritten and the
// advertised parameters once it is closed with '>'.
func (s completion) completePath(rest, lead string, params []esmtpParam) (string, []string) {
	if !strings.Contains(rest, ":") {
		return rest, matchWords(rest, []string{lead})
	}
	end := strings.IndexByte(rest, '>')
	if end < 0 {
		return "", nil // the address itself: nothing to guess
	}
	after := rest[end+1:]
	if after == "" {
		return "", nil // a space must come before a parameter
	}
	word := after[strings.LastIndexByte(after, ' ')+1:]
	return word, matchWords(word, s.paramCandidates(params, strings.Fields(after)))
}

// esmtpParam is one MAIL or RCPT parameter form offered by Tab, with the
// EHLO keyword that must have been advertised for it.
type esmtpParam struct{ text, ext string }

var mailParams = []esmtpParam{
	{"SIZE=", "SIZE"},
	{"BODY=7BIT", "8BITMIME"}, {"BODY=8BITMIME", "8BITMIME"}, {"BODY=BINARYMIME", "BINARYMIME"},
	{"SMTPUTF8", "SMTPUTF8"},
	{"RET=FULL", "DSN"}, {"RET=HDRS", "DSN"}, {"ENVID=", "DSN"},
	{"AUTH=<>", "AUTH"},
	{"REQUIRETLS", "REQUIRETLS"},
}

var rcptParams = []esmtpParam{
	{"NOTIFY=SUCCESS,FAILURE", "DSN"}, {"NOTIFY=SUCCESS", "DSN"}, {"NOTIFY=FAILURE", "DSN"},
	{"NOTIFY=DELAY", "DSN"}, {"NOTIFY=NEVER", "DSN"}, {"ORCPT=rfc822;", "DSN"},
}

// paramCandidates keeps the parameters the server advertised and the line
// does not carry yet.
func (s completion) paramCandidates(params []esmtpParam, typed []string) []string {
	used := map[string]bool{}
	for _, f := range typed[:max(len(typed)-1, 0)] {
		key, _, _ := strings.Cut(strings.ToUpper(f), "=")
		used[key] = true
	}
	var out []string
	for _, p := range params {
		key, _, _ := strings.Cut(p.text, "=")
		if s.model.Capabilities().Has(p.ext) && !used[key] {
			out = append(out, p.text)
		}
	}
	return out
}

func (s completion) completeColon(head string) (string, []string) {
	name, rest, spaced := strings.Cut(head[1:], " ")
	if !spaced {
		var cands []string
		for _, c := range s.commands().list {
			cands = append(cands, ":"+c.name+argSpace(c))
		}
		return head, matchPrefix(head, cands)
	}
	c, ok := s.commands().lookup(name)
	cut := strings.LastIndexByte(rest, ' ') + 1
	word := rest[cut:]
	switch {
	case ok && c.completeAt != nil:
		return word, c.completeAt(s.Session, strings.Fields(rest[:cut]), word)
	case !ok || c.complete == nil:
		return "", nil
	}
	return word, c.complete(s.Session, word)
}

func argSpace(c command) string {
	if c.args == "" {
		return ""
	}
	return " "
}

// matchWords keeps the candidates that start with typed, ignoring case,
// and writes them in the case the user types in: SMTP verbs and keywords
// are case-insensitive, and "mail from:<" is what someone typing "ma" wants.
func matchWords(typed string, cands []string) []string {
	lower := strings.ContainsFunc(typed, unicode.IsLower) && !strings.ContainsFunc(typed, unicode.IsUpper)
	var out []string
	for _, c := range cands {
		if len(c) < len(typed) || !strings.EqualFold(c[:len(typed)], typed) {
			continue
		}
		if lower {
			c = strings.ToLower(c)
		}
		out = append(out, typed+c[len(typed):])
	}
	return out
}

// matchPrefix keeps candidates starting with typed, case and all.
func matchPrefix(typed string, cands []string) []string {
	var out []string
	for _, c := range cands {
		if strings.HasPrefix(c, typed) {
			out = append(out, c)
		}
	}
	return out
}

// completeFiles lists paths starting with prefix; directories end in '/'.
func completeFiles(prefix string) []string {
	dir, base := filepath.Split(prefix)
	entries, err := os.ReadDir(cmp.Or(dir, "."))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), base) || (base == "" && strings.HasPrefix(e.Name(), ".")) {
			continue
		}
		name := dir + e.Name()
		if e.IsDir() {
			name += "/"
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}
