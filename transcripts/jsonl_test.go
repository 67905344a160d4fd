package transcripts

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestJSONRecorder: the JSON form carries what the transcript notation
// does, line for line, with the reply code, enhanced code and what to ask
// `smtprepl explain`; secrets are redacted the same way.
func TestJSONRecorder(t *testing.T) {
	clock := time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	r := NewJSONRecorder(&out, func() time.Time { return clock }, KV{Key: "server", Value: "mx.example.test:25"})
	r.Event("connected to 192.0.2.1:25")
	r.Server([]byte("220 mx ESMTP\r\n"))
	r.Client([]byte("AUTH PLAIN AHN0dWRlbnQAc2VjcmV0\r\n"))
	r.Server([]byte("535 5.7.8 Error: authentication failed: AHN0dWRlbnQAc2VjcmV0\r\n"))
	r.Client([]byte("EHLO a\x1b[2J\r\n"))
	r.Server([]byte("250-mx\r\n250 SIZE 1000\r\n"))
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	var got []jsonLine
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var l jsonLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%v: %s", err, sc.Bytes())
		}
		got = append(got, l)
	}
	at := "2026-12-07T20:00:00Z"
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	want := []jsonLine{
		{V: 1, Time: at, Kind: "start", Meta: map[string]string{"server": "mx.example.test:25"}},
		{V: 1, Time: at, Kind: "event", Text: "connected to 192.0.2.1:25"},
		{V: 1, Time: at, Kind: "server", Text: "220 mx ESMTP", Bytes: b64("220 mx ESMTP\r\n"), Code: 220, Explain: "220"},
		{V: 1, Time: at, Kind: "client", Text: "AUTH PLAIN <redacted: AUTH PLAIN credentials>", Bytes: b64("AUTH PLAIN <redacted: AUTH PLAIN credentials>\r\n"), Redacted: "AUTH PLAIN credentials"},
		{V: 1, Time: at, Kind: "server", Text: "535 5.7.8 Error: authentication failed: <redacted: AUTH PLAIN credentials>",
			Bytes: b64("535 5.7.8 Error: authentication failed: <redacted: AUTH PLAIN credentials>\r\n"), Code: 535, Enhanced: "5.7.8", Explain: "535 5.7.8"},
		{V: 1, Time: at, Kind: "client", Text: "EHLO a\x1b[2J", Bytes: b64("EHLO a\x1b[2J\r\n")},
		{V: 1, Time: at, Kind: "server", Text: "250-mx", Bytes: b64("250-mx\r\n"), Code: 250, More: true, Explain: "250"},
		{V: 1, Time: at, Kind: "server", Text: "250 SIZE 1000", Bytes: b64("250 SIZE 1000\r\n"), Code: 250, Explain: "250"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if strings.Contains(out.String(), "\x1b") {
		t.Errorf("an escape character reached the JSON raw:\n%s", out.String())
	}
}
