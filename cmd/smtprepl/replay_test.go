package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/proto/sandbox"
)

func TestSecretEnv(t *testing.T) {
	tests := []struct{ name, want string }{
		{"AUTH PLAIN credentials", "SMTPREPL_SECRET_AUTH_PLAIN_CREDENTIALS"},
		{"AUTH LOGIN password", "SMTPREPL_SECRET_AUTH_LOGIN_PASSWORD"},
		{"AUTH CRAM-MD5 response", "SMTPREPL_SECRET_AUTH_CRAM_MD5_RESPONSE"},
		{"naïve", "SMTPREPL_SECRET_NA_VE"},
	}
	for _, tc := range tests {
		if got := secretEnv(tc.name); got != tc.want {
			t.Errorf("secretEnv(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestResolveSecrets(t *testing.T) {
	vars := map[string]string{"SMTPREPL_SECRET_AUTH_LOGIN_USERNAME": "c3R1ZGVudA=="}
	e := &env{stdin: strings.NewReader(""), getenv: func(k string) string { return vars[k] }}
	tests := []struct {
		name    string
		names   []string
		given   []string
		want    map[string]string
		wantErr string
	}{
		{name: "flag and environment", names: []string{"AUTH LOGIN username", "AUTH LOGIN password"},
			given: []string{"AUTH LOGIN password=c2VjcmV0"},
			want:  map[string]string{"AUTH LOGIN username": "c3R1ZGVudA==", "AUTH LOGIN password": "c2VjcmV0"}},
		{name: "flag wins", names: []string{"AUTH LOGIN username"}, given: []string{"AUTH LOGIN username=YWxpY2U="},
			want: map[string]string{"AUTH LOGIN username": "YWxpY2U="}},
		{name: "value with =", names: []string{"AUTH PLAIN credentials"}, given: []string{"AUTH PLAIN credentials=AGE=="},
			want: map[string]string{"AUTH PLAIN credentials": "AGE=="}},
		{name: "missing in script mode", names: []string{"AUTH PLAIN credentials"},
			wantErr: `the recording needs the secret "AUTH PLAIN credentials" and stdin is not a terminal: give --secret "AUTH PLAIN credentials=VALUE" or set SMTPREPL_SECRET_AUTH_PLAIN_CREDENTIALS`},
		{name: "malformed flag", given: []string{"password"}, wantErr: `--secret "password": want NAME=VALUE`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			secret, err := resolveSecrets(e, tc.names, tc.given)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, n := range tc.names {
				if got[n], err = secret(n); err != nil {
					t.Fatal(err)
				}
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("secrets (-want +got):\n%s", d)
			}
		})
	}
}

func TestReplayUsage(t *testing.T) {
	t.Setenv("CI", "") // the fallback to the sandbox has its own test
	d1 := testdata + "rfc5321-d1-typical.txt"
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{name: "no file", args: nil, code: 64, stderr: "replay needs a transcript, several, or a directory of them"},
		{name: "two files are a suite", args: []string{d1, d1}, code: 1, stdout: "replay of 2 transcript(s):"},
		{name: "an empty directory", args: []string{t.TempDir()}, code: 64, stderr: "holds no transcript (*.txt or *.log)"},
		{name: "tls without against", args: []string{d1, "--tls"}, code: 64, stderr: "--tls needs --against"},
		{name: "tls and starttls", args: []string{d1, "--tls", "--starttls", "--against", "127.0.0.1:1"}, code: 64, stderr: "exclude each other"},
		{name: "bad timeout", args: []string{d1, "--timeout", "0s"}, code: 64, stderr: "--timeout must be positive"},
		{name: "missing file", args: []string{"nope.txt"}, code: 64, stderr: "cannot read the transcript"},
		{name: "missing secret", args: []string{testdata + "design-example.txt"}, code: 64,
			stderr: `the recording needs the secret "AUTH LOGIN username" and stdin is not a terminal`},
		{name: "list rules", args: []string{"--list-rules", "--exact"}, code: 0, stdout: "Each reply's code, enhanced code, number of lines and text are compared"},
		{name: "a pattern", args: []string{"../../transcripts/mocktest/testdata/submission.txt"}, code: 64,
			stderr: "smtprepl: line 26 is a C~ pattern, which replay cannot send (patterns are for mock and diff)\n"},
		{name: "nobody listening", args: []string{d1, "--against", "127.0.0.1:1", "--timeout", "5s"}, code: 2, stderr: "cannot connect to 127.0.0.1:1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, "", append([]string{"replay"}, tc.args...)...)
			if code != tc.code || !strings.Contains(out, tc.stdout) || !strings.Contains(errOut, tc.stderr) {
				t.Errorf("exit %d, want %d with stdout %q and stderr %q\nstdout:\n%s\nstderr:\n%s", code, tc.code, tc.stdout, tc.stderr, out, errOut)
			}
		})
	}
}

// plainCredentials is the AUTH PLAIN secret of the recorded sessions.
const plainCredentials = "AHN0dWRlbnQAc2VjcmV0" // base64 of "\0student\0secret"

// TestReplayInProcess replays against the default sandbox and against one
// whose answer for a step changed, in-process.
func TestReplayInProcess(t *testing.T) {
	t.Setenv("CI", "")
	rec := recordViaScript(t, run)
	secret := "--secret=AUTH PLAIN credentials=" + plainCredentials
	code, out, errOut := runCmd(t, "", "replay", rec, secret, "--exact")
	if code != 0 || !strings.Contains(out, "replay: all 12 steps match (exact text, volatile parts masked)") {
		t.Errorf("replay against the sandbox: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "replaying against the built-in practice server, NOT a real server") {
		t.Errorf("replay without --against did not say it uses the practice server:\n%s", errOut)
	}
	code, out, errOut = runCmd(t, "", "replay", rec, secret, "--exact", "--keep", "all", "--against", "sandbox")
	if code != 0 || !strings.Contains(out, "replay: all 12 steps match (exact text, nothing masked)") || errOut != "" {
		t.Errorf("replay --exact --keep all --against sandbox: exit %d, want 0, nothing masked, quiet stderr\n%s%s", code, out, errOut)
	}
	t.Setenv("CI", "true")
	code, out, errOut = runCmd(t, "", "replay", rec, secret)
	if want := "smtprepl: replay without --against would use the built-in practice server, which CI (CI is set) refuses"; code != exitUsage || !strings.HasPrefix(errOut, want) || strings.Count(errOut, "\n") != 1 {
		t.Errorf("replay without --against in CI: exit %d, want 64 and one sentence %q\n%s%s", code, want, out, errOut)
	}
	t.Setenv("CI", "")
	srv, err := sandbox.New(func() sandbox.Config {
		c := sandbox.DefaultConfig()
		c.Mailboxes = []string{"alice", "bob", "postmaster"}
		return c
	}())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	addr, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCmd(t, "", "replay", rec, secret, "--against", addr.String(), "--insecure", "--timeout", "10s")
	want := "step 8   RCPT TO:<carol@example.test>\n         reply code: want 250, got 550\n"
	if code != 1 || !strings.Contains(out, want) || !strings.Contains(out, "replay: 1 of 12 steps differ") {
		t.Errorf("replay against a sandbox without carol: exit %d, want 1 and %q\n%s%s", code, want, out, errOut)
	}
}

// recordViaScript records the session through smtprepl's script mode and
// --record, with runner being run itself or the built binary, and checks
// that no form of the password is in the file.
func recordViaScript(t *testing.T, runner func(args []string, stdin io.Reader, stdout, stderr io.Writer) int) string {
	t.Helper()
	rec := filepath.Join(t.TempDir(), "session.txt")
	script := "EHLO client.example\nSTARTTLS\nEHLO client.example\nAUTH PLAIN " + plainCredentials + "\n" +
		"MAIL FROM:<student@example.test>\nRCPT TO:<alice@example.test>\nRCPT TO:<carol@example.test>\n" +
		"DATA\nSubject: hello\n\n.a line that starts with a dot\n.\nRSET\nQUIT\n"
	var out, errOut strings.Builder
	if code := runner([]string{"--record", rec, "--insecure", "--timeout", "10s"}, strings.NewReader(script), &out, &errOut); code != 0 {
		t.Fatalf("recording: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	b, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"secret", "c2VjcmV0", plainCredentials, "AUTH PLAIN <redacted: AUTH PLAIN credentials>"} {
		if strings.Contains(string(b), s) != strings.HasPrefix(s, "AUTH") {
			t.Errorf("recording and %q:\n%s", s, b)
		}
	}
	return rec
}

// TestReplyRepeatedSecret: a recording with a wrong and then a right
// login needs two values for one secret name: repeated --secret flags are
// used in order, the last one for any use beyond them.
func TestReplayRepeatedSecret(t *testing.T) {
	wrong := "AHN0dWRlbnQAd3Jvbmc=" // base64 of "\0student\0wrong"
	rec := filepath.Join(t.TempDir(), "session.txt")
	script := "EHLO client.example\nSTARTTLS\nEHLO client.example\nAUTH PLAIN " + wrong + "\nAUTH PLAIN " + plainCredentials + "\nQUIT\n"
	var out, errOut strings.Builder
	// Exit 1: the first login's 535 is a refusal the script saw.
	if code := run([]string{"--record", rec, "--insecure", "--timeout", "10s"}, strings.NewReader(script), &out, &errOut); code != 1 {
		t.Fatalf("recording: exit %d, want 1\n%s%s", code, out.String(), errOut.String())
	}
	name := "--secret=AUTH PLAIN credentials="
	code, got, gotErr := runCmd(t, "", "replay", rec, name+wrong, name+plainCredentials, "--against", "sandbox")
	if code != 0 || !strings.Contains(got, "steps match") {
		t.Errorf("replay with the wrong, then the right secret: exit %d\n%s%s", code, got, gotErr)
	}
	code, got, gotErr = runCmd(t, "", "replay", rec, name+plainCredentials, "--against", "sandbox")
	if code != 1 || !strings.Contains(got, "want 535, got 235") {
		t.Errorf("replay with the right secret alone: exit %d, want 1 and the first login differing\n%s%s", code, got, gotErr)
	}
	e := &env{getenv: func(string) string { return "" }}
	secret, err := resolveSecrets(e, []string{"p"}, []string{"p=a", "p=b"})
	if err != nil {
		t.Fatal(err)
	}
	var seq []string
	for range 3 {
		v, _ := secret("p")
		seq = append(seq, v)
	}
	if want := []string{"a", "b", "b"}; !cmp.Equal(want, seq) {
		t.Errorf("values in order = %q, want %q", seq, want)
	}
}
