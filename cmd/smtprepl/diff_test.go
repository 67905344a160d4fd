package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testdata = "../../transcripts/testdata/"

// runCmd runs smtprepl in-process with stdin that is not a terminal.
func runCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut strings.Builder
	code = run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestDiff(t *testing.T) {
	dir := t.TempDir()
	edited := filepath.Join(dir, "d1-edited.txt")
	b, err := os.ReadFile(testdata + "rfc5321-d1-typical.txt")
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.Replace(string(b), "220 foo.com Simple Mail Transfer Service Ready", "220 foo.com ESMTP Postfix", 1))
	if err := os.WriteFile(edited, b, 0o600); err != nil {
		t.Fatal(err)
	}
	noop := filepath.Join(dir, "d1-noop.txt")
	if err := os.WriteFile(noop, []byte(strings.Replace(string(b), "C: MAIL FROM:", "C: NOOP\nS: 250 OK\nC: MAIL FROM:", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, "broken.txt")
	os.WriteFile(broken, []byte("X: hello\n"), 0o600)
	d1, d2 := testdata+"rfc5321-d1-typical.txt", testdata+"rfc5321-d2-aborted.txt"
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string // substrings
		stderr string   // substring
	}{
		{name: "same", args: []string{d1, d1}, code: 0, stdout: []string{"diff: all 9 steps match (code, enhanced code, line count, EHLO capabilities, TLS version)"}},
		{name: "swaks log and its reading", args: []string{testdata + "swaks-postfix-starttls.log", testdata + "swaks-postfix-starttls.txt", "--exact"}, code: 0,
			stdout: []string{"diff: all 12 steps match (exact text, volatile parts masked)"}},
		{name: "different", args: []string{d1, d2}, code: 1, stdout: []string{
			"step 6   RCPT TO:<Brown@foo.com>\n         command: want \"RCPT TO:<Brown@foo.com>\", got \"RSET\"",
			"         what follows from it:\n           step 7   DATA: missing from got\n           step 8   .: missing from got\n",
			"diff: 1 of 9 steps differ, and 2 more follow from those"}},
		{name: "an extra command is one difference", args: []string{d1, noop}, code: 1, stdout: []string{
			"step 3   NOOP\n         not in want", "diff: 1 of 10 steps differ ("}},
		{name: "aspects ignored", args: []string{d1, d1, "--ignore", "enhanced", "--ignore", "ehlo-order"}, code: 0,
			stdout: []string{"ignoring enhanced, ehlo-order"}},
		{name: "greeting text ignored by default", args: []string{d1, edited}, code: 0},
		{name: "greeting text masked under --exact", args: []string{d1, edited, "--exact"}, code: 0},
		{name: "greeting text kept", args: []string{"--exact", "--keep", "greeting", d1, edited}, code: 1,
			stdout: []string{`line 1: want "220 foo.com Simple Mail Transfer Service Ready", got "220 foo.com ESMTP Postfix"`}},
		{name: "own rule instead", args: []string{"--exact", "--keep", "greeting", "--ignore", `banner=^220 \S+ (.*)$`, d1, edited}, code: 0},
		{name: "list rules", args: []string{"--list-rules", "--keep", "hex", "--ignore", "ticket=T[0-9]+"}, code: 0,
			stdout: []string{"queue-id ", "ticket ", "every reply        T[0-9]+"}},
		{name: "one file", args: []string{d1}, code: 64, stderr: "diff needs two transcripts, got 1 argument(s)"},
		{name: "missing file", args: []string{d1, filepath.Join(dir, "nope.txt")}, code: 64, stderr: "cannot read the transcript"},
		{name: "syntax error", args: []string{d1, broken}, code: 64, stderr: "broken.txt: line 1: unknown line prefix"},
		{name: "unknown rule", args: []string{"--keep", "queue", d1, d1}, code: 64, stderr: `--keep: no rule "queue" (rules: all, queue-id`},
		{name: "bad ignore", args: []string{"--ignore", "x", d1, d1}, code: 64, stderr: `--ignore: nothing to ignore called "x" (known: enhanced, text, lines, ehlo, ehlo-order, tls, or NAME=REGEXP`},
		{name: "bad ignore rule", args: []string{"--ignore", "x=(", d1, d1}, code: 64, stderr: `--ignore: rule "x": error parsing regexp`},
		{name: "unknown flag", args: []string{"--nope", d1, d1}, code: 64, stderr: "unknown flag -nope"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, "", append([]string{"diff"}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errOut)
			}
			for _, s := range tc.stdout {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			if !strings.Contains(errOut, tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, errOut)
			}
		})
	}
}
