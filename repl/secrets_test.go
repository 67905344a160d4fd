package repl

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/visible/visibletest"
)

// TestScriptBuiltSecretsAreRedacted: in a script, what :plain and :b64
// build never reaches the output, which is a transcript to keep and
// share; the placeholder sends it on a later line.
func TestScriptBuiltSecretsAreRedacted(t *testing.T) {
	plain := proto.PlainResponse("", "student", "secret")
	tests := []struct {
		name, script string
		hidden       []string
		want         []string
		login        bool
	}{
		{
			name:   ":plain, then AUTH PLAIN <plain>",
			script: "EHLO me\n:plain student secret\nAUTH PLAIN <plain>\nQUIT\n",
			hidden: []string{plain, strings.TrimRight(plain, "="), proto.B64("secret")},
			want: []string{"# built <redacted: AUTH PLAIN credentials>: AUTH PLAIN <plain> sends it as the initial response",
				"C: AUTH PLAIN <redacted: AUTH PLAIN credentials>\nS: 235 2.7.0"},
			login: true,
		},
		{
			name:   ":b64, then <b64> after each 334",
			script: "EHLO me\nAUTH LOGIN\n:b64 student\n<b64>\n:b64 secret\n<b64>\nMAIL FROM:<b64>\nQUIT\n",
			hidden: []string{proto.B64("student"), proto.B64("secret")},
			want: []string{"# built <redacted: :b64 result>: a line holding only <b64> sends it as the answer to a 334",
				"C: <redacted: AUTH LOGIN password>\nS: 235 2.7.0", "C: MAIL FROM:<b64>"},
			login: true,
		},
		{
			name:   ":unb64 of a PLAIN blob",
			script: ":unb64 " + plain + "\n:unb64 VXNlcm5hbWU6\nQUIT\n",
			hidden: []string{"secret"},
			want:   []string{`# "\x00student\x00<redacted: AUTH PLAIN credentials>"`, `# "Username:"`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, s, err := runScriptAgainst(t, startSandbox(t), Config{}, tc.script)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			for _, h := range tc.hidden {
				if strings.Contains(out, h) {
					t.Errorf("the output holds %q:\n%s", h, out)
				}
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("the output lacks %q:\n%s", w, out)
				}
			}
			if tc.login && !s.State().Authenticated {
				t.Errorf("not logged in:\n%s", out)
			}
		})
	}
}

// TestScriptAuthNeverBatched: with --pipeline an AUTH line and its answers
// each wait for their reply, so each is checked and named on its own.
func TestScriptAuthNeverBatched(t *testing.T) {
	script := "EHLO me\nRSET\nAUTH LOGIN\nc3R1ZGVudA==\nc2VjcmV0\nMAIL FROM:<bob@example.test>\nQUIT\n"
	out, s, err := runScriptAgainst(t, startSandbox(t), Config{Pipeline: true}, script)
	if err != nil || s.Failed() {
		t.Fatalf("err %v, failed %v\n%s", err, s.Failed(), out)
	}
	want := "C: RSET\nS: 250 2.0.0 Ok\nC: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: <redacted: AUTH LOGIN username>\nS: 334 UGFzc3dvcmQ6\nC: <redacted: AUTH LOGIN password>\nS: 235 2.7.0 Authentication successful\n"
	if !strings.Contains(out, want) {
		t.Errorf("AUTH shared a batch:\n%s", out)
	}
}

// TestHostileAuthLineShownEscaped: an AUTH line whose mechanism carries
// controls is shown escaped wherever it is shown: the comment that says
// it was withheld, the script's output and a recording of it.
func TestHostileAuthLineShownEscaped(t *testing.T) {
	const blob = "AHN0dWRlbnQAc2VjcmV0"
	t.Run("withheld after a refused STARTTLS", func(t *testing.T) {
		addr := startScriptedServer(t, "220 evil.test ESMTP\n250-evil.test\n250-STARTTLS\n250 AUTH PLAIN\n454 4.7.0 TLS not available\n221 2.0.0 Bye\n")
		var out, errOut bytes.Buffer
		s := NewScriptSession(Config{Addr: addr, Timeout: 5 * time.Second}, &out, &errOut)
		if err := s.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		s.RunScript(context.Background(), strings.NewReader("EHLO me\nSTARTTLS\nAUTH PL\x1b]0;PWN\x07AIN\u202e "+blob+"\nQUIT\n"))
		s.Close()
		visibletest.AssertTerminalSafe(t, "stdout", out.String(), false)
		visibletest.AssertTerminalSafe(t, "stderr", errOut.String(), false)
		if want := `# skipped, not sent: AUTH PL\x1b]0;PWN\x07AIN\u202e <redacted: initial response>`; !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	})
	t.Run("sent and recorded", func(t *testing.T) {
		rec := filepath.Join(t.TempDir(), "rec.txt")
		out, _, _ := runScriptAgainst(t, startSandbox(t), Config{Record: rec}, "EHLO me\nAUTH PL\x1b]0;PWN\x07AIN "+blob+"\nQUIT\n")
		recorded, err := os.ReadFile(rec)
		if err != nil {
			t.Fatal(err)
		}
		for what, text := range map[string]string{"stdout": out, "the recording": string(recorded)} {
			visibletest.AssertTerminalSafe(t, what, text, false)
			if strings.Contains(text, blob) {
				t.Errorf("%s holds the credentials:\n%s", what, text)
			}
		}
	})
}

// TestAuthShown: the AUTH line as shown when its response is hidden or
// withheld; the mechanism comes from a script or a paste, so it is
// escaped and bounded, and a tab separates as a space does.
func TestAuthShown(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"AUTH PLAIN AHN0dWRlbnQAc2VjcmV0", "AUTH PLAIN ***"},
		{"AUTH\tPLAIN\tAHN0dWRlbnQAc2VjcmV0", "AUTH PLAIN ***"},
		{"AUTH LOGIN", "AUTH LOGIN"},
		{"AUTH PL\x1b]0;PWN\x07AIN\u202e AHN0", `AUTH PL\x1b]0;PWN\x07AIN\u202e ***`},
		{"AUTH " + strings.Repeat("M", 100) + " AHN0", "AUTH " + strings.Repeat("M", 40) + " … (100 bytes in all) ***"},
	} {
		cmd, err := proto.ParseCommand(tc.line)
		if err != nil {
			t.Fatal(err)
		}
		if got := authShown(cmd, "***"); got != tc.want {
			t.Errorf("authShown(%q) = %q, want %q", tc.line, got, tc.want)
		}
	}
}
