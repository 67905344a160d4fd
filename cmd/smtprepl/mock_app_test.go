package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// appTestdata holds the app under test and its recordings, shared with
// transcripts/mocktest, whose Go app plays the same story.
const appTestdata = "../../transcripts/mocktest/testdata/"

// pythonApp tests a Python app (smtplib) through "smtprepl mock" as CI
// would: it passes as recorded, and the mock fails it for a wrong
// recipient, a wrong password, a changed Subject and a missing retry.
func pythonApp(t *testing.T, bin string) {
	const python = "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Skipf("%s is not installed (Debian's python3): skipping the Python app test", python)
	}
	const password = "s3cret-do-not-echo"
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "password")
	os.WriteFile(secretFile, []byte(password+"\n"), 0o600)
	tests := []struct {
		name, file string
		appArgs    []string
		appPass    string
		want       string // in the mock's summary
		exit       int    // the mock's
	}{
		{"as recorded", "python-submission.txt", nil, password, "1 followed, 0 deviated", 0},
		{"wrong recipient", "python-submission.txt", []string{"--to", "bob@customer.example"}, password,
			`step 8: got "rcpt TO:<bob@customer.example>", recorded "RCPT TO:<alice@customer.example>"`, 1},
		{"wrong password", "python-submission.txt", nil, "wrong-password", "step 5: AUTH CRAM-MD5: wrong credentials", 1},
		{"changed Subject", "python-submission.txt", []string{"--subject", "Weekly report"}, password,
			`message line 3 is "Subject: Weekly report", recorded "Subject: Your weekly report"`, 1},
		{"retried after 451", "python-retry.txt", nil, password, "2 followed, 0 deviated", 0},
		{"missing retry", "python-retry.txt", []string{"--retries", "0"}, password,
			"1 recorded session(s) got no connection (sessions 2 to 2)", 1},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			save, report, cert := filepath.Join(dir, tc.name), filepath.Join(dir, tc.name+".json"), filepath.Join(dir, tc.name+".pem")
			m := startMockCmd(t, exec.Command(bin, "mock", appTestdata+tc.file, "--listen", "127.0.0.1:0", "--timeout", "10s",
				"--user", "reports", "--user-password-file", secretFile, "--save", save, "--json", report, "--write-cert", cert))
			app := exec.Command(python, append([]string{appTestdata + "app.py", "127.0.0.1", m.port(t), cert}, tc.appArgs...)...)
			app.Env = append(os.Environ(), "APP_SMTP_PASSWORD="+tc.appPass)
			appOut, _ := app.CombinedOutput()
			m.cmd.Process.Signal(syscall.SIGTERM)
			code, out := m.wait(t)
			if code != tc.exit || !strings.Contains(out, tc.want) {
				t.Errorf("mock: exit %d, want %d and %q\n%s\napp: %s", code, tc.exit, tc.want, out, appOut)
			}
			all := out + m.stderr.String()
			b, _ := os.ReadFile(report)
			if strings.Contains(all+string(b), password) {
				t.Errorf("the secret was shown:\n%s\n%s", all, b)
			}
			var rep struct {
				OK       bool `json:"ok"`
				Messages []struct {
					File     string `json:"file"`
					AuthUser string `json:"auth_user"`
				} `json:"messages"`
			}
			if err := json.Unmarshal(b, &rep); err != nil || rep.OK != (tc.exit == 0) {
				t.Errorf("--json: ok %v (%v), want %v\n%s", rep.OK, err, tc.exit == 0, b)
			}
			if i == 0 {
				eml, _ := os.ReadFile(filepath.Join(save, "session-1-message-1.eml"))
				if len(rep.Messages) != 1 || rep.Messages[0].AuthUser != "reports" || !strings.Contains(string(eml), "\r\nSubject: Your weekly report\r\n") {
					t.Errorf("--save and --json: %+v\n%s", rep.Messages, eml)
				}
			}
		})
	}
}

// port is the port the mock listens on.
func (m *mockProcess) port(t *testing.T) string {
	i := strings.LastIndex(m.addr, ":")
	if i < 0 {
		t.Fatalf("mock address %q has no port", m.addr)
	}
	return m.addr[i+1:]
}
