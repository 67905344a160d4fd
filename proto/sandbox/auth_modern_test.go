package sandbox

import (
	"strings"
	"testing"

	"github.com/smtprepl/smtprepl/proto"
)

func TestOAuthMechanisms(t *testing.T) {
	_, addr := testServer(t, nil)
	jsonErr := "334 " + proto.B64(`{"status":"invalid_token","schemes":"bearer","scope":"https://mail.smtprepl.test/"}`)
	failed := "535 5.7.8 Error: authentication failed: authentication failure"
	ok := "235 2.7.0 Authentication successful"
	tests := []authDialogue{
		{"XOAUTH2 practice token", []string{"AUTH XOAUTH2 " + proto.XOAUTH2Response("student", PracticeToken)}, []string{ok}},
		{"XOAUTH2 in two steps", []string{"AUTH XOAUTH2", proto.XOAUTH2Response("student", PracticeToken)}, []string{"334 ", ok}},
		{"XOAUTH2 wrong token", []string{"AUTH XOAUTH2 " + proto.XOAUTH2Response("student", "expired"), ""}, []string{jsonErr, failed}},
		{"XOAUTH2 unknown user", []string{"AUTH XOAUTH2 " + proto.XOAUTH2Response("mallory", PracticeToken), ""}, []string{jsonErr, failed}},
		{"XOAUTH2 malformed", []string{"AUTH XOAUTH2 " + proto.B64("user=student"), ""}, []string{jsonErr, failed}},
		{"OAUTHBEARER practice token", []string{"AUTH OAUTHBEARER " + proto.OAuthBearerResponse("student", "127.0.0.1", 25, PracticeToken)}, []string{ok}},
		{"OAUTHBEARER wrong token", []string{"AUTH OAUTHBEARER " + proto.OAuthBearerResponse("student", "", 0, "nope"), "AQ=="}, []string{jsonErr, failed}},
		{"OAUTHBEARER error cancelled", []string{"AUTH OAUTHBEARER " + proto.OAuthBearerResponse("student", "", 0, "nope"), "*"}, []string{jsonErr, "501 5.7.0 Authentication aborted"}},
	}
	authDialogues(t, addr, tests)
}

// TestSCRAM logs in with the proto client against the sandbox's server
// side: the server's signature must verify, and a wrong password or a
// tampered proof must get 535.
func TestSCRAM(t *testing.T) {
	_, addr := testServer(t, func(c *Config) { c.SCRAMNonce = func() string { return "SERVERPART" } })
	tests := []struct {
		name, user, pass string
		tamper           bool
		want             string
	}{
		{"right password", "student", "secret", false, "235 2.7.0 Authentication successful"},
		{"wrong password", "student", "wrong", false, "535 5.7.8 Error: authentication failed: authentication failure"},
		{"unknown user", "mallory", "secret", false, "535 5.7.8 Error: authentication failed: authentication failure"},
		{"tampered nonce", "student", "secret", true, "535 5.7.8 Error: authentication failed: authentication failure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, addr, proto.Options{})
			cmd(t, c, "EHLO me.example")
			sc, err := proto.NewSCRAMClient(tt.user, tt.pass, "CLIENTNONCE")
			if err != nil {
				t.Fatal(err)
			}
			r := cmd(t, c, "AUTH SCRAM-SHA-256 "+proto.B64(sc.First()))
			first, _ := proto.UnB64(r.Text())
			if r.Code != 334 || !strings.HasPrefix(first, "r=CLIENTNONCESERVERPART,s=") || !strings.HasSuffix(first, ",i=4096") {
				t.Fatalf("server-first = %d %q", r.Code, first)
			}
			final, _, err := sc.Final(first)
			if err != nil {
				t.Fatal(err)
			}
			if tt.tamper {
				final = strings.Replace(final, "SERVERPART", "SERVERPARU", 1)
			}
			r = cmd(t, c, proto.B64(final))
			if r.Code == 334 {
				last, _ := proto.UnB64(r.Text())
				if err := sc.Verify(last); err != nil {
					t.Errorf("server-final %q: %v", last, err)
				}
				r = cmd(t, c, "")
			}
			if got := strings.Join(r.Raw, "\n"); got != tt.want {
				t.Errorf("final reply %q, want %q", got, tt.want)
			}
		})
	}
}
