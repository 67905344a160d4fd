package repl

import (
	"strings"
	"testing"
)

func TestKeepable(t *testing.T) {
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
		{"an unpadded base64 word", "c3R1ZGVudA", false, "", false},
		{"any lone word that is no command", "hunter2", false, "", false},
		{"AUTH split by tabs", "\tAUTH\tPLAIN\tAHN0dWRlbnQAc2VjcmV0", false, "AUTH PLAIN", true},
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
			got, keep := keepable(tc.line, tc.inData, cmds)
			if got != tc.want || keep != tc.keep {
				t.Errorf("keepable(%q) = %q, %v; want %q, %v", tc.line, got, keep, tc.want, tc.keep)
			}
		})
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
