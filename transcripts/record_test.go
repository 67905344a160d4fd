package transcripts

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// feed is one call on a Recorder: "C" client bytes, "S" server bytes, "E"
// an event.
type feed struct{ side, data string }

func record(t *testing.T, feeds []feed) string {
	t.Helper()
	var b bytes.Buffer
	r := NewRecorder(&b, KV{"server", "test"})
	for _, f := range feeds {
		switch f.side {
		case "C":
			r.Client([]byte(f.data))
		case "S":
			r.Server([]byte(f.data))
		case "E":
			r.Event(f.data)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(b.String(), "# smtprepl transcript v1\n# server: test\n")
}

func TestRecorderRedaction(t *testing.T) {
	tests := []struct {
		name    string
		feeds   []feed
		want    string
		secrets []string
	}{
		{
			name: "PLAIN initial response",
			feeds: []feed{{"C", "AUTH PLAIN AGFsaWNlAHMzY3JldA==\r\n"}, {"S", "235 2.7.0 Authentication successful\r\n"},
				{"C", "MAIL FROM:<alice@example.org>\r\n"}},
			want: "C: AUTH PLAIN <redacted: AUTH PLAIN credentials>\nS: 235 2.7.0 Authentication successful\n" +
				"C: MAIL FROM:<alice@example.org>\n",
			secrets: []string{"AGFsaWNlAHMzY3JldA=="},
		},
		{
			name: "PLAIN after an empty challenge",
			feeds: []feed{{"C", "auth plain\r\n"}, {"S", "334 \r\n"}, {"C", "AGFsaWNlAHMzY3JldA==\r\n"},
				{"S", "235 2.7.0 ok\r\n"}},
			want:    "C: auth plain\nS= \"334 \\r\\n\"\nC: <redacted: AUTH PLAIN credentials>\nS: 235 2.7.0 ok\n",
			secrets: []string{"AGFsaWNlAHMzY3JldA=="},
		},
		{
			name: "LOGIN two steps",
			feeds: []feed{{"C", "AUTH LOGIN\r\n"}, {"S", "334 VXNlcm5hbWU6\r\n"}, {"C", "YWxpY2U=\r\n"},
				{"S", "334 UGFzc3dvcmQ6\r\n"}, {"C", "czNjcmV0\r\n"}, {"S", "235 2.7.0 ok\r\n"}},
			want: "C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: <redacted: AUTH LOGIN username>\n" +
				"S: 334 UGFzc3dvcmQ6\nC: <redacted: AUTH LOGIN password>\nS: 235 2.7.0 ok\n",
			secrets: []string{"YWxpY2U=", "czNjcmV0"},
		},
		{
			name: "LOGIN with aiosmtpd's challenges",
			feeds: []feed{{"C", "AUTH LOGIN\r\n"}, {"S", "334 VXNlciBOYW1lAA==\r\n"}, {"C", "YWxpY2U=\r\n"},
				{"S", "334 UGFzc3dvcmQA\r\n"}, {"C", "czNjcmV0\r\n"}, {"S", "535 5.7.8 no\r\n"}},
			want: "C: AUTH LOGIN\nS: 334 VXNlciBOYW1lAA==\nC: <redacted: AUTH LOGIN username>\n" +
				"S: 334 UGFzc3dvcmQA\nC: <redacted: AUTH LOGIN password>\nS: 535 5.7.8 no\n",
			secrets: []string{"YWxpY2U=", "czNjcmV0"},
		},
		{
			name: "LOGIN by order when challenges say nothing",
			feeds: []feed{{"C", "AUTH LOGIN\r\n"}, {"S", "334 eA==\r\n"}, {"C", "YWxpY2U=\r\n"},
				{"S", "334 eQ==\r\n"}, {"C", "czNjcmV0\r\n"}, {"S", "235 ok\r\n"}},
			want: "C: AUTH LOGIN\nS: 334 eA==\nC: <redacted: AUTH LOGIN username>\n" +
				"S: 334 eQ==\nC: <redacted: AUTH LOGIN password>\nS: 235 ok\n",
			secrets: []string{"YWxpY2U=", "czNjcmV0"},
		},
		{
			name: "LOGIN with an initial username",
			feeds: []feed{{"C", "AUTH LOGIN YWxpY2U=\r\n"}, {"S", "334 UGFzc3dvcmQ6\r\n"}, {"C", "czNjcmV0\r\n"},
				{"S", "235 ok\r\n"}},
			want: "C: AUTH LOGIN <redacted: AUTH LOGIN username>\nS: 334 UGFzc3dvcmQ6\n" +
				"C: <redacted: AUTH LOGIN password>\nS: 235 ok\n",
			secrets: []string{"YWxpY2U=", "czNjcmV0"},
		},
		{
			name: "CRAM-MD5",
			feeds: []feed{{"C", "AUTH CRAM-MD5\r\n"}, {"S", "334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UuZXhhbXBsZS5uZXQ+\r\n"},
				{"C", "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n"}, {"S", "235 ok\r\n"}},
			want: "C: AUTH CRAM-MD5\nS: 334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UuZXhhbXBsZS5uZXQ+\n" +
				"C: <redacted: AUTH CRAM-MD5 response>\nS: 235 ok\n",
			secrets: []string{"dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"},
		},
		{
			name: "XOAUTH2 with an error challenge",
			feeds: []feed{{"C", "AUTH XOAUTH2 dXNlcj1hbGljZQFhdXRoPUJlYXJlciB5YTI5LnRva2VuAQE=\r\n"},
				{"S", "334 eyJzdGF0dXMiOiI0MDEifQ==\r\n"}, {"C", "\r\n"}, {"S", "535 5.7.8 no\r\n"}},
			want: "C: AUTH XOAUTH2 <redacted: AUTH XOAUTH2 token>\nS: 334 eyJzdGF0dXMiOiI0MDEifQ==\nC:\n" +
				"S: 535 5.7.8 no\n",
			secrets: []string{"dXNlcj1hbGljZQFhdXRoPUJlYXJlciB5YTI5LnRva2VuAQE="},
		},
		{
			name:    "OAUTHBEARER",
			feeds:   []feed{{"C", "AUTH OAUTHBEARER bixhPWFsaWNlLAFhdXRoPUJlYXJlciB0b2tlbgEB\r\n"}, {"S", "235 ok\r\n"}},
			want:    "C: AUTH OAUTHBEARER <redacted: AUTH OAUTHBEARER token>\nS: 235 ok\n",
			secrets: []string{"bixhPWFsaWNlLAFhdXRoPUJlYXJlciB0b2tlbgEB"},
		},
		{
			name:  "cancel and empty initial response are not secrets",
			feeds: []feed{{"C", "AUTH PLAIN =\r\n"}, {"S", "334 \r\n"}, {"C", "*\r\n"}, {"S", "501 5.7.0 aborted\r\n"}},
			want:  "C: AUTH PLAIN =\nS= \"334 \\r\\n\"\nC: *\nS: 501 5.7.0 aborted\n",
		},
		{
			name: "state resets at a reply other than 334",
			feeds: []feed{{"C", "AUTH LOGIN\r\n"}, {"S", "504 5.5.4 no\r\n"}, {"C", "YWxpY2U=\r\n"},
				{"S", "500 5.5.2 what\r\n"}},
			want: "C: AUTH LOGIN\nS: 504 5.5.4 no\nC: YWxpY2U=\nS: 500 5.5.2 what\n",
		},
		{
			name: "multi-line 334 waits for its last line",
			feeds: []feed{{"C", "AUTH X-MECH\r\n"}, {"S", "334-first\r\n334 c2Vjb25k\r\n"}, {"C", "c2VjcmV0\r\n"},
				{"S", "235 ok\r\n"}},
			want: "C: AUTH X-MECH\nS: 334-first\nS: 334 c2Vjb25k\nC: <redacted: AUTH X-MECH response>\n" +
				"S: 235 ok\n",
			secrets: []string{"c2VjcmV0"},
		},
		// A server cannot turn redaction off or on by its replies alone:
		// 354 opens message text only after DATA, 334 asks for an answer
		// only in an AUTH exchange.
		{
			name:  "334 with no AUTH seen is no challenge",
			feeds: []feed{{"S", "334 VXNlcm5hbWU6\r\n"}, {"C", "MAIL FROM:<a@b>\r\n"}},
			want:  "S: 334 VXNlcm5hbWU6\nC: MAIL FROM:<a@b>\n",
		},
		{
			name: "334 to NOOP is no challenge",
			feeds: []feed{{"C", "EHLO me\r\n"}, {"S", "250 ok\r\n"}, {"C", "NOOP\r\n"}, {"S", "334 go\r\n"},
				{"C", "MAIL FROM:<a@b>\r\n"}, {"S", "250 ok\r\n"}},
			want: "C: EHLO me\nS: 250 ok\nC: NOOP\nS: 334 go\nC: MAIL FROM:<a@b>\nS: 250 ok\n",
		},
		{
			name: "354 to NOOP opens no message text",
			feeds: []feed{{"C", "NOOP\r\n"}, {"S", "354 go\r\n"}, {"C", "AUTH PLAIN AGFsaWNlAHMzY3JldA==\r\n"},
				{"S", "235 ok\r\n"}},
			want:    "C: NOOP\nS: 354 go\nC: AUTH PLAIN <redacted: AUTH PLAIN credentials>\nS: 235 ok\n",
			secrets: []string{"AGFsaWNlAHMzY3JldA=="},
		},
		{
			name: "354 to a refused DATA's pipelined MAIL opens no message text",
			feeds: []feed{{"C", "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"}, {"S", "354 go\r\n250 ok\r\n554 no\r\n"},
				{"C", "AUTH PLAIN AGFsaWNlAHMzY3JldA==\r\n"}, {"S", "235 ok\r\n"}},
			want: "C: MAIL FROM:<a@b>\nC: RCPT TO:<c@d>\nC: DATA\nS: 354 go\nS: 250 ok\nS: 554 no\n" +
				"C: AUTH PLAIN <redacted: AUTH PLAIN credentials>\nS: 235 ok\n",
			secrets: []string{"AGFsaWNlAHMzY3JldA=="},
		},
		{
			name: "354 to the end of a message opens no other",
			feeds: []feed{{"C", "DATA\r\n"}, {"S", "354 go\r\n"}, {"C", "hi\r\n.\r\n"}, {"S", "354 again\r\n"},
				{"C", "AUTH PLAIN AGFsaWNlAHMzY3JldA==\r\n"}, {"S", "235 ok\r\n"}},
			want: "C: DATA\nS: 354 go\nC: hi\nC: .\nS: 354 again\n" +
				"C: AUTH PLAIN <redacted: AUTH PLAIN credentials>\nS: 235 ok\n",
			secrets: []string{"AGFsaWNlAHMzY3JldA=="},
		},
		{
			name: "AUTH pipelined behind refused commands",
			feeds: []feed{{"C", "RSET\r\nMAIL FROM:<a@b>\r\nAUTH LOGIN\r\n"}, {"S", "250 ok\r\n503 no\r\n334 VXNlcm5hbWU6\r\n"},
				{"C", "YWxpY2U=\r\n"}, {"S", "334 UGFzc3dvcmQ6\r\n"}, {"C", "czNjcmV0\r\n"}, {"S", "235 ok\r\n"}},
			want: "C: RSET\nC: MAIL FROM:<a@b>\nC: AUTH LOGIN\nS: 250 ok\nS: 503 no\nS: 334 VXNlcm5hbWU6\n" +
				"C: <redacted: AUTH LOGIN username>\nS: 334 UGFzc3dvcmQ6\nC: <redacted: AUTH LOGIN password>\nS: 235 ok\n",
			secrets: []string{"YWxpY2U=", "czNjcmV0"},
		},
		{
			name: "a mechanism outside the SASL charset is named SASL, and controls are shown",
			feeds: []feed{{"C", "AUTH PL\x1b]0;PWN\x07AIN AGFsaWNlAHMzY3JldA==\r\n"}, {"S", "504 no\r\n"},
				{"C", "AUTH X-\u202eMECH AGFsaWNlAHMzY3JldA==\r\n"}, {"S", "504 no\r\n"},
				{"C", "AUTH A23456789012345678901 AGFsaWNlAHMzY3JldA==\r\n"}, {"S", "504 no\r\n"}},
			want: "C: AUTH PL\\x1b]0;PWN\\x07AIN <redacted: AUTH SASL response>\nS: 504 no\n" +
				"C: AUTH X-\\u202eMECH <redacted: AUTH SASL response>\nS: 504 no\n" +
				"C: AUTH A23456789012345678901 <redacted: AUTH SASL response>\nS: 504 no\n",
			secrets: []string{"AGFsaWNlAHMzY3JldA=="},
		},
		{
			name: "a chunk's text is not commands",
			feeds: []feed{{"C", "BDAT 12 LAST\r\nNOOP\r\nNOOP\r\n"}, {"S", "250 ok\r\n"}, {"C", "AUTH LOGIN\r\n"},
				{"S", "504 no\r\n"}, {"C", "NOOP\r\n"}, {"S", "334 go\r\n"}, {"C", "MAIL FROM:<a@b>\r\n"}},
			want: "C: BDAT 12 LAST\nC: NOOP\nC: NOOP\nS: 250 ok\nC: AUTH LOGIN\nS: 504 no\nC: NOOP\nS: 334 go\n" +
				"C: MAIL FROM:<a@b>\n",
		},
		{
			name: "bodies are never redacted and stay stuffed",
			feeds: []feed{{"C", "DATA\r\n"}, {"S", "354 go ahead\r\n"},
				{"C", "AUTH PLAIN AGFsaWNl\r\n..leading dot\r\n.\r\n"}, {"S", "250 2.0.0 Ok: queued as 4XyZ12ab\r\n"}},
			want: "C: DATA\nS: 354 go ahead\nC: AUTH PLAIN AGFsaWNl\nC: ..leading dot\nC: .\n" +
				"S: 250 2.0.0 Ok: queued as 4XyZ12ab\n",
		},
		{
			name: "pipelined batch",
			feeds: []feed{{"C", "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"},
				{"S", "250 ok\r\n250 ok\r\n354 go\r\n"}},
			want: "C: MAIL FROM:<a@b>\nC: RCPT TO:<c@d>\nC: DATA\nS: 250 ok\nS: 250 ok\nS: 354 go\n",
		},
		{
			name: "secret split across writes",
			feeds: []feed{{"C", "AUTH LOGIN\r\n"}, {"S", "334 VXNlcm5hbWU6\r\n"}, {"C", "YWxp"}, {"C", "Y2U=\r\n"},
				{"S", "334 UGFzc3dvcmQ6\r\n"}, {"C", "czNj"}, {"S", "421 4.4.2 timeout\r\n"}, {"C", "cmV0\r\n"}},
			want: "C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: <redacted: AUTH LOGIN username>\n" +
				"S: 334 UGFzc3dvcmQ6\nC: <redacted: AUTH LOGIN password>\nS: 421 4.4.2 timeout\n",
			secrets: []string{"YWxp", "Y2U=", "czNj", "cmV0"},
		},
		{
			name: "unfinished AUTH line",
			feeds: []feed{{"C", "AUTH PL"}, {"S", "421 4.4.2 timeout\r\n"}, {"C", "AIN AGFsaWNl\r\n"},
				{"C", "QUIT\r\n"}},
			want:    "C: <redacted: unfinished AUTH line>\nS: 421 4.4.2 timeout\nC: QUIT\n",
			secrets: []string{"AGFsaWNl"},
		},
		{
			name: "unfinished lines keep their order",
			feeds: []feed{{"C", "MAIL FROM:<a@b>"}, {"S", "421 4.4.2 timeout\r\n"}, {"C", "\r\n"},
				{"S", "250-partial"}, {"E", "connection closed"}},
			want: "C= \"MAIL FROM:<a@b>\"\nS: 421 4.4.2 timeout\nC:\nS= \"250-partial\"\n" +
				"=== connection closed\n",
		},
		{
			name:  "events",
			feeds: []feed{{"S", "220 2.0.0 Ready\r\n"}, {"E", "TLS established: TLSv1.3 TLS_AES_128_GCM_SHA256"}},
			want:  "S: 220 2.0.0 Ready\n=== TLS established: TLSv1.3 TLS_AES_128_GCM_SHA256\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := record(t, tt.feeds)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("recorded (-want +got):\n%s", diff)
			}
			for _, s := range tt.secrets {
				if strings.Contains(got, s) {
					t.Errorf("the secret %q was recorded", s)
				}
			}
			tr, err := ParseBytes([]byte(got))
			if err != nil {
				t.Fatalf("recorded transcript does not parse: %v", err)
			}
			if n := tr.Redact(); n != 0 {
				t.Errorf("Redact found %d secrets left in the recording", n)
			}
		})
	}
}

func TestRecorderMarkersParse(t *testing.T) {
	got := record(t, []feed{{"C", "AUTH LOGIN\r\n"}, {"S", "334 VXNlcm5hbWU6\r\n"}, {"C", "YWxpY2U=\r\n"}})
	tr, err := ParseBytes([]byte(got))
	if err != nil {
		t.Fatal(err)
	}
	last := tr.Entries[len(tr.Entries)-1]
	if last.Redacted != "AUTH LOGIN username" {
		t.Errorf("Redacted = %q, want %q", last.Redacted, "AUTH LOGIN username")
	}
	if got := string(last.WithSecret("YWxpY2U=").Bytes()); got != "YWxpY2U=\r\n" {
		t.Errorf("WithSecret().Bytes() = %q", got)
	}
}

// flushCounter counts flushes, to check that every line is flushed.
type flushCounter struct {
	*bufio.Writer
	flushes int
}

func (f *flushCounter) Flush() error {
	f.flushes++
	return f.Writer.Flush()
}

func TestRecorderFlushesEachLine(t *testing.T) {
	var b bytes.Buffer
	w := &flushCounter{Writer: bufio.NewWriter(&b)}
	r := NewRecorder(w)
	r.Server([]byte("220 hi\r\n"))
	r.Client([]byte("EHLO x\r\nNOOP\r\n"))
	if w.flushes != 4 { // the header, then one per entry
		t.Errorf("flushes = %d, want 4", w.flushes)
	}
	if want := "# smtprepl transcript v1\nS: 220 hi\nC: EHLO x\nC: NOOP\n"; b.String() != want {
		t.Errorf("written before Close = %q, want %q", b.String(), want)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

type failWriter struct{ after int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.after == 0 {
		return 0, errors.New("disk full")
	}
	f.after--
	return len(p), nil
}

func TestRecorderErrors(t *testing.T) {
	r := NewRecorder(&failWriter{after: 1})
	r.Server([]byte("220 hi\r\n"))
	r.Client([]byte("QUIT\r\n"))
	err := r.Close()
	if err == nil || err.Error() != "transcripts: disk full" {
		t.Errorf("Close() = %v, want the first write error", err)
	}
	bad := NewRecorder(&bytes.Buffer{}, KV{"two words", "x"})
	if err := bad.Close(); err == nil {
		t.Error("Close() = nil for bad metadata")
	}
}

func TestRecorderClosed(t *testing.T) {
	var b bytes.Buffer
	r := NewRecorder(&b)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r.Client([]byte("QUIT\r\n"))
	r.Event("late")
	if got := b.String(); got != "# smtprepl transcript v1\n" {
		t.Errorf("recorded after Close: %q", got)
	}
}

// TestRecorderConcurrent feeds both directions from two goroutines, as a
// tap on a connection does; run it with -race.
func TestRecorderConcurrent(t *testing.T) {
	var b bytes.Buffer
	r := NewRecorder(&b)
	var wg sync.WaitGroup
	for side := range 2 {
		wg.Go(func() {
			for i := range 100 {
				line := []byte(fmt.Sprintf("NOOP %d\r\n", i))
				if side == 0 {
					r.Client(line)
				} else {
					r.Server([]byte(fmt.Sprintf("250 %d\r\n", i)))
				}
			}
		})
	}
	wg.Wait()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	tr, err := ParseBytes(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Entries) != 200 {
		t.Errorf("recorded %d entries, want 200", len(tr.Entries))
	}
}
