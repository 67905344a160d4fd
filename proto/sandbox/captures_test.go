package sandbox

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/smtprepl/smtprepl/proto"
)

// The Postfix column of the fidelity table is checked twice: against the
// CI's real Postfix by interop_test.go, and here, without any peer, against
// the captures in testdata/real-replies.md and real-replies-stateful.md
// (what Postfix 3.7, smtp-sink, aiosmtpd and Exim answered on loopback).
// Probes the captures do not hold belong in peerProbes or chunkingProbes,
// which only the CI peer checks.

// capturedStep is one command of a capture and Postfix's answer to it.
type capturedStep struct {
	cmd   string   // the C: line as written in the capture
	lines []string // the reply's lines, without CRLF
}

// capture is one probe as captured: its setup commands, then its steps.
type capture struct {
	setup []string
	steps []capturedStep
}

// statefulProbes are the table's probes taken from a dialogue of
// real-replies-stateful.md: the dialogue's title and the index of the
// C: line that is the probe's first step.
var statefulProbes = map[string]struct {
	dialogue string
	first    int
}{
	"HELO and EHLO without argument": {"postfix — helo", 1},
	"RCPT UTF-8 with SMTPUTF8":       {"postfix — dsn_utf8", 5},
}

// captureAliases maps a table name to the capture's, where the capture
// reused a plain-port title on the implicit-TLS port.
var captureAliases = map[string]string{
	"smtps: MAIL":     "smtps: MAIL before STARTTLS",
	"smtps: STARTTLS": "smtps: STARTTLS then EHLO",
}

// peerSteps counts, for a probe the captures hold only in part, the steps
// they hold; the CI peer alone vouches for the rest.
var peerSteps = map[string]int{
	"VRFY known user": 1, // the capture sent no "VRFY <a@example.test>"
}

func TestFidelityTableMatchesCaptures(t *testing.T) {
	probes := readProbeCaptures(t, "testdata/real-replies.md")
	dialogues := readDialogues(t, "testdata/real-replies-stateful.md")
	for _, g := range [][]probe{sessionProbes(), envelopeProbes(), authProbes(), tlsProbes()} {
		for _, p := range g {
			t.Run(p.name, func(t *testing.T) {
				c, ok := lookupCapture(p.name, probes, dialogues)
				if !ok {
					t.Fatal("not in testdata/real-replies*.md: a probe taken from the CI peer belongs in peerProbes")
				}
				if n, ok := peerSteps[p.name]; ok {
					p.steps = p.steps[:n]
				}
				checkCapture(t, p, c)
			})
		}
	}
}

func lookupCapture(name string, probes map[string]capture, dialogues map[string][]capturedStep) (capture, bool) {
	if s, ok := statefulProbes[name]; ok {
		d, ok := dialogues[s.dialogue]
		if !ok || s.first > len(d) {
			return capture{}, false
		}
		return capture{steps: d[s.first:]}, true
	}
	if alias, ok := captureAliases[name]; ok {
		name = alias
	}
	c, ok := probes[name]
	return c, ok
}

// checkCapture compares a probe with its capture: the verbs of the setup
// (when the capture lists it) and of each step, and Postfix's code and
// enhanced code for each step. A capture may go on after the table's
// steps end.
func checkCapture(t *testing.T, p probe, c capture) {
	t.Helper()
	if c.setup != nil {
		if got, want := verbs(p.setup), verbs(c.setup); strings.Join(got, " / ") != strings.Join(want, " / ") {
			t.Errorf("setup %q, the capture's %q", got, want)
		}
	}
	if len(c.steps) < len(p.steps) {
		t.Fatalf("%d steps, the capture has %d", len(p.steps), len(c.steps))
	}
	for i, s := range p.steps {
		cs := c.steps[i]
		if v := verb(cs.cmd); smtpVerbs[v] && v != verb(s.send) {
			t.Errorf("step %d sends %s, the capture %q", i+1, verb(s.send), cs.cmd)
		}
		got, err := cs.reply()
		if err != nil {
			t.Fatalf("step %d: %v", i+1, err)
		}
		if s.want != got {
			t.Errorf("step %d: the table says Postfix answers %v, the capture shows %v", i+1, s.want, got)
		}
	}
}

// smtpVerbs are the first words of captured command lines that are sent
// as written (FOOBAR is the unknown-command probe); other captured lines
// stand for bytes (base64 answers, "<11264079 bytes of message data>").
var smtpVerbs = map[string]bool{"HELO": true, "EHLO": true, "MAIL": true, "RCPT": true, "DATA": true, "BDAT": true,
	"RSET": true, "NOOP": true, "QUIT": true, "VRFY": true, "EXPN": true, "HELP": true, "AUTH": true, "STARTTLS": true, "FOOBAR": true}

func verb(line string) string {
	f := strings.Fields(strings.TrimPrefix(line, "raw:"))
	if len(f) == 0 {
		return ""
	}
	return strings.ToUpper(f[0])
}

func verbs(lines []string) []string {
	out := []string{}
	for _, l := range lines {
		out = append(out, verb(l))
	}
	return out
}

// readProbeCaptures reads the Postfix column of the reply comparison
// ("### name", "setup: `...`", then one column per server) and the
// Postfix submission and smtps sections ("# name (setup: ...)" inside one
// block per port), keyed by the fidelity table's names.
func readProbeCaptures(t *testing.T, path string) map[string]capture {
	t.Helper()
	out := map[string]capture{}
	var section, name, prefix, server string
	for _, line := range readLines(t, path) {
		c := out[name]
		switch {
		case strings.HasPrefix(line, "## "):
			section, name, prefix, c = line, "", "", capture{}
		case strings.HasPrefix(section, "## Reply comparison") && strings.HasPrefix(line, "### "):
			name, c = strings.TrimPrefix(line, "### "), capture{}
		case strings.HasPrefix(section, "## Reply comparison") && strings.HasPrefix(line, "setup: `"):
			c.setup = splitSetup(strings.Trim(strings.TrimPrefix(line, "setup: "), "`"))
		case strings.HasPrefix(section, "## Postfix submission") && strings.HasPrefix(line, "### postfix-"):
			prefix = strings.TrimPrefix(line, "### postfix-") + ": "
		case prefix != "" && strings.HasPrefix(line, "# "):
			title, setup, _ := strings.Cut(strings.TrimPrefix(line, "# "), "(setup: ")
			name = prefix + strings.TrimSpace(title)
			c = capture{setup: splitSetup(strings.TrimSuffix(setup, ")"))}
		case prefix != "":
			addLine(&c, line)
		case name != "" && len(line) > 20:
			if s := strings.TrimSpace(line[:20]); s != "" {
				server = s
			}
			if server == "postfix" {
				addLine(&c, line[20:])
			}
		}
		if name != "" {
			out[name] = c
		}
	}
	return out
}

func splitSetup(s string) []string {
	if strings.HasPrefix(s, "(greeting only)") {
		return []string{}
	}
	return strings.Split(s, " / ")
}

// readDialogues reads real-replies-stateful.md's dialogues ("### title",
// then one C:/S: block); the greeting before the first command is left out.
func readDialogues(t *testing.T, path string) map[string][]capturedStep {
	t.Helper()
	out := map[string][]capturedStep{}
	var title string
	var c capture
	for _, line := range readLines(t, path) {
		if strings.HasPrefix(line, "### ") {
			title, _, _ = strings.Cut(strings.TrimPrefix(line, "### "), "  (")
			c = capture{}
			continue
		}
		if title != "" && (strings.HasPrefix(line, "C: ") || strings.HasPrefix(line, "S: ")) {
			addLine(&c, line)
			out[title] = c.steps
		}
	}
	return out
}

// addLine adds a C: line as a new step, or an S: line to the last step's
// reply. "<TLS established ...>" and "<connection closed by server>" are
// notes, not reply lines; "[trailing space]" marks a text that ends in
// one.
func addLine(c *capture, line string) {
	line = strings.TrimSpace(line)
	if cmd, ok := strings.CutPrefix(line, "C:"); ok {
		c.steps = append(c.steps, capturedStep{cmd: strings.TrimSpace(cmd)})
		return
	}
	text, ok := strings.CutPrefix(line, "S: ")
	if !ok || len(c.steps) == 0 || strings.HasPrefix(text, "<") {
		return
	}
	if t, ok := strings.CutSuffix(text, "[trailing space]"); ok {
		text = strings.TrimRight(t, " ") + " "
	}
	last := &c.steps[len(c.steps)-1]
	last.lines = append(last.lines, text)
}

// reply reads a step's reply lines with proto's own reader, so the code
// and enhanced code are read as the client reads them.
func (s capturedStep) reply() (result, error) {
	if len(s.lines) == 0 {
		return result{}, fmt.Errorf("no reply to %q", s.cmd)
	}
	rep, err := proto.NewReader(strings.NewReader(strings.Join(s.lines, "\r\n") + "\r\n")).ReadReply()
	if err != nil {
		return result{}, fmt.Errorf("reply to %q: %w", s.cmd, err)
	}
	return resultOf(rep), nil
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return lines
}
