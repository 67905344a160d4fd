package repl

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/proto"
)

// fullEHLO advertises what the sandbox does.
var fullEHLO = []string{
	"250-sandbox.smtprepl.test", "250-PIPELINING", "250-SIZE 10485760", "250-STARTTLS",
	"250-AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256 XOAUTH2 OAUTHBEARER", "250-8BITMIME", "250-DSN", "250-SMTPUTF8", "250 CHUNKING",
}

// bareEHLO advertises nothing a parameter needs.
var bareEHLO = []string{"250-old.example", "250 PIPELINING"}

func TestCompletions(t *testing.T) {
	var greetedSt []string
	inMail := []string{"MAIL FROM:<a@x>"}
	withRcpt := []string{"MAIL FROM:<a@x>", "RCPT TO:<b@x>"}
	loggedIn := []string{"AUTH PLAIN AHN0dWRlbnQAcGFzc3dvcmQ="}
	inData := []string{"MAIL FROM:<a@x>", "RCPT TO:<b@x>", "DATA"}
	tests := []struct {
		name     string
		st       []string // lines the server accepted after the EHLO
		ehlo     []string
		head     string
		wantWord string
		want     []string
	}{
		{"MA completes MAIL's syntax", greetedSt, fullEHLO, "MA", "MA", []string{"MAIL FROM:<"}},
		{"lower case is kept", greetedSt, fullEHLO, "ma", "ma", []string{"mail from:<"}},
		{"before EHLO only greeting-time verbs", nil, nil, "", "",
			[]string{"EHLO ", "HELO ", "RSET", "VRFY ", "EXPN ", "HELP", "NOOP", "QUIT"}},
		{"no MAIL before EHLO", nil, nil, "M", "M", nil},
		{"STARTTLS and AUTH when offered", greetedSt, fullEHLO, "S", "S", []string{"STARTTLS"}},
		{"no STARTTLS when not offered", greetedSt, bareEHLO, "S", "S", nil},
		{"AUTH when offered", greetedSt, fullEHLO, "A", "A", []string{"AUTH "}},
		{"no AUTH once logged in", loggedIn, fullEHLO, "A", "A", nil},
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
		{"AUTH mechanisms offered", greetedSt, fullEHLO, "AUTH ", "", []string{"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256", "XOAUTH2", "OAUTHBEARER"}},
		{"AUTH mechanism prefix", greetedSt, fullEHLO, "auth c", "c", []string{"cram-md5"}},
		{"EHLO suggests our name", nil, nil, "EHLO ", "", []string{"client.example"}},
		{"colon-commands", greetedSt, fullEHLO, ":he", ":he", []string{":help "}},
		{"colon-command arguments", greetedSt, fullEHLO, ":wire o", "o", []string{"on", "off"}},
		{":auth offers what it can drive", greetedSt, fullEHLO, ":auth ", "", []string{"plain", "login", "cram-md5", "xoauth2", "oauthbearer", "scram-sha-256"}},
		{":auth prefix", greetedSt, fullEHLO, ":auth s", "s", []string{"scram-sha-256"}},
		{":auth only what the server offers", greetedSt, []string{"250-mx.example", "250 AUTH PLAIN OAUTHBEARER"}, ":auth ", "", []string{"plain", "oauthbearer"}},
		{":help takes verbs", greetedSt, fullEHLO, ":help st", "st", []string{"starttls"}},
		{"nothing inside DATA", inData, fullEHLO, "MA", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := testSession(t, tc.ehlo, tc.st...)
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

// TestCompletionsFollowTheModel: Tab offers what proto.Session calls a
// legal step forward, in the states only the model tells apart.
func TestCompletionsFollowTheModel(t *testing.T) {
	refused := testSession(t, nil)
	refused.model.Restart()
	refused.model.Greeting(proto.NewReply(554, proto.EnhancedCode{}, "no service"))
	chunked := testSession(t, fullEHLO, "MAIL FROM:<a@x>", "RCPT TO:<b@x>", "BDAT 3")
	tests := []struct {
		name string
		s    *Session
		want []string
	}{
		{"a refused greeting leaves only QUIT (RFC 5321 §3.1)", refused, []string{"QUIT"}},
		{"no RCPT or DATA after a BDAT chunk (RFC 3030 §2)", chunked,
			[]string{"BDAT ", "RSET", "VRFY ", "EXPN ", "HELP", "NOOP", "QUIT"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, got := tc.s.Completions("")
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("completions (-want +got):\n%s", diff)
			}
		})
	}
}
