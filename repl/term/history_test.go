package term

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

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
	h, err := openHistory(path, lr, keeperForTest())
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
		{line: "AUTH LOGIN"}, {line: "c3R1ZGVudA=="}, {line: "c2VjcmV0", secret: true},
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
