package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// runCLI runs smtprepl in-process with script on stdin.
func runCLI(t *testing.T, script string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, strings.NewReader(script), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestSandboxStartTLSNeedsTrust(t *testing.T) {
	auth := "EHLO me.example\nAUTH PLAIN AHN0dWRlbnQAc2VjcmV0\nQUIT\n"
	cases := []struct {
		name   string
		args   []string
		exit   int
		stdout string
		stderr string
	}{
		{"refused without --insecure", []string{"--starttls", "--timeout", "5s"}, exitFailure, "", "self-signed"},
		{"accepted with --insecure", []string{"--starttls", "--insecure", "--timeout", "5s"}, exitOK, "S: 235 2.7.0", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, auth, tc.args...)
			if code != tc.exit {
				t.Fatalf("exit %d, want %d\nstderr: %s\nstdout:\n%s", code, tc.exit, errOut, out)
			}
			if !strings.Contains(out, tc.stdout) || !strings.Contains(errOut, tc.stderr) {
				t.Errorf("stdout/stderr lack %q/%q:\n%s\n%s", tc.stdout, tc.stderr, out, errOut)
			}
			if strings.Contains(out, "AHN0dWRlbnQAc2VjcmV0") {
				t.Errorf("the AUTH PLAIN secret reached the output:\n%s", out)
			}
			if tc.stderr != "" && (strings.Count(strings.TrimSpace(errOut), "\n") > 0 || !strings.Contains(errOut, "certificate")) {
				t.Errorf("want one sentence naming the certificate, got %q", errOut)
			}
		})
	}
}

func TestUsageErrorsExit64(t *testing.T) {
	cases := [][]string{
		{"--bogus"},
		{"--timeout"},
		{"--timeout", "-1s"},
		{"--tls", "--starttls", "example.test"},
		{"a.example", "b.example"},
		{"host:99999"},
		{"explain"},
		{"explain", "not-a-code-or-keyword!"},
		{"sandbox", "extra"},
		{"-f", "/nonexistent/script"},
	}
	for _, args := range cases {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, _, errOut := runCLI(t, "", args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d (stderr %q)", code, exitUsage, errOut)
			}
			if !strings.HasPrefix(errOut, "smtprepl: ") {
				t.Errorf("stderr %q should start with a sentence", errOut)
			}
		})
	}
}

func TestExplainSubcommand(t *testing.T) {
	for query, want := range map[string]string{
		"5.7.8":      "5.7.8",
		"550":        "550",
		"550 5.1.1":  "Bad destination mailbox address",
		"PIPELINING": "RFC 2920",
	} {
		code, out, errOut := runCLI(t, "", "explain", query)
		if code != exitOK || !strings.Contains(out, want) {
			t.Errorf("explain %q: exit %d, output lacks %q:\n%s%s", query, code, want, out, errOut)
		}
	}
}

// TestJSONLines: --json writes one JSON object per wire line and event,
// with the exit codes of script mode and no secret in any form.
func TestJSONLines(t *testing.T) {
	script := "EHLO me.example\n:plain student secret\nAUTH PLAIN <plain>\nRCPT TO:<alice@example.test>\nQUIT\n"
	code, out, errOut := runCLI(t, script, "--json")
	if code != exitReplies {
		t.Fatalf("exit %d, want 1 (RCPT before MAIL is refused)\n%s\n%s", code, errOut, out)
	}
	kinds := map[string]int{}
	for i, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var obj struct {
			V     int    `json:"v"`
			Kind  string `json:"kind"`
			Code  int    `json:"code"`
			Bytes string `json:"bytes"`
		}
		if err := json.Unmarshal([]byte(line), &obj); err != nil || obj.V != 1 {
			t.Fatalf("line %d is not a version-1 object: %v: %s", i+1, err, line)
		}
		kinds[obj.Kind]++
		if obj.Kind == "server" && obj.Code == 0 {
			t.Errorf("a server line without its code: %s", line)
		}
	}
	if kinds["start"] != 1 || kinds["client"] != 4 || kinds["event"] < 2 || kinds["server"] < 4 {
		t.Errorf("kinds %v", kinds)
	}
	for _, secret := range []string{"secret", "AHN0dWRlbnQAc2VjcmV0", "c2VjcmV0"} {
		if strings.Contains(out, secret) {
			t.Errorf("%q reached the JSON output", secret)
		}
	}
}
