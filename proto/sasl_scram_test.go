package proto

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// TestSCRAMRFC7677 steps through RFC 7677 §3's example exchange: the
// client's messages must be its bytes, and its server signature must
// verify.
func TestSCRAMRFC7677(t *testing.T) {
	const (
		serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
		serverFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
	)
	c, err := NewSCRAMClient("user", "pencil", "rOprNGfwEbeRWgbNEkqO")
	if err != nil {
		t.Fatal(err)
	}
	final, sf, err := c.Final(serverFirst)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ step, got, want string }{
		{"C: client-first", c.First(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"},
		{"S: salt", base64.StdEncoding.EncodeToString(sf.Salt), "W22ZaJ0SNY7soEsUEjb6gQ=="},
		{"C: client-final", final, "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.step, tc.got, tc.want)
		}
	}
	if sf.Iterations != 4096 {
		t.Errorf("iterations = %d, want 4096", sf.Iterations)
	}
	if err := c.Verify(serverFinal); err != nil {
		t.Errorf("Verify(RFC's server-final) = %v", err)
	}
	forged := "v=" + base64.StdEncoding.EncodeToString(make([]byte, 32))
	if err := c.Verify(forged); !errors.Is(err, ErrSCRAMServerSignature) {
		t.Errorf("Verify(forged) = %v, want ErrSCRAMServerSignature", err)
	}
}

// TestSCRAMServerSide checks the RFC's client messages as a server does.
func TestSCRAMServerSide(t *testing.T) {
	cf, err := ParseSCRAMClientFirst("n,,n=user,r=rOprNGfwEbeRWgbNEkqO")
	if err != nil || cf.User != "user" || cf.Nonce != "rOprNGfwEbeRWgbNEkqO" || cf.Bare != "n=user,r=rOprNGfwEbeRWgbNEkqO" {
		t.Fatalf("client-first = %+v, %v", cf, err)
	}
	const sfirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
	fin, err := ParseSCRAMClientFinal("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
	if err != nil {
		t.Fatal(err)
	}
	salt, _ := base64.StdEncoding.DecodeString("W22ZaJ0SNY7soEsUEjb6gQ==")
	keys, err := DeriveSCRAMKeys("pencil", salt, 4096)
	if err != nil {
		t.Fatal(err)
	}
	am := SCRAMAuthMessage(cf.Bare, sfirst, fin.WithoutProof)
	if !CheckSCRAMProof(keys.Stored, am, fin.Proof) {
		t.Error("the RFC's proof does not check")
	}
	if got := "v=" + base64.StdEncoding.EncodeToString(keys.ServerSignature(am)); got != "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=" {
		t.Errorf("server-final = %q", got)
	}
	wrong, _ := DeriveSCRAMKeys("pencil2", salt, 4096)
	if CheckSCRAMProof(wrong.Stored, am, fin.Proof) {
		t.Error("a proof checked against another password's key")
	}
}

func TestSCRAMParseErrors(t *testing.T) {
	const nonce = "abc"
	tests := []struct {
		name, msg, want string
	}{
		{"mandatory extension", "m=x,r=abcd,s=AAAA,i=4096", "mandatory extension"},
		{"nonce not ours", "r=xyzd,s=AAAA,i=4096", "does not extend ours"},
		{"nonce only ours", "r=abc,s=AAAA,i=4096", "does not extend ours"},
		{"bad salt", "r=abcd,s=!!,i=4096", "not base64"},
		{"zero iterations", "r=abcd,s=AAAA,i=0", "not a positive number"},
		{"huge iterations", "r=abcd,s=AAAA,i=99999999", "more than"},
		{"missing i", "r=abcd,s=AAAA", "want at least r, s, i"},
		{"out of order", "s=AAAA,r=abcd,i=1", "attribute 1 is s="},
		{"not an attribute", "hello", "is not a letter"},
	}
	for _, tc := range tests {
		_, err := ParseSCRAMServerFirst(tc.msg, nonce)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: ParseSCRAMServerFirst(%q) = %v, want %q", tc.name, tc.msg, err, tc.want)
		}
	}
	var se *SCRAMServerError
	if _, err := ParseSCRAMServerFinal("e=invalid-proof"); !errors.As(err, &se) || se.Value != "invalid-proof" {
		t.Errorf("e=invalid-proof: %v", err)
	}
	for _, msg := range []string{"n,,n=a=2,r=x", "p=tls-unique,,n=a,r=x", "n,,n=a,r=", "x,,n=a,r=b", "n=a,r=b"} {
		if _, err := ParseSCRAMClientFirst(msg); err == nil {
			t.Errorf("ParseSCRAMClientFirst(%q) accepted it", msg)
		}
	}
}

func TestSASLprep(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{"student", "student", ""},
		{"Tr0ub4dor&3 x", "Tr0ub4dor&3 x", ""},
		{"", "", "empty"},
		{"a\tb", "", "control character"},
		{"caf\u00e9", "", "outside ASCII"},
		{"\u2163", "", "outside ASCII"}, // RFC 4013 maps it to "IV"; we refuse
	}
	for _, tc := range tests {
		got, err := SASLprep(tc.in)
		if got != tc.want || (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("SASLprep(%q) = %q, %v; want %q, %q", tc.in, got, err, tc.want, tc.err)
		}
	}
	if _, err := NewSCRAMClient("student", "caf\u00e9", ""); err == nil || strings.Contains(err.Error(), "caf") {
		t.Errorf("NewSCRAMClient with a non-ASCII password: %v (must refuse, without quoting it)", err)
	}
}

func TestSASLName(t *testing.T) {
	if got := SASLName("a,b=c"); got != "a=2Cb=3Dc" {
		t.Errorf("SASLName = %q", got)
	}
	cf, err := ParseSCRAMClientFirst("n,,n=a=2Cb=3Dc,r=x")
	if err != nil || cf.User != "a,b=c" {
		t.Errorf("unescaped = %q, %v", cf.User, err)
	}
}

func TestOAuthBearer(t *testing.T) {
	got, _ := UnB64(OAuthBearerResponse("user@example.com", "server.example.com", 143, "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg=="))
	// RFC 7628 §4.1's example, IMAP port and all.
	want := "n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01"
	if got != want {
		t.Errorf("OAUTHBEARER response = %q, want %q", got, want)
	}
}

func TestParseOAuthError(t *testing.T) {
	tests := []struct {
		name, json string
		want       OAuthError
		err        string
	}{
		{"RFC 7628 §4.3", `{"status":"invalid_token","scope":"example_scope","openid-configuration":"https://example.com/.well-known/openid-configuration"}`,
			OAuthError{Status: "invalid_token", Scope: "example_scope", OpenIDConfig: "https://example.com/.well-known/openid-configuration"}, ""},
		{"Google's XOAUTH2", `{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}`,
			OAuthError{Status: "400", Schemes: "Bearer", Scope: "https://mail.google.com/"}, ""},
		{"number status and extras", `{"status":401,"x":[1]}`, OAuthError{Status: "401", Other: []string{"x=[1]"}}, ""},
		{"no status", `{"scope":"a"}`, OAuthError{Scope: "a"}, "no \"status\""},
		{"not JSON", `hello`, OAuthError{}, "not a JSON object"},
		{"array", `[1]`, OAuthError{}, "not a JSON object"},
		{"null", `null`, OAuthError{}, "null"},
		{"two objects", `{"status":"a"}{}`, OAuthError{}, "text after"},
	}
	for _, tc := range tests {
		got, err := ParseOAuthError(B64(tc.json))
		if (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.err)
			continue
		}
		if got != nil && (got.Status != tc.want.Status || got.Scope != tc.want.Scope || got.Schemes != tc.want.Schemes ||
			got.OpenIDConfig != tc.want.OpenIDConfig || strings.Join(got.Other, ";") != strings.Join(tc.want.Other, ";")) {
			t.Errorf("%s: got %+v, want %+v", tc.name, *got, tc.want)
		}
	}
	if _, err := ParseOAuthError("not base64!"); err == nil {
		t.Error("non-base64 challenge accepted")
	}
	e, _ := ParseOAuthError(B64(`{"status":"insufficient_scope","scope":"mail"}`))
	if ex := strings.Join(e.Explain(), "\n"); !strings.Contains(ex, "not granted the scope") || !strings.Contains(ex, `scope "mail"`) {
		t.Errorf("Explain = %q", ex)
	}
}

// BenchmarkSCRAMClient is one whole client side at RFC 7677's 4096
// iterations: what :auth scram-sha-256 adds to a login.
func BenchmarkSCRAMClient(b *testing.B) {
	const serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
	for b.Loop() {
		c, _ := NewSCRAMClient("user", "pencil", "rOprNGfwEbeRWgbNEkqO")
		if _, _, err := c.Final(serverFirst); err != nil {
			b.Fatal(err)
		}
		if err := c.Verify("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="); err != nil {
			b.Fatal(err)
		}
	}
}

func TestParseOAuthResponses(t *testing.T) {
	tests := []struct {
		name, msg   string
		bearer      bool // OAUTHBEARER, else XOAUTH2
		user, token string
		err         string
	}{
		{"xoauth2", "user=someuser@example.com\x01auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\x01\x01", false, "someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg", ""},
		{"xoauth2 no user", "auth=Bearer x\x01\x01", false, "", "", "no user="},
		{"xoauth2 not ended", "user=a\x01auth=Bearer x\x01", false, "", "", "^A^A"},
		{"xoauth2 basic", "user=a\x01auth=Basic x\x01\x01", false, "", "", "auth=Bearer"},
		{"RFC 7628 §4.1", "n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01", true, "user@example.com", "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==", ""},
		{"escaped user", "n,a=a=2Cb,\x01auth=Bearer t\x01\x01", true, "a,b", "t", ""},
		{"channel binding", "p=x,a=u,\x01auth=Bearer t\x01\x01", true, "", "", "channel binding"},
		{"no gs2", "auth=Bearer t\x01\x01", true, "", "", "GS2"},
	}
	for _, tc := range tests {
		parse := ParseXOAUTH2
		if tc.bearer {
			parse = ParseOAuthBearer
		}
		user, token, err := parse(tc.msg)
		if user != tc.user || token != tc.token || (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: got %q, %q, %v; want %q, %q, %q", tc.name, user, token, err, tc.user, tc.token, tc.err)
		}
	}
}
