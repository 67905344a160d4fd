package transcripts

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestParseCurl reads a real curl -v log of a STARTTLS, AUTH PLAIN and
// message session against the practice server (progress meter and all).
func TestParseCurl(t *testing.T) {
	b, err := os.ReadFile("testdata/curl-sandbox-starttls.log")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := ParseBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	if n := tr.Redact(); n != 1 {
		t.Errorf("Redact changed %d lines, want the AUTH line", n)
	}
	var got []string
	for _, e := range tr.Entries {
		if e.Kind == Client || e.Kind == Event || e.Kind == Elision {
			got = append(got, e.Kind.String()+" "+e.Text)
		}
	}
	want := []string{
		"event connected to 127.0.0.1 (127.0.0.1) port 2828 (#0)",
		"client EHLO client.example",
		"client STARTTLS",
		"event TLS established: TLSv1.3 TLS_AES_128_GCM_SHA256",
		"client EHLO client.example",
		"client AUTH PLAIN <redacted: AUTH PLAIN credentials>",
		"client MAIL FROM:<bob@example.test>",
		"client RCPT TO:<alice@example.test>",
		"client RCPT TO:<carol@example.test>",
		"client DATA",
		"elision ...",
		"client .",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if s := writeString(t, tr); strings.Contains(s, "AHN0dWRlbnQAc2VjcmV0") {
		t.Errorf("the password survived Redact:\n%s", s)
	}
}
