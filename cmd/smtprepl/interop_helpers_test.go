//go:build interop

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// iopBinary is the smtprepl binary TestMain built for this run; "" when no
// peer is configured (then every interop test skips before using it).
var iopBinary string

// iopRunLimit bounds one smtprepl run, the 10 MB body included; the
// per-reply --timeout inside it is shorter, so a silent server shows up as
// smtprepl's own exit 2, not as a killed process.
const (
	iopRunLimit     = 60 * time.Second
	iopReplyTimeout = "20s"
	iopDeliveryWait = 15 * time.Second
)

// iopBuild compiles ./ (this package: the real command) into dir. With a
// race-enabled test binary the command is race-enabled too, so a data
// race in smtprepl under real servers fails the run (exit 66).
func iopBuild(dir string) (string, error) {
	bin := filepath.Join(dir, "smtprepl")
	args := []string{"build", "-o", bin}
	if iopRace {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, ".")...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

// iopResult is one run of the binary.
type iopResult struct {
	args   []string
	stdout string // the transcript
	stderr string
	exit   int
	took   time.Duration
}

// iopRun runs smtprepl in script mode with stdin as the script, or
// smtprepl send when args start with send.
func iopRun(t *testing.T, stdin []byte, args ...string) iopResult {
	t.Helper()
	return iopRunEnv(t, nil, stdin, args...)
}

// iopRunEnv is iopRun with more environment variables (NAME=VALUE).
func iopRunEnv(t *testing.T, env []string, stdin []byte, args ...string) iopResult {
	t.Helper()
	if iopBinary == "" {
		t.Fatal("the smtprepl binary was not built (TestMain saw no SMTPREPL_* peer)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), iopRunLimit)
	defer cancel()
	flags := []string{"--timeout", iopReplyTimeout, "--no-color"}
	if len(args) > 0 && args[0] == "send" { // a subcommand comes first
		args = append(append([]string{"send"}, flags...), args[1:]...)
	} else {
		args = append(flags, args...)
	}
	cmd := exec.CommandContext(ctx, iopBinary, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	// A race-enabled binary waits a second at exit for late reports;
	// the run is over by then.
	cmd.Env = append(append(os.Environ(), "GORACE=atexit_sleep_ms=0"), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := iopResult{args: args, stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("smtprepl %s did not finish within %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), iopRunLimit, iopClip(r.stdout), r.stderr)
	case errors.As(err, &ee):
		r.exit = ee.ExitCode()
	case err != nil:
		t.Fatalf("running smtprepl: %v", err)
	}
	return r
}

// describe is the run for failure messages: command line, exit, stderr and
// the transcript (clipped: a 10 MB body must not flood the log).
func (r iopResult) describe() string {
	return fmt.Sprintf("smtprepl %s\nexit %d, stderr: %q\ntranscript:\n%s", strings.Join(r.args, " "), r.exit, r.stderr, iopClip(r.stdout))
}

func iopClip(s string) string {
	const max = 6000
	if len(s) <= max {
		return s
	}
	return s[:max/2] + fmt.Sprintf("\n[... %d bytes left out ...]\n", len(s)-max) + s[len(s)-max/2:]
}

// iopLine is one transcript line: kind 'C' or 'S' (wire text without its
// CRLF), '=' (an event) or '#' (a comment).
type iopLine struct {
	kind byte
	text string
}

// iopParse reads the transcript notation of transcripts/README.md,
// including the exact-bytes form `S= "..."` that smtp-sink's "250 " line
// needs.
func iopParse(out string) []iopLine {
	var lines []iopLine
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		switch {
		case len(l) >= 2 && (l[0] == 'C' || l[0] == 'S') && l[1] == ':':
			lines = append(lines, iopLine{l[0], strings.TrimPrefix(l[2:], " ")})
		case len(l) >= 3 && (l[0] == 'C' || l[0] == 'S') && l[1] == '=':
			text, err := strconv.Unquote(strings.TrimSpace(l[2:]))
			if err != nil {
				text = l[2:]
			}
			lines = append(lines, iopLine{l[0], strings.TrimSuffix(text, "\r\n")})
		case strings.HasPrefix(l, "==="):
			lines = append(lines, iopLine{'=', strings.TrimSpace(l[3:])})
		case strings.HasPrefix(l, "#"):
			lines = append(lines, iopLine{'#', strings.TrimSpace(l[1:])})
		}
	}
	return lines
}

// iopStep is a client line and the server lines that came after it before
// the next client line: its reply, in a lock-step session. cmd "" holds
// the greeting.
type iopStep struct {
	cmd   string
	reply []string
}

func iopSteps(out string) []iopStep {
	steps := []iopStep{{}}
	for _, l := range iopParse(out) {
		switch l.kind {
		case 'C':
			steps = append(steps, iopStep{cmd: l.text})
		case 'S':
			last := &steps[len(steps)-1]
			last.reply = append(last.reply, l.text)
		}
	}
	return steps
}

// final is the last line of the reply ("" when none came).
func (s iopStep) final() string {
	if len(s.reply) == 0 {
		return ""
	}
	return s.reply[len(s.reply)-1]
}

// matches says whether a client line is the command a want names: a
// prefix match, except that "." means only the lone dot that ends DATA
// (a stuffed body line "..x" must not count).
func (s iopStep) matches(cmd string) bool {
	if cmd == "." {
		return s.cmd == "."
	}
	return strings.HasPrefix(s.cmd, cmd)
}

// iopWant is a command (prefix) and the start of the last line of its reply.
type iopWant struct{ cmd, reply string }

// iopExpectReplies checks the wants in order: each command is looked for
// after the previous one matched.
func iopExpectReplies(t *testing.T, r iopResult, wants ...iopWant) {
	t.Helper()
	steps := iopSteps(r.stdout)
	i := 0
	for _, w := range wants {
		for i < len(steps) && !steps[i].matches(w.cmd) {
			i++
		}
		if i == len(steps) {
			t.Errorf("no %q command in the transcript (after the ones checked before)\n%s", w.cmd, r.describe())
			return
		}
		if got := steps[i].final(); !strings.HasPrefix(got, w.reply) {
			t.Errorf("%q was answered %q, want a reply starting %q\n%s", steps[i].cmd, got, w.reply, r.describe())
		}
		i++
	}
}

// iopExpectExit checks the exit code and that stderr is empty or, on exit 2,
// one sentence.
func iopExpectExit(t *testing.T, r iopResult, want int) {
	t.Helper()
	if r.exit != want {
		t.Errorf("exit %d, want %d\n%s", r.exit, want, r.describe())
	}
	switch {
	case r.exit == exitFailure && strings.Count(strings.TrimSuffix(r.stderr, "\n"), "\n") != 0:
		t.Errorf("stderr on exit 2 is %d lines, want one sentence:\n%s", strings.Count(r.stderr, "\n"), r.stderr)
	case r.exit != exitFailure && r.stderr != "":
		t.Errorf("stderr is %q, want nothing", r.stderr)
	}
}

// iopEHLOs returns the keyword lines (hostname line dropped, empty
// keywords such as smtp-sink's "250 " dropped) of every 250 EHLO reply.
func iopEHLOs(out string) [][]string {
	var all [][]string
	for _, s := range iopSteps(out) {
		if !strings.HasPrefix(strings.ToUpper(s.cmd), "EHLO ") || !strings.HasPrefix(s.final(), "250") {
			continue
		}
		kws := []string{}
		for _, l := range s.reply[1:] {
			if kw := strings.TrimSpace(l[min(4, len(l)):]); kw != "" {
				kws = append(kws, kw)
			}
		}
		all = append(all, kws)
	}
	return all
}

// iopHasKeyword looks for an EHLO keyword (the line's first word).
func iopHasKeyword(kws []string, kw string) bool {
	for _, l := range kws {
		if f := strings.Fields(l); len(f) > 0 && strings.EqualFold(f[0], kw) {
			return true
		}
	}
	return false
}

// iopKeywordDiff lists the keyword lines only in a and only in b.
func iopKeywordDiff(a, b []string) (onlyA, onlyB []string) {
	in := func(s []string, x string) bool {
		for _, y := range s {
			if y == x {
				return true
			}
		}
		return false
	}
	onlyA, onlyB = []string{}, []string{}
	for _, x := range a {
		if !in(b, x) {
			onlyA = append(onlyA, x)
		}
	}
	for _, x := range b {
		if !in(a, x) {
			onlyB = append(onlyB, x)
		}
	}
	return onlyA, onlyB
}

// iopMessage is a message whose every header is our own (so no server adds
// Date, Message-ID or From after it), starting with a token header by
// which the delivered copy is found and cut out of the server's trace
// headers.
type iopMessage struct {
	tok     string
	headers []string // after the fixed ones; Subject and the like
	body    []string
}

const iopTokenHeader = "X-Smtprepl-Token: "

func (m iopMessage) lines() []string {
	lines := []string{
		iopTokenHeader + m.tok,
		"From: Bob <bob@example.test>",
		"To: Alice <alice@example.test>",
		"Date: Mon, 23 Nov 2026 10:00:00 +0000",
		"Message-ID: <" + m.tok + "@interop.smtprepl.test>",
	}
	lines = append(lines, m.headers...)
	lines = append(lines, "")
	return append(lines, m.body...)
}

// script is the message as typed in script mode, unstuffed, with the lone
// dot that ends it.
func (m iopMessage) script() string { return strings.Join(m.lines(), "\n") + "\n.\n" }

// wire is the message as the server must deliver it: CRLF line ends, dots
// unstuffed.
func (m iopMessage) wire() []byte { return []byte(strings.Join(m.lines(), "\r\n") + "\r\n") }

// iopToken names one message uniquely across runs against the same peers.
func iopToken(t *testing.T) string {
	name := strings.Map(func(r rune) rune {
		if r < 0x80 && (r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '-'
	}, t.Name())
	return fmt.Sprintf("%d.%s", time.Now().UnixNano(), name)
}

// iopDelivered waits for the message carrying tok in alice's Maildir and
// returns the file from the token header on (servers that add trace
// headers put them above it) and the part before it.
func iopDelivered(t *testing.T, maildir, tok string) (ours, above []byte) {
	t.Helper()
	dir := filepath.Join(maildir, "example.test", "alice", "new")
	needle := []byte(iopTokenHeader + tok)
	deadline := time.Now().Add(iopDeliveryWait)
	for {
		entries, err := os.ReadDir(dir)
		if errors.Is(err, os.ErrPermission) {
			t.Skipf("cannot read %s (%v): the Maildir belongs to the servers' users; run the interop tests as root, as .ci/run does", dir, err)
		}
		for _, e := range entries {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				continue // renamed into cur/ or still being written
			}
			if i := bytes.Index(data, needle); i >= 0 {
				return data[i:], data[:i]
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no message with %q reached %s within %s (%d files there)", needle, dir, iopDeliveryWait, len(entries))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// iopCheckDelivery compares what the server stored with what was sent.
func iopCheckDelivery(t *testing.T, s *iopServer, tok string, wire []byte) {
	t.Helper()
	if s.maildirEnv == "" {
		t.Logf("%s stores nothing: checked the replies only", s.name)
		return
	}
	if s.maildir() == "" {
		t.Skipf("%s is not set: export DIR/peers.env to check delivery", s.maildirEnv)
	}
	ours, above := iopDelivered(t, s.maildir(), tok)
	want := wire
	if !s.exactFile {
		want = bytes.ReplaceAll(wire, []byte("\r\n"), []byte("\n"))
	} else if len(above) > 0 {
		t.Errorf("%s stored %q above the message; want the exact bytes sent", s.name, above)
	}
	if diff := cmp.Diff(string(want), string(ours)); diff != "" {
		t.Errorf("the delivered message differs from the one sent (-sent +delivered):\n%s", diff)
	}
}

// iopWireLines are the transcript's C:, S: and === lines, as printed.
func iopWireLines(out string) []string {
	var lines []string
	for _, l := range iopParse(out) {
		switch l.kind {
		case 'C', 'S':
			lines = append(lines, string(l.kind)+": "+l.text)
		case '=':
			lines = append(lines, "=== "+l.text)
		}
	}
	return lines
}

func iopIndex(lines []string, prefix string) int {
	for i, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return i
		}
	}
	return -1
}

func iopHasPrefixes(lines, prefixes []string) bool {
	if len(lines) < len(prefixes) {
		return false
	}
	for i, p := range prefixes {
		if !strings.HasPrefix(lines[i], p) {
			return false
		}
	}
	return true
}

// iopExpectSequence checks that consecutive transcript lines (comments
// aside) start with the prefixes, beginning where the first one matches.
func iopExpectSequence(t *testing.T, r iopResult, prefixes ...string) {
	t.Helper()
	wire := iopWireLines(r.stdout)
	for i := range wire {
		if iopHasPrefixes(wire[i:], prefixes) {
			return
		}
	}
	t.Errorf("the transcript has no run of lines starting %q\n%s", prefixes, r.describe())
}

// iopExpectFinals checks the last lines of all replies, in order: for
// pipelined and BDAT sessions, where a reply does not follow its command.
func iopExpectFinals(t *testing.T, r iopResult, prefixes ...string) {
	t.Helper()
	var finals []string
	for _, l := range iopParse(r.stdout) {
		if l.kind == 'S' && (len(l.text) == 3 || len(l.text) > 3 && l.text[3] == ' ') {
			finals = append(finals, l.text)
		}
	}
	ok := len(finals) == len(prefixes)
	for i := 0; ok && i < len(prefixes); i++ {
		ok = strings.HasPrefix(finals[i], prefixes[i])
	}
	if !ok {
		t.Errorf("replies %q, want them to start %q\n%s", finals, prefixes, r.describe())
	}
}
