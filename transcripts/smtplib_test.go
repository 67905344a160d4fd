package transcripts

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSmtplibGolden reads each smtplib log in testdata, written by
// /usr/bin/python3's smtplib against the practice server (level 1 and 2,
// STARTTLS, SMTP_SSL, AUTH PLAIN and LOGIN by login() and by docmd;
// testdata/smtplib-logs.py writes them), and compares the transcript with
// the .txt file of the same name; -update rewrites the .txt files, never
// the logs.
func TestSmtplibGolden(t *testing.T) {
	logs, err := filepath.Glob("testdata/smtplib-*.log")
	if err != nil || len(logs) == 0 {
		t.Fatalf("no smtplib logs: %v", err)
	}
	for _, name := range logs {
		t.Run(filepath.Base(name), func(t *testing.T) {
			got := importGolden(t, name)
			for _, secret := range []string{"c2VjcmV0", "AHN0dWRlbnQAc2VjcmV0", "c3R1ZGVudA==", "AHN0dWRlbnQAd3Jvbmc="} {
				if strings.Contains(got, secret) {
					t.Errorf("the transcript holds the credential %q", secret)
				}
			}
		})
	}
}

func TestParseSmtplibLines(t *testing.T) {
	tests := []struct {
		name, line string
		want       []Entry
	}{
		{"command", `send: 'ehlo laptop.example\r\n'`, []Entry{{Kind: Client, Text: "ehlo laptop.example"}}},
		{"reply", `reply: b'250-PIPELINING\r\n'`, []Entry{{Kind: Server, Text: "250-PIPELINING"}}},
		{"level 2", `20:14:29.639106 reply: b'221 2.0.0 Bye\r\n'`, []Entry{{Kind: Server, Text: "221 2.0.0 Bye"}}},
		{"level 2, no fraction", `20:14:29 send: 'quit\r\n'`, []Entry{{Kind: Client, Text: "quit"}}},
		{"summary", `reply: retcode (250); Msg: b'2.1.0 Ok'`, nil},
		{"data summary", `data: (354, b'End data with <CR><LF>.<CR><LF>')`, nil},
		{"connect", `connect: ('127.0.0.1', 465)`, []Entry{{Kind: Event, Text: "smtplib connects to 127.0.0.1:465"}}},
		{"connect repeated", `connect: to ('127.0.0.1', 465) None`, nil},
		{"greeting repeated", `connect: b'sandbox ESMTP'`, nil},
		{"message in one write", `send: b'Subject: Monday\'s\r\n\r\n..dot\r\n.\r\n'`, []Entry{
			{Kind: Client, Text: "Subject: Monday's"}, {Kind: Client}, {Kind: Client, Text: "..dot"}, {Kind: Client, Text: "."}}},
		{"double quotes", `reply: b"250 it's ok\r\n"`, []Entry{{Kind: Server, Text: "250 it's ok"}}},
		{"str with UTF-8", `send: 'ehlo zo\xeb.example\r\n'`, []Entry{{Kind: Client, Text: "ehlo zoë.example"}}},
		{"bytes escape", `reply: b'250 \xc3\xa9\r\n'`, []Entry{{Kind: Server, Text: "250 é"}}},
		{"control kept exact", `reply: b'250 a\x1bb\r\n'`, []Entry{{Kind: Server, Text: "250 a\x1bb\r\n", Exact: true}}},
		{"no CRLF", `send: 'NOOP'`, []Entry{{Kind: Client, Text: "NOOP", Exact: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSmtplibLine(tt.line, 0)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseSmtplibErrors(t *testing.T) {
	tests := []struct {
		name, input, want string
	}{
		{"a print", "send: 'NOOP\\r\\n'\n(250, b'2.0.0 Ok')\n", "line 2: not an smtplib debug line"},
		{"unquoted", "send: 'NOOP\\r\\n'\nreply: 250 ok\n", "line 2: bad Python literal"},
		{"cut escape", "send: 'NOOP\\r\\n'\nreply: b'250 \\x4'\n", "line 2: bad Python literal"},
		{"stray quote", "send: 'NO'OP'\n", "line 1: bad Python literal"},
		{"unicode escape in bytes", "send: 'x\\r\\n'\nreply: b'\\u00e9'\n", "line 2: bad Python literal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.input))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestSmtplibTraceback: the exception that stopped the program is kept as
// an error event; the traceback's source lines, where a password may be
// written, are not.
func TestSmtplibTraceback(t *testing.T) {
	in := `reply: b'535 5.7.8 Error: authentication failed\r\n'
Traceback (most recent call last):
  File "send.py", line 9, in <module>
    s.login("student", "hunter2")
smtplib.SMTPAuthenticationError: (535, b'5.7.8 Error: authentication failed')

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "send.py", line 11, in <module>
    s.quit()
smtplib.SMTPServerDisconnected: please run connect() first
`
	tr, err := ParseSmtplib([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := tr.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	want := `S: 535 5.7.8 Error: authentication failed
=== error: Python: smtplib.SMTPAuthenticationError: (535, b'5.7.8 Error: authentication failed')
=== error: Python: smtplib.SMTPServerDisconnected: please run connect() first
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestSmtplibRedactsOnImport: every form of AUTH smtplib sends leaves the
// import with a redaction marker that replay's --secret fills in.
func TestSmtplibRedactsOnImport(t *testing.T) {
	in := `send: 'AUTH PLAIN AHN0dWRlbnQAc2VjcmV0\r\n'
reply: b'235 2.7.0 Authentication successful\r\n'
send: 'AUTH LOGIN c3R1ZGVudA==\r\n'
reply: b'334 UGFzc3dvcmQ6\r\n'
send: 'c2VjcmV0\r\n'
reply: b'235 2.7.0 Authentication successful\r\n'
send: 'AUTH LOGIN\r\n'
reply: b'334 VXNlcm5hbWU6\r\n'
send: 'c3R1ZGVudA==\r\n'
reply: b'334 UGFzc3dvcmQ6\r\n'
send: 'c2VjcmV0\r\n'
reply: b'235 2.7.0 Authentication successful\r\n'
`
	tr, err := ParseSmtplib([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range tr.Entries {
		if e.Kind == Client {
			got = append(got, e.Redacted)
		}
	}
	want := []string{"AUTH PLAIN credentials", "AUTH LOGIN username", "AUTH LOGIN password", "", "AUTH LOGIN username", "AUTH LOGIN password"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("redacted (-want +got):\n%s", diff)
	}
}

// FuzzParseSmtplib: an smtplib log is pasted by a student; whatever it
// holds, the import never panics, reads back as it writes, and keeps
// no AUTH secret in clear.
func FuzzParseSmtplib(f *testing.F) {
	addFiles(f, "testdata/smtplib-*.log")
	for _, s := range []string{"send: 'AUTH PLAIN AHN0\\r\\n'\n", "reply: b'334 \\x00'\n", "12:00:00.1 send: b\"a\\r\\nb\"\n",
		"connect: ('h', 1)\nsend: 'x'\n", "send: '\\U0010ffff\\r\\n'\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		t1, err := ParseSmtplib(data)
		if err != nil {
			return
		}
		checkStable(t, t1)
		if n := t1.Redact(); n != 0 {
			t.Fatalf("redacting the import again changed %d lines: a secret was left in clear", n)
		}
	})
}

// BenchmarkParseSmtplib10000Lines imports a long smtplib debug log (the
// level 2 one in testdata, repeated), redaction included.
func BenchmarkParseSmtplib10000Lines(b *testing.B) {
	one, err := os.ReadFile("testdata/smtplib-ssl-login-debuglevel2.log")
	if err != nil {
		b.Fatal(err)
	}
	data := bytes.Repeat(one, 10000/bytes.Count(one, []byte("\n"))+1)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseBytes(data); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCompareSmtplibTLS: an imported smtplib log says TLS started but not
// which version; a replay's TLS of any version matches it, no TLS does not.
func TestCompareSmtplibTLS(t *testing.T) {
	rec := func(event string) *Transcript {
		lines := []string{"S: 220 mx", "C: STARTTLS", "S: 220 go"}
		if event != "" {
			lines = append(lines, "=== "+event)
		}
		tr, err := ParseBytes([]byte(strings.Join(append(lines, "C: EHLO a", "S: 250 mx", "C: QUIT", "S: 221 bye"), "\n") + "\n"))
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	log := rec(SmtplibTLSEvent)
	for _, got := range []string{"TLS established: TLS 1.3 TLS_AES_128_GCM_SHA256", "TLS established: TLS 1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"} {
		if diffs := Compare(log, rec(got), DefaultRules()); len(diffs) != 0 {
			t.Errorf("%q differs from the smtplib log's TLS: %+v", got, diffs)
		}
	}
	if diffs := Compare(log, rec(""), DefaultRules()); len(diffs) != 1 || !strings.Contains(diffs[0].Why, `TLS: want "TLS", got "none"`) {
		t.Errorf("no TLS at all: %+v, want one TLS difference", diffs)
	}
}
