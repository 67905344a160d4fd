package repl

import (
	"strings"
	"testing"

	"github.com/smtprepl/smtprepl/proto"
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
			if tc.login && s.st.authUser == "" {
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
