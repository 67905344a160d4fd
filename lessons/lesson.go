package lessons

import (
	"io/fs"
	"regexp"
	"strconv"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
)

// Lesson is one lesson: what its file's header says, its steps, and the
// data files its :compose lines read.
type Lesson struct {
	Name    string // the file name without ".txtar", e.g. "first-mail"
	Title   string
	Summary string
	Order   int // place in the list; ties go by name
	Sandbox SandboxOptions
	Steps   []Step
	Files   []File
}

// SandboxOptions is how the in-process practice server must be set up for
// the lesson; against a server the user names they are only a note.
type SandboxOptions struct {
	RequireTLS bool // a submission port: AUTH and MAIL only after STARTTLS
	MaxErrors  int  // 4xx/5xx replies before the server says 421; 0 keeps its default
	Greylist   bool // 451 4.7.1 to the first RCPT of each client, sender and recipient
	// The sandbox's other scenarios (smtprepl sandbox --scenario):
	AuthFailsOnce bool   // each client's first AUTH gets 535 5.7.8
	RejectRcpt    int    // the Nth RCPT of each transaction gets 550 5.1.1; 0: none
	Drop421At     string // 421 4.3.2 and a hang-up at this stage; "": none
	MaxSize       int64  // SIZE announced and enforced; 0 keeps its default
}

// Step is one thing the student does: read the prose, type the lines.
type Step struct {
	Title string
	Text  string // prose; may hold {{name}} variables
	Lines []Line
}

// Line is one line to type and what the server should answer to it.
type Line struct {
	Text string // as typed; "" is an empty line (message text); may hold {{name}}
	// Batch marks a ">>" line: consecutive batch lines go out in one write
	// and their replies are read afterwards, in order (RFC 2920).
	Batch  bool
	Expect Expect // the checkpoint; the zero Expect checks nothing
	OK     string // said when the checkpoint held
	Ifs    []If   // said when the reply matched something else
	Source int    // line number in the lesson file, for messages
}

// If is a lesson's explanation for one wrong answer.
type If struct {
	Match Expect
	Text  string
}

// File is a data file of a lesson. A section named "x.b64" holds
// base64 text and is seen by :compose as "x" with the decoded bytes.
type File struct {
	Name    string // the name :compose sees
	Data    []byte // its bytes
	Section string // the section's name in the lesson file
	Text    []byte // the section's text as written
}

// Checkpoints counts the lines whose reply is checked.
func (l Lesson) Checkpoints() int {
	n := 0
	for _, s := range l.Steps {
		for _, ln := range s.Lines {
			if !ln.Expect.IsZero() {
				n++
			}
		}
	}
	return n
}

// FS is the lesson's data files by name, for :compose to read.
func (l Lesson) FS() fs.FS {
	m := filesFS{}
	for _, f := range l.Files {
		m[f.Name] = f.Data
	}
	return m
}

// Expect is a checkpoint: which replies count as right. Each alternative
// is a prefix of the reply code ("250", "25", "2", "2xx"), an enhanced code
// ("5.1.1"), or both ("550 5.1.1"). Error expects the command itself to
// fail before or without a reply (smtprepl refusing a bad message). Text,
// when set, is a regular expression the reply's text (its lines after the
// codes, joined by newlines) must match too.
type Expect struct {
	Alts  []string
	Error bool
	Text  string
}

// IsZero reports whether nothing is expected.
func (e Expect) IsZero() bool { return len(e.Alts) == 0 && !e.Error }

// String is the expectation as a sentence names it.
func (e Expect) String() string {
	if e.Text != "" {
		return e.codes() + " with text matching /" + e.Text + "/"
	}
	return e.codes()
}

// codes is the expect line's pattern, as the lesson file writes it.
func (e Expect) codes() string {
	if e.Error {
		return "error"
	}
	return strings.Join(e.Alts, "|")
}

// pop3Alt reports whether a pattern is a POP3 answer's: +OK or -ERR.
func pop3Alt(alt string) bool { return alt == "+OK" || alt == "-ERR" }

// Match reports whether r is one of the expected replies.
func (e Expect) Match(r *proto.Reply) bool {
	if r == nil {
		return false
	}
	if e.Text != "" {
		// The parser compiled it once already: an Expect built in code
		// with a bad expression matches nothing.
		re, err := regexp.Compile(e.Text)
		if err != nil || !re.MatchString(r.Text()) {
			return false
		}
	}
	for _, alt := range e.Alts {
		if matchAlt(alt, r) {
			return true
		}
	}
	return false
}

func matchAlt(alt string, r *proto.Reply) bool {
	if pop3Alt(alt) {
		// A POP3 answer has no code: its first line starts +OK or -ERR.
		return r.Code == 0 && len(r.Raw) > 0 && strings.HasPrefix(strings.ToUpper(r.Raw[0]), alt)
	}
	code, enh, _ := strings.Cut(alt, " ")
	if strings.Contains(code, ".") {
		code, enh = "", code
	}
	code = strings.TrimRight(code, "xX")
	if !strings.HasPrefix(strconv.Itoa(r.Code), code) {
		return false
	}
	return enh == "" || strings.HasPrefix(r.Enhanced.String()+".", enh+".")
}
