package repl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestHistoryEntry(t *testing.T) {
	cmds := newCommandTable()
	tests := []struct {
		name   string
		line   string
		inData bool
		want   string
		keep   bool
	}{
		{"a command", "EHLO me.example", false, "EHLO me.example", true},
		{"an unknown verb is a lesson, kept", "XYZZY now", false, "XYZZY now", true},
		{"known verbs that happen to be base64", "QUIT", false, "QUIT", true},
		{"empty", "   ", false, "", false},
		{"AUTH without a response", "AUTH LOGIN", false, "AUTH LOGIN", true},
		{"AUTH PLAIN's initial response is cut", "AUTH PLAIN AHN0dWRlbnQAc2VjcmV0", false, "AUTH PLAIN", true},
		{"AUTH LOGIN's initial response is cut", "auth login c3R1ZGVudA==", false, "AUTH login", true},
		{"a lone base64 word (an AUTH answer)", "c2VjcmV0", false, "", false},
		{"the empty AUTH answer", "=", false, "", false},
		{":auth arguments", ":auth login student", false, "", false},
		{":b64 arguments", ":b64 secret", false, "", false},
		{":unb64 arguments", ":unb64 c2VjcmV0", false, "", false},
		{":plain arguments", ":plain student secret", false, "", false},
		{"an unknown colon-command (maybe a typo of one)", ":b46 secret", false, "", false},
		{"a harmless colon-command", ":open mx.example.com", false, ":open mx.example.com", true},
		{"message text", "Subject: my password is secret", true, "", false},
		{"a colon-command inside DATA", ":send msg.eml", true, ":send msg.eml", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, keep := historyEntry(tc.line, tc.inData, cmds)
			if got != tc.want || keep != tc.keep {
				t.Errorf("historyEntry(%q) = %q, %v; want %q, %v", tc.line, got, keep, tc.want, tc.keep)
			}
		})
	}
}

func TestDefaultHistoryPath(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"XDG_STATE_HOME", map[string]string{"XDG_STATE_HOME": "/x/state", "HOME": "/home/u"}, "/x/state/smtprepl/history"},
		{"relative XDG_STATE_HOME is ignored (XDG spec)", map[string]string{"XDG_STATE_HOME": "state", "HOME": "/home/u"}, "/home/u/.local/state/smtprepl/history"},
		{"fallback", map[string]string{"HOME": "/home/u"}, "/home/u/.local/state/smtprepl/history"},
		{"no home", map[string]string{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := DefaultHistoryPath(func(k string) string { return tc.env[k] }); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestHistoryFileIsPrivateAndFiltered(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "smtprepl", "history")
	os.MkdirAll(filepath.Dir(path), 0o700)
	// An old file holding a secret must not bring it back.
	os.WriteFile(path, []byte("EHLO a.example\nc2VjcmV0\n:b64 secret\n"), 0o600)
	lr := &scriptedReader{t: t}
	h, err := openHistory(path, lr, newCommandTable())
	if err != nil {
		t.Fatal(err)
	}
	h.add("NOOP")
	h.Close()
	if diff := cmp.Diff([]string{"EHLO a.example", "NOOP"}, lr.history); diff != "" {
		t.Errorf("readline's history (-want +got):\n%s", diff)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("history file mode = %v, %v; want 0600", info.Mode(), err)
	}
	if dir, _ := os.Stat(filepath.Dir(path)); dir.Mode().Perm() != 0o700 {
		t.Errorf("history directory mode = %v, want 0700", dir.Mode())
	}
}

// TestAuthAnswersNeverInHistory runs AUTH LOGIN, AUTH PLAIN and :auth the
// way a person would and checks the history file and readline's list.
func TestAuthAnswersNeverInHistory(t *testing.T) {
	srv := startSandbox(t)
	run := runShell(t, srv, []readStep{
		{line: "EHLO me.example"},
		{line: "AUTH LOGIN"}, {line: "student"}, {line: "secret", secret: true},
		{line: "RSET"},
		{line: ":b64 secret"}, {line: ":plain student secret"},
		{line: ":quit"},
	})
	for _, where := range []struct{ name, text string }{
		{"history file", run.history},
		{"readline history", strings.Join(run.reader.history, "\n")},
	} {
		for _, secret := range []string{"secret", "c2VjcmV0", "c3R1ZGVudA==", "student"} {
			if strings.Contains(where.text, secret) {
				t.Errorf("%s holds %q:\n%s", where.name, secret, where.text)
			}
		}
	}
	if want := "EHLO me.example\nAUTH LOGIN\nRSET\n:quit\n"; run.history != want {
		t.Errorf("history file = %q, want %q", run.history, want)
	}
}

// TestScriptAuthAnswersSentAsTyped keeps script mode's contract: after a
// 334 the next lines are wire lines, not assisted plain text.
func TestScriptAuthAnswersSentAsTyped(t *testing.T) {
	srv := startSandbox(t)
	out, _, err := runScriptAgainst(t, srv, Config{}, "EHLO a.example\nAUTH LOGIN\nc3R1ZGVudA==\nc2VjcmV0\nQUIT\n")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "S: 235 2.7.0") || strings.Contains(out, "c2VjcmV0") {
		t.Errorf("want 235 and the password redacted:\n%s", out)
	}
}
