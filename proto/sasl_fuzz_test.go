package proto

import (
	"strings"
	"testing"
)

// The SASL parsers read what a server (or, in the sandbox, a client)
// sent: none may panic, and what they accept must hold together.

func FuzzParseSCRAMServerFirst(f *testing.F) {
	for _, s := range []string{
		"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
		"m=x,r=a,s=AA==,i=1", "r=ab,s=,i=1", "r=ab,s=AA==,i=-1", "r=ab,s=AA==,i=1,x=y", ",,,", "=",
	} {
		f.Add(s, "a")
	}
	f.Fuzz(func(t *testing.T, msg, nonce string) {
		sf, err := ParseSCRAMServerFirst(msg, nonce)
		if err != nil {
			return
		}
		if !strings.HasPrefix(sf.Nonce, nonce) || len(sf.Salt) == 0 || sf.Iterations < 1 || sf.Iterations > MaxSCRAMIterations {
			t.Errorf("accepted %q as %+v", msg, sf)
		}
	})
}

func FuzzParseSCRAMServerFinal(f *testing.F) {
	for _, s := range []string{"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", "e=invalid-proof", "v=", "x=1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		sig, err := ParseSCRAMServerFinal(msg)
		if err == nil && !strings.HasPrefix(msg, "v=") {
			t.Errorf("accepted %q as a signature %x", msg, sig)
		}
	})
}

func FuzzParseSCRAMClient(f *testing.F) {
	for _, s := range []string{
		"n,,n=user,r=rOprNGfwEbeRWgbNEkqO", "y,a=x,n=a=2C,r=1", "p=tls-unique,,n=a,r=b", "n,,n=a=,r=b",
		"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		"c=biws,r=a,p=", ",p=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		if cf, err := ParseSCRAMClientFirst(msg); err == nil && (cf.Nonce == "" || !strings.HasSuffix(msg, cf.Bare)) {
			t.Errorf("client-first %q read as %+v", msg, cf)
		}
		if fin, err := ParseSCRAMClientFinal(msg); err == nil && !strings.HasPrefix(msg, fin.WithoutProof+",p=") {
			t.Errorf("client-final %q read as %+v", msg, fin)
		}
	})
}

func FuzzParseOAuthError(f *testing.F) {
	for _, s := range []string{
		`{"status":"invalid_token","scope":"example_scope","openid-configuration":"https://example.com/"}`,
		`{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}`,
		`{"status":401}`, `null`, `[]`, `{"status":"a"}{}`, "{\"status\":\"\x1b[31m\"}",
	} {
		f.Add(B64(s))
	}
	f.Add("not base64")
	f.Fuzz(func(t *testing.T, challenge string) {
		e, err := ParseOAuthError(challenge)
		if err == nil && (e == nil || e.Status == "") {
			t.Errorf("accepted %q without a status", challenge)
		}
		if e != nil {
			_ = e.Explain()
		}
	})
}

func FuzzParseOAuthResponse(f *testing.F) {
	f.Add("user=a\x01auth=Bearer t\x01\x01")
	f.Add("n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4q\x01\x01")
	f.Add("n,,\x01auth=Bearer x\x01\x01")
	f.Add("\x01")
	f.Fuzz(func(t *testing.T, msg string) {
		if _, token, err := ParseXOAUTH2(msg); err == nil && token == "" {
			t.Errorf("XOAUTH2 %q: no token but no error", msg)
		}
		if _, token, err := ParseOAuthBearer(msg); err == nil && token == "" {
			t.Errorf("OAUTHBEARER %q: no token but no error", msg)
		}
	})
}
