package transcripts

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// plainBlob is AUTH PLAIN's base64 of "\0alice\0s3cret!pw".
var plainBlob = base64.StdEncoding.EncodeToString([]byte("\x00alice\x00s3cret!pw"))

func TestSecretsScrub(t *testing.T) {
	const marker = "<redacted: AUTH PLAIN credentials>"
	pass64 := base64.StdEncoding.EncodeToString([]byte("s3cret!pw"))
	hint := base64.StdEncoding.EncodeToString([]byte("your password is s3cret!pw, right?"))
	half := len(plainBlob) / 2
	tests := []struct {
		name, text, want string
	}{
		{"the blob as sent", "535 bad " + plainBlob + " here", "535 bad " + marker + " here"},
		{"shouted", "500 " + strings.ToUpper(plainBlob), "500 " + marker},
		{"without padding", "535 " + strings.TrimRight(plainBlob, "="), "535 " + marker},
		{"decoded with its NULs", "535 \x00alice\x00s3cret!pw", "535 " + marker},
		{"the password alone", "535 pw=s3cret!pw.", "535 pw=" + marker + "."},
		{"the password's base64", "535 " + pass64, "535 " + marker},
		{"the password Go-quoted", `bad "\x00alice\x00s3cret!pw"`, `bad "\x00alice\x00` + marker + `"`},
		{"cut short by an ellipsis", "quoted: \"535 " + plainBlob[:12] + "…\"", "quoted: \"535 " + marker + "…\""},
		{"twice", plainBlob + " " + plainBlob, marker + " " + marker},
		{"first half of the blob", "535-5.7.8 " + plainBlob[:half], "535-5.7.8 " + marker},
		{"second half of the blob", "535 5.7.8 " + plainBlob[half:], "535 5.7.8 " + marker},
		{"base64 of a sentence holding the password", "334 " + hint, "334 " + marker},
		{"the user name stays", "535 alice, no", "535 alice, no"},
		{"an unrelated base64 word stays", "334 VXNlcm5hbWU6", "334 VXNlcm5hbWU6"},
		{"nothing to find", "250 ok", "250 ok"},
	}
	var s Secrets
	s.Learn("AUTH PLAIN credentials", plainBlob)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := s.Scrub(tc.text); got != tc.want {
				t.Errorf("Scrub(%q)\n got %q\nwant %q", tc.text, got, tc.want)
			}
		})
	}
}

// TestSecretsKeepTheNewest: a long session tries many passwords (300 here); the set
// stays bounded by forgetting the oldest, never the one just sent.
func TestSecretsKeepTheNewest(t *testing.T) {
	var s Secrets
	s.Add("AUTH LOGIN password", "kept-since-it-is-reused")
	for i := range 300 {
		s.Add("AUTH LOGIN password", fmt.Sprintf("attempt-%03d", i))
		s.Add("AUTH LOGIN password", "kept-since-it-is-reused")
	}
	s.Learn("AUTH PLAIN credentials", plainBlob)
	for _, echo := range []string{"s3cret!pw", plainBlob, "attempt-299", "kept-since-it-is-reused"} {
		if got := s.Scrub("535 " + echo); !strings.HasPrefix(got, "535 <redacted: ") {
			t.Errorf("after 300 attempts, Scrub(535 %s) = %q", echo, got)
		}
	}
	if got := s.Scrub("535 attempt-000"); got != "535 attempt-000" {
		t.Errorf("the oldest attempt is still scrubbed (%q): the set is not bounded", got)
	}
	if len(s.forms) > maxSecretForms {
		t.Errorf("%d forms kept, the bound is %d", len(s.forms), maxSecretForms)
	}
}

func TestSecretsLoginUsernameKeepsOnlyBase64(t *testing.T) {
	var s Secrets
	s.Learn("AUTH LOGIN username", base64.StdEncoding.EncodeToString([]byte("alice")))
	if got := s.Scrub("535 alice YWxpY2U="); got != "535 alice <redacted: AUTH LOGIN username>" {
		t.Errorf("got %q: the user name's base64 is scrubbed, the name itself is not", got)
	}
}

func TestSecretsShortFormsAreNotScrubbed(t *testing.T) {
	var s Secrets
	s.Add("AUTH LOGIN password", "pw")
	if got := s.Scrub("250 pw ok"); got != "250 pw ok" {
		t.Errorf("got %q: a two-letter secret would mark every reply", got)
	}
}

// TestRecorderScrubsEchoedSecrets: what the client sent as a secret is
// cut out of the server's lines, events and comments in the recording.
func TestRecorderScrubsEchoedSecrets(t *testing.T) {
	got := record(t, []feed{
		{"C", "AUTH PLAIN " + plainBlob + "\r\n"},
		{"S", "535-5.7.8 you sent " + plainBlob + "\r\n"},
		{"S", "535 5.7.8 password S3CRET!PW\r\n"},
		{"E", "connection closed after " + plainBlob},
	})
	want := "C: AUTH PLAIN <redacted: AUTH PLAIN credentials>\n" +
		"S: 535-5.7.8 you sent <redacted: AUTH PLAIN credentials>\n" +
		"S: 535 5.7.8 password <redacted: AUTH PLAIN credentials>\n" +
		"=== connection closed after <redacted: AUTH PLAIN credentials>\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestTrackerNamesTheNextSecret(t *testing.T) {
	var set Secrets
	tr := NewTracker(&set)
	steps := []struct{ side, line, want string }{
		{"C", "AUTH LOGIN", ""},
		{"S", "334 VXNlcm5hbWU6", ""},
		{"C", "YWxpY2U=", "AUTH LOGIN username"},
		{"S", "334 UGFzc3dvcmQ6", ""},
		{"C", "czNjcmV0IXB3", "AUTH LOGIN password"},
		{"S", "235 ok", ""},
		{"C", "NOOP", ""},
	}
	for _, st := range steps {
		if st.side == "S" {
			tr.Server([]byte(st.line + "\r\n"))
			continue
		}
		if got := tr.SecretIn(st.line); got != st.want {
			t.Errorf("SecretIn(%q) = %q, want %q", st.line, got, st.want)
		}
		tr.Client([]byte(st.line + "\r\n"))
	}
	if got := set.Scrub("535 S3CRET!PW"); got != "535 <redacted: AUTH LOGIN password>" {
		t.Errorf("the tracker did not learn the password: %q", got)
	}
}

// FuzzSecretsScrub: whatever the text and the secret, no form of the
// secret survives Scrub.
func FuzzSecretsScrub(f *testing.F) {
	f.Add("s3cret!pw", "535 bad s3cret!pw and czNjcmV0IXB3 …")
	f.Add("abcd", "abcabcdabcd…ABCD")
	f.Add("\x00\xff\x1b]52", "\x1b]52;;\x00\xff\x1b]52")
	f.Fuzz(func(t *testing.T, secret, text string) {
		if len(secret) < minSecretLen || strings.ContainsAny(secret, "<>") || strings.Contains(secret, "…") {
			return
		}
		var s Secrets
		s.Add("AUTH LOGIN password", secret)
		got := s.Scrub(text)
		lower := lowerASCII(got)
		if strings.Contains(lower, lowerASCII(secret)) && !strings.Contains(lowerASCII(redactedText("", "AUTH LOGIN password")), lowerASCII(secret)) {
			t.Fatalf("Scrub(%q) = %q still holds %q", text, got, secret)
		}
	})
}

func BenchmarkSecretsScrub(b *testing.B) {
	var s Secrets
	s.Learn("AUTH PLAIN credentials", plainBlob)
	line := "250-" + strings.Repeat("x", 500)
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		s.Scrub(line)
	}
}

func BenchmarkSecretsScrubNothingFound(b *testing.B) {
	var s Secrets
	s.Learn("AUTH PLAIN credentials", plainBlob)
	s.Learn("AUTH LOGIN password", base64.StdEncoding.EncodeToString([]byte("s3cret!pw")))
	line := "250-PIPELINING SIZE 10485760 VRFY ETRN STARTTLS AUTH PLAIN LOGIN ENHANCEDSTATUSCODES 8BITMIME DSN SMTPUTF8 CHUNKING"
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		s.Scrub(line)
	}
}

func TestRedactScrubsServerEchoes(t *testing.T) {
	tr, err := ParseBytes([]byte("C: AUTH PLAIN " + plainBlob + "\nS: 535 5.7.8 you sent " + plainBlob + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if n := tr.Redact(); n != 2 {
		t.Errorf("Redact changed %d lines, want 2", n)
	}
	if got := tr.Entries[1].Text; got != "535 5.7.8 you sent <redacted: AUTH PLAIN credentials>" {
		t.Errorf("server line = %q", got)
	}
}

// TestTrackerFollowsRepliesOnlyWhereTheyFit: a 334 or 354 to the wrong
// command neither asks for an answer nor turns redaction off.
func TestTrackerFollowsRepliesOnlyWhereTheyFit(t *testing.T) {
	for _, reply := range []string{"334 go", "354 go"} {
		tr := NewTracker(new(Secrets))
		tr.Client([]byte("NOOP\r\n"))
		tr.Server([]byte(reply + "\r\n"))
		if tr.AwaitsAnswer() {
			t.Errorf("NOOP answered %q: AwaitsAnswer = true", reply)
		}
		if got := tr.SecretIn("AUTH PLAIN " + plainBlob); got != "AUTH PLAIN credentials" {
			t.Errorf("NOOP answered %q: SecretIn(AUTH PLAIN ...) = %q", reply, got)
		}
	}
}
