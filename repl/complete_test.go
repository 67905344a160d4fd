package repl

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fullEHLO advertises what the sandbox does.
var fullEHLO = []string{
	"250-sandbox.smtprepl.test", "250-PIPELINING", "250-SIZE 10485760", "250-STARTTLS",
	"250-AUTH PLAIN LOGIN CRAM-MD5", "250-8BITMIME", "250-DSN", "250-SMTPUTF8", "250 CHUNKING",
}

// bareEHLO advertises nothing a parameter needs.
var bareEHLO = []string{"250-old.example", "250 PIPELINING"}

func TestCompletions(t *testing.T) {
	greetedSt := state{greeted: true}
	inMail := state{greeted: true, mail: true}
	withRcpt := state{greeted: true, mail: true, rcpts: 1}
	tests := []struct {
		name     string
		st       state
		ehlo     []string
		head     string
		wantWord string
		want     []string
	}{
		{"MA completes MAIL's syntax", greetedSt, fullEHLO, "MA", "MA", []string{"MAIL FROM:<"}},
		{"lower case is kept", greetedSt, fullEHLO, "ma", "ma", []string{"mail from:<"}},
		{"before EHLO only greeting-time verbs", state{}, nil, "", "",
			[]string{"EHLO ", "HELO ", "RSET", "VRFY ", "EXPN ", "HELP", "NOOP", "QUIT"}},
		{"no MAIL before EHLO", state{}, nil, "M", "M", nil},
		{"STARTTLS and AUTH when offered", greetedSt, fullEHLO, "S", "S", []string{"STARTTLS"}},
		{"no STARTTLS when not offered", greetedSt, bareEHLO, "S", "S", nil},
		{"AUTH when offered", greetedSt, fullEHLO, "A", "A", []string{"AUTH "}},
		{"no AUTH once logged in", state{greeted: true, authUser: "student"}, fullEHLO, "A", "A", nil},
		{"RCPT inside a transaction", inMail, fullEHLO, "R", "R", []string{"RCPT TO:<", "RSET"}},
		{"DATA needs a recipient", inMail, fullEHLO, "D", "D", nil},
		{"DATA and BDAT with a recipient", withRcpt, fullEHLO, "", "",
			[]string{"RCPT TO:<", "DATA", "BDAT ", "RSET", "VRFY ", "EXPN ", "HELP", "NOOP", "QUIT"}},
		{"BDAT needs CHUNKING", withRcpt, bareEHLO, "B", "B", nil},
		{"MAIL's argument", greetedSt, fullEHLO, "MAIL F", "F", []string{"FROM:<"}},
		{"no guess inside the address", greetedSt, fullEHLO, "MAIL FROM:<bo", "", nil},
		{"parameters the server advertised", greetedSt, fullEHLO, "MAIL FROM:<b@x> ", "",
			[]string{"SIZE=", "BODY=7BIT", "BODY=8BITMIME", "SMTPUTF8", "RET=FULL", "RET=HDRS", "ENVID=", "AUTH=<>"}},
		{"BODY=8BITMIME", greetedSt, fullEHLO, "MAIL FROM:<b@x> BODY=8", "BODY=8", []string{"BODY=8BITMIME"}},
		{"no BODY= without 8BITMIME", greetedSt, bareEHLO, "MAIL FROM:<b@x> B", "B", nil},
		{"a parameter is offered once", greetedSt, fullEHLO, "MAIL FROM:<b@x> SIZE=10 S", "S", []string{"SMTPUTF8"}},
		{"RCPT's DSN parameters", inMail, fullEHLO, "RCPT TO:<a@x> N", "N",
			[]string{"NOTIFY=SUCCESS,FAILURE", "NOTIFY=SUCCESS", "NOTIFY=FAILURE", "NOTIFY=DELAY", "NOTIFY=NEVER"}},
		{"no NOTIFY= without DSN", inMail, bareEHLO, "RCPT TO:<a@x> N", "N", nil},
		{"AUTH mechanisms offered", greetedSt, fullEHLO, "AUTH ", "", []string{"PLAIN", "LOGIN", "CRAM-MD5"}},
		{"AUTH mechanism prefix", greetedSt, fullEHLO, "auth c", "c", []string{"cram-md5"}},
		{"EHLO suggests our name", state{}, nil, "EHLO ", "", []string{"client.example"}},
		{"colon-commands", greetedSt, fullEHLO, ":he", ":he", []string{":help "}},
		{"colon-command arguments", greetedSt, fullEHLO, ":wire o", "o", []string{"on", "off"}},
		{":auth offers what it can drive", greetedSt, fullEHLO, ":auth ", "", []string{"plain", "login", "cram-md5"}},
		{":help takes verbs", greetedSt, fullEHLO, ":help st", "st", []string{"starttls"}},
		{"nothing inside DATA", state{greeted: true, mail: true, rcpts: 1, inData: true}, fullEHLO, "MA", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := testSession(t, tc.st, tc.ehlo)
			word, got := s.Completions(tc.head)
			if word != tc.wantWord {
				t.Errorf("completions(%q) word = %q, want %q", tc.head, word, tc.wantWord)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("completions(%q) (-want +got):\n%s", tc.head, diff)
			}
		})
	}
}

func TestCompletionNotConnected(t *testing.T) {
	s := NewScriptSession(Config{}, io.Discard, io.Discard)
	if _, got := s.Completions("E"); got != nil {
		t.Errorf("verbs offered with no connection: %q", got)
	}
	if _, got := s.Completions(":op"); !cmp.Equal(got, []string{":open "}) {
		t.Errorf("colon-commands with no connection = %q, want [:open ]", got)
	}
}

func TestCompleteFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"msg.eml", "mime.eml", ".hidden"} {
		os.WriteFile(filepath.Join(dir, name), nil, 0o600)
	}
	os.Mkdir(filepath.Join(dir, "sub"), 0o700)
	got := completeFiles(dir + "/m")
	want := []string{dir + "/mime.eml", dir + "/msg.eml"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("completeFiles (-want +got):\n%s", diff)
	}
	if got := completeFiles(dir + "/"); !cmp.Equal(got, []string{dir + "/mime.eml", dir + "/msg.eml", dir + "/sub/"}) {
		t.Errorf("completeFiles(dir/) = %q: want no dot files and a slash after directories", got)
	}
}
