package transcripts

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// xview is an Exchange with each entry shown as its transcript line.
type xview struct {
	Events, Body, Commands []string
	Replies                [][]string
}

func lines(es []Entry) []string {
	var out []string
	for _, e := range es {
		b, _ := appendEntry(nil, e)
		out = append(out, strings.TrimSuffix(string(b), "\n"))
	}
	return out
}

func view(xs []Exchange) []xview {
	var out []xview
	for _, x := range xs {
		v := xview{Events: lines(x.Events), Body: lines(x.Body), Commands: lines(x.Commands)}
		for _, r := range x.Replies {
			v.Replies = append(v.Replies, lines(r))
		}
		out = append(out, v)
	}
	return out
}

func parseFile(t *testing.T, name string) *Transcript {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := ParseBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestExchangesRFC2920(t *testing.T) {
	got := view(parseFile(t, "testdata/rfc2920-pipelining.txt").Exchanges())
	want := []xview{
		{
			Events:  []string{"S: <wait for open connection>", "C: <open connection to server>"},
			Replies: [][]string{{"S: 220 innosoft.com SMTP service ready"}},
		},
		{
			Commands: []string{"C: EHLO dbc.mtview.ca.us"},
			Replies:  [][]string{{"S: 250-innosoft.com", "S: 250 PIPELINING"}},
		},
		{
			Commands: []string{"C: MAIL FROM:<mrose@dbc.mtview.ca.us>", "C: RCPT TO:<ned@innosoft.com>",
				"C: RCPT TO:<dan@innosoft.com>", "C: RCPT TO:<kvc@innosoft.com>", "C: DATA"},
			Replies: [][]string{{"S: 250 sender <mrose@dbc.mtview.ca.us> OK"},
				{"S: 250 recipient <ned@innosoft.com> OK"}, {"S: 250 recipient <dan@innosoft.com> OK"},
				{"S: 250 recipient <kvc@innosoft.com> OK"}, {`S: 354 enter mail, end with line containing only "."`}},
		},
		{
			Body:     []string{"..."},
			Commands: []string{"C: .", "C: QUIT"},
			Replies:  [][]string{{"S: 250 message sent"}, {"S: 221 goodbye"}},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("exchanges (-want +got):\n%s", diff)
	}
}

func TestExchangesRFC5321D1(t *testing.T) {
	got := view(parseFile(t, "testdata/rfc5321-d1-typical.txt").Exchanges())
	want := []xview{
		{Replies: [][]string{{"S: 220 foo.com Simple Mail Transfer Service Ready"}}},
		{Commands: []string{"C: EHLO bar.com"}, Replies: [][]string{{"S: 250-foo.com greets bar.com",
			"S: 250-8BITMIME", "S: 250-SIZE", "S: 250-DSN", "S: 250 HELP"}}},
		{Commands: []string{"C: MAIL FROM:<Smith@bar.com>"}, Replies: [][]string{{"S: 250 OK"}}},
		{Commands: []string{"C: RCPT TO:<Jones@foo.com>"}, Replies: [][]string{{"S: 250 OK"}}},
		{Commands: []string{"C: RCPT TO:<Green@foo.com>"}, Replies: [][]string{{"S: 550 No such user here"}}},
		{Commands: []string{"C: RCPT TO:<Brown@foo.com>"}, Replies: [][]string{{"S: 250 OK"}}},
		{Commands: []string{"C: DATA"}, Replies: [][]string{{"S: 354 Start mail input; end with <CRLF>.<CRLF>"}}},
		{
			Body:     []string{"C: Blah blah blah...", "C: ...etc. etc. etc."},
			Commands: []string{"C: ."},
			Replies:  [][]string{{"S: 250 OK"}},
		},
		{Commands: []string{"C: QUIT"}, Replies: [][]string{{"S: 221 foo.com Service closing transmission channel"}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("exchanges (-want +got):\n%s", diff)
	}
}

// shape summarises exchanges as "commands>replies" with "+bN" for a body
// of N lines and "eN" for N events.
func shape(xs []Exchange) string {
	var parts []string
	for _, x := range xs {
		s := fmt.Sprintf("%d>%d", len(x.Commands), len(x.Replies))
		if len(x.Body) > 0 {
			s = fmt.Sprintf("b%d+%s", len(x.Body), s)
		}
		if len(x.Events) > 0 {
			s = fmt.Sprintf("e%d+%s", len(x.Events), s)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func TestExchangeShapes(t *testing.T) {
	tests := []struct{ file, want string }{
		{"rfc5321-d1-typical.txt", "0>1 1>1 1>1 1>1 1>1 1>1 1>1 b2+1>1 1>1"},
		{"rfc5321-d2-aborted.txt", "0>1 1>1 1>1 1>1 1>1 1>1 1>1"},
		{"rfc5321-d3-relay-step1.txt", "0>1 1>1 1>1 1>1 1>1 b9+1>1 1>1"},
		{"rfc5321-d3-relay-step2.txt", "0>1 1>1 1>1 1>1 1>1 b11+1>1 1>1"},
		{"rfc5321-d4-verify.txt", "0>1 1>1 1>1 1>1 1>1 1>1 b2+1>1 1>1"},
		{"rfc2920-without-pipelining.txt", "e2+0>1 1>1 1>1 1>1 1>1 1>1 1>1 b1+1>1 1>1"},
		{"rfc2920-pipelining.txt", "e2+0>1 1>1 5>5 b1+2>2"},
		{"design-example.txt", "0>1 1>1 1>1 e1+1>1 1>1 1>1 1>1 e1+0>0"},
		{"exact-bytes.txt", "e1+0>1 1>1 1>1 1>1 1>1 b9+1>1 1>1 e1+0>0"},
		{"auth-mechanisms.txt", "0>1 1>1 1>1 1>1 1>1 1>1 1>1 1>1 1>1 1>1 1>1 1>1 e1+1>1"},
		{"swaks-postfix-starttls.txt", "e2+0>1 1>1 1>1 e3+1>1 1>1 1>1 1>1 1>1 1>1 1>1 b10+1>1 1>1 e1+0>0"},
		{"swaks-smtp-sink-pipelining.txt", "e2+0>1 1>1 3>3 b10+1>1 1>1 e1+0>0"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			if got := shape(parseFile(t, "testdata/"+tt.file).Exchanges()); got != tt.want {
				t.Errorf("shape = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestExchangesEdges(t *testing.T) {
	tests := []struct {
		name, in string
		want     []xview
	}{
		{
			name: "event inside a multi-line reply",
			in:   "C: EHLO x\nS: 250-a\n=== odd\nS: 250 b\n",
			want: []xview{
				{Commands: []string{"C: EHLO x"}, Replies: [][]string{{"S: 250-a"}}},
				{Events: []string{"=== odd"}, Replies: [][]string{{"S: 250 b"}}},
			},
		},
		{
			name: "exact lines and a bare code",
			in:   "S= \"220 hi\\r\\n\"\nC: NOOP\nS: 250-a\nS= \"250 \\r\\n\"\nC: QUIT\nS: 221\n",
			want: []xview{
				{Replies: [][]string{{`S= "220 hi\r\n"`}}},
				{Commands: []string{"C: NOOP"}, Replies: [][]string{{"S: 250-a", `S= "250 \r\n"`}}},
				{Commands: []string{"C: QUIT"}, Replies: [][]string{{"S: 221"}}},
			},
		},
		{
			name: "smuggled end of data in an exact chunk",
			in:   "C: DATA\nS: 354 go\nC: hi\nC= \"x\\n.\\n\"\nC= \"y\\r\\n.\\r\\n\"\nS: 250 ok\n",
			want: []xview{
				{Commands: []string{"C: DATA"}, Replies: [][]string{{"S: 354 go"}}},
				{Body: []string{"C: hi", `C= "x\n.\n"`}, Commands: []string{`C= "y\r\n.\r\n"`},
					Replies: [][]string{{"S: 250 ok"}}},
			},
		},
		{
			name: "angle brackets in a body are data",
			in:   "C: DATA\nS: 354 go\nC: <html>\nC: .\nS: 250 ok\n# done\n\n",
			want: []xview{
				{Commands: []string{"C: DATA"}, Replies: [][]string{{"S: 354 go"}}},
				{Body: []string{"C: <html>"}, Commands: []string{"C: ."}, Replies: [][]string{{"S: 250 ok"}}},
			},
		},
		{
			name: "a 354 that answers RCPT opens no message text",
			in:   "S: 220 x\nC: MAIL FROM:<a@b>\nS: 250 ok\nC: RCPT TO:<c@d>\nS: 354 odd\nC: QUIT\nS: 221 bye\n",
			want: []xview{
				{Replies: [][]string{{"S: 220 x"}}},
				{Commands: []string{"C: MAIL FROM:<a@b>"}, Replies: [][]string{{"S: 250 ok"}}},
				{Commands: []string{"C: RCPT TO:<c@d>"}, Replies: [][]string{{"S: 354 odd"}}},
				{Commands: []string{"C: QUIT"}, Replies: [][]string{{"S: 221 bye"}}},
			},
		},
		{
			name: "garbage from the server is a reply",
			in:   "C: NOOP\nS: hello?\n",
			want: []xview{{Commands: []string{"C: NOOP"}, Replies: [][]string{{"S: hello?"}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := ParseBytes([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, view(tr.Exchanges())); diff != "" {
				t.Errorf("exchanges (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseReplyLine(t *testing.T) {
	tests := []struct {
		in   string
		want replyLine
	}{
		{"250 OK", replyLine{code: 250}},
		{"250-foo.com greets bar.com", replyLine{code: 250, more: true}},
		{"250 2.1.5 Ok", replyLine{code: 250, enh: "2.1.5"}},
		{"550-5.1.1 no", replyLine{code: 550, more: true, enh: "5.1.1"}},
		{"550 2.1.1 class differs from code", replyLine{code: 550}},
		{"354 3.0.0 no class 3", replyLine{code: 354}},
		{"250 2.1000.1 too long", replyLine{code: 250}},
		{"221", replyLine{code: 221}},
		{"250\r\n", replyLine{code: 250}},
		{"250x", replyLine{}},
		{"25", replyLine{}},
		{"650 out of range", replyLine{}},
		{"<wait for open connection>", replyLine{}},
	}
	for _, tt := range tests {
		if got := parseReplyLine(tt.in); got != tt.want {
			t.Errorf("parseReplyLine(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}
