package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAuthSecretSources runs :auth in scripts against the sandbox
// (student/secret) with the secret from each source, and with none.
func TestAuthSecretSources(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good, crlf := write("good", "secret\nsecond line\n"), write("crlf", "secret\r\n")
	empty, blank := write("empty", ""), write("blank", "\nsecret\n")
	wrong, nul := write("wrong", testPass+"\n"), write("nul", "sec\x00ret\n")
	unreadable := filepath.Join(dir, "missing")
	script := "EHLO me\n:auth %s student\nQUIT\n"
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		mech     string
		code     int
		stdout   string // substring
		stderr   string // substring
		password string // must not appear, in clear or base64
	}{
		{"env flag, plain", map[string]string{"MY_PASS": "secret"}, []string{"--auth-password-env", "MY_PASS"}, "plain", 0, "235 2.7.0", "", "secret"},
		{"file flag, login", nil, []string{"--auth-password-file", good}, "login", 0, "235 2.7.0", "", "secret"},
		{"file with CRLF, cram-md5", nil, []string{"--auth-password-file", crlf}, "cram-md5", 0, "235 2.7.0", "", "secret"},
		{"SMTPREPL_PASSWORD", map[string]string{"SMTPREPL_PASSWORD": "secret"}, nil, "plain", 0, "235 2.7.0", "", "secret"},
		{"flag wins over SMTPREPL_PASSWORD", map[string]string{"SMTPREPL_PASSWORD": "nope", "P": "secret"}, []string{"--auth-password-env", "P"}, "login", 0, "235 2.7.0", "", "secret"},
		{"oauthbearer practice token", map[string]string{"SMTPREPL_PASSWORD": "smtprepl-practice-token"}, nil, "oauthbearer", 0, "235 2.7.0", "", "smtprepl-practice-token"},
		{"oauthbearer wrong token", map[string]string{"T": "ya29.A0AfB_byExpired"}, []string{"--auth-password-env", "T"}, "oauthbearer", 1,
			"#   status \"invalid_token\": the token is expired, revoked, malformed or for another service", "smtprepl: :auth oauthbearer student: the server refused the login: 535 5.7.8", "ya29.A0AfB_byExpired"},
		{"scram-sha-256", map[string]string{"SMTPREPL_PASSWORD": "secret"}, nil, "scram-sha-256", 0, "v= is HMAC(ServerKey, AuthMessage) and matches ours", "", "secret"},
		{"scram-sha-256 non-ASCII password", map[string]string{"SMTPREPL_PASSWORD": "s\u00e9cret"}, nil, "scram-sha-256", 64, "", "script line 2: SCRAM password: it holds a character outside ASCII", "s\u00e9cret"},
		{"wrong password", nil, []string{"--auth-password-file", wrong}, "plain", 1, "535 5.7.8", "", testPass},
		{"no source in a script", nil, nil, "plain", 64, "script line 2", "script line 2: :auth needs the password (or token), and a script has no terminal to ask at: give it with --auth-password-env VAR, --auth-password-file FILE, or the SMTPREPL_PASSWORD environment variable", ""},
		{"variable not set", nil, []string{"--auth-password-env", "UNSET_VAR"}, "plain", 64, "", "--auth-password-env UNSET_VAR: that environment variable is not set, or empty", ""},
		{"empty file", nil, []string{"--auth-password-file", empty}, "plain", 64, "", "the first line is empty", ""},
		{"empty first line", nil, []string{"--auth-password-file", blank}, "plain", 64, "", "the first line is empty", ""},
		{"unreadable file", nil, []string{"--auth-password-file", unreadable}, "plain", 64, "", "cannot read it: no such file or directory", ""},
		{"a directory", nil, []string{"--auth-password-file", dir}, "plain", 64, "", "cannot read it", ""},
		{"both flags", map[string]string{"P": "secret"}, []string{"--auth-password-env", "P", "--auth-password-file", good}, "plain", 64, "", "exclude each other", ""},
		{"a bare password is no flag", nil, []string{"--auth-password", "secret"}, "plain", 64, "", "smtprepl takes no password on the command line", ""},
		{"NUL in the secret", nil, []string{"--auth-password-file", nul}, "plain", 64, "", "holds a NUL, CR or LF", "sec\x00ret"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("SMTPREPL_PASSWORD", "")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			code, stdout, stderr := runCmd(t, strings.Replace(script, "%s", tc.mech, 1), tc.args...)
			if code != tc.code || !strings.Contains(stdout, tc.stdout) || !strings.Contains(stderr, tc.stderr) {
				t.Fatalf("exit %d, want %d (stdout %q, stderr %q)\nstdout:\n%s\nstderr:\n%s", code, tc.code, tc.stdout, tc.stderr, stdout, stderr)
			}
			if tc.password != "" {
				forms := []string{tc.password, strings.TrimRight(b64(tc.password), "="), strings.TrimRight(b64("\x00student\x00"+tc.password), "=")}
				assertNone(t, "stdout", stdout, forms)
				assertNone(t, "stderr", stderr, forms)
			}
		})
	}
}

// TestAuthSecretRecorded: the recording of a script that logged in with
// a given secret holds no form of it.
func TestAuthSecretRecorded(t *testing.T) {
	rec := filepath.Join(t.TempDir(), "rec.txt")
	t.Setenv("SMTPREPL_PASSWORD", "secret")
	code, stdout, stderr := runCmd(t, "EHLO me\n:auth login student\nQUIT\n", "--record", rec)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	b, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "C: <redacted: AUTH LOGIN password>") {
		t.Errorf("recording does not show the redacted password line:\n%s", b)
	}
	assertNone(t, "recording", string(b), []string{"secret", "c2VjcmV0"})
}
