package proto

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPlain(t *testing.T) {
	tests := []struct {
		name, authzid, user, pass, want string
	}{
		// RFC 4616 §4's example, without and with an authorization identity.
		{"no authzid", "", "tim", "tanstaaftanstaaf", "AHRpbQB0YW5zdGFhZnRhbnN0YWFm"},
		{"with authzid", "Ursel", "Kurt", "xipj3plmq", "VXJzZWwAS3VydAB4aXBqM3BsbXE="},
		{"UTF-8 password", "", "a@example.test", "pässword", "AGFAZXhhbXBsZS50ZXN0AHDDpHNzd29yZA=="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PlainResponse(tt.authzid, tt.user, tt.pass); got != tt.want {
				t.Errorf("PlainResponse = %q, want %q", got, tt.want)
			}
			z, u, p, err := DecodePlain(tt.want)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{tt.authzid, tt.user, tt.pass}, []string{z, u, p}); diff != "" {
				t.Errorf("DecodePlain mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodePlainErrors(t *testing.T) {
	for _, in := range []string{"not base64!", B64("only\x00two"), B64("a\x00b\x00c\x00d")} {
		if _, _, _, err := DecodePlain(in); err == nil {
			t.Errorf("DecodePlain(%q) succeeded", in)
		}
	}
}

func TestLogin(t *testing.T) {
	tests := []struct {
		name, challenge, decoded string
		kind                     LoginChallenge
	}{
		{"Postfix username", "VXNlcm5hbWU6", "Username:", LoginUsername},
		{"Postfix password", "UGFzc3dvcmQ6", "Password:", LoginPassword},
		{"aiosmtpd username", B64("User Name\x00"), "User Name\x00", LoginUsername},
		{"aiosmtpd password", B64("Password\x00"), "Password\x00", LoginPassword},
		{"something else", B64("Who are you?"), "Who are you?", LoginUnknown},
		{"not base64", "***", "", LoginUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			decoded, kind := ClassifyLoginChallenge(tt.challenge)
			if decoded != tt.decoded || kind != tt.kind {
				t.Errorf("ClassifyLoginChallenge(%q) = %q, %v; want %q, %v", tt.challenge, decoded, kind, tt.decoded, tt.kind)
			}
		})
	}
	// LOGIN answers are the user name and password, base64-encoded.
	if got := B64("tim"); got != "dGlt" {
		t.Errorf("B64(tim) = %q", got)
	}
	if got, err := UnB64("dGlt"); got != "tim" || err != nil {
		t.Errorf("UnB64(dGlt) = %q, %v", got, err)
	}
	if got, err := UnB64("="); got != "" || err != nil {
		t.Errorf("UnB64(=) = %q, %v; want the empty response", got, err)
	}
}

func TestCRAMMD5RFC2195(t *testing.T) {
	challenge := B64("<1896.697170952@postoffice.reston.mci.net>")
	if challenge != "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+" {
		t.Fatalf("challenge = %q, not RFC 2195's", challenge)
	}
	got, err := CRAMMD5Response("tim", "tanstaaftanstaaf", challenge)
	if err != nil {
		t.Fatal(err)
	}
	if want := "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"; got != want {
		t.Errorf("CRAMMD5Response = %q, want %q", got, want)
	}
	if got, want := CRAMMD5Digest("tanstaaftanstaaf", "<1896.697170952@postoffice.reston.mci.net>"), "b913a602c7eda7a495b4e6e7334d3890"; got != want {
		t.Errorf("CRAMMD5Digest = %q, want %q", got, want)
	}
	if _, err := CRAMMD5Response("tim", "x", "%%%"); err == nil {
		t.Error("CRAMMD5Response accepted a challenge that is not base64")
	}
}

func TestXOAUTH2(t *testing.T) {
	got := XOAUTH2Response("someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg")
	// Google's documented example of the initial client response.
	want := "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="
	if got != want {
		t.Errorf("XOAUTH2Response = %q, want %q", got, want)
	}
	decoded, _ := UnB64(got)
	if decoded != "user=someuser@example.com\x01auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\x01\x01" {
		t.Errorf("decoded = %q", decoded)
	}
}
