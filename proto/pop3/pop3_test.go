package pop3

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		line    string
		want    Command
		multi   bool
		wantErr bool
	}{
		{line: "USER alice", want: Command{"USER", []string{"alice"}}},
		{line: "retr 1", want: Command{"RETR", []string{"1"}}, multi: true},
		{line: "TOP  1   0", want: Command{"TOP", []string{"1", "0"}}, multi: true},
		{line: "LIST", want: Command{"LIST", []string{}}, multi: true},
		{line: "LIST 2", want: Command{"LIST", []string{"2"}}},
		{line: "UIDL", want: Command{"UIDL", []string{}}, multi: true},
		{line: "AUTH", want: Command{"AUTH", []string{}}, multi: true},
		{line: "AUTH PLAIN", want: Command{"AUTH", []string{"PLAIN"}}},
		{line: "CAPA", want: Command{"CAPA", []string{}}, multi: true},
		{line: "   ", wantErr: true},
		{line: "USER a\r\nDELE 1", wantErr: true},
		{line: "PASS x\x00", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got, err := ParseCommand(tt.line)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseCommand(%q) error %v, want error %v", tt.line, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if got.MultiLine() != tt.multi {
				t.Errorf("MultiLine() = %v, want %v", got.MultiLine(), tt.multi)
			}
		})
	}
}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		line    string
		want    Status
		wantErr bool
	}{
		{line: "+OK", want: Status{Indicator: OK}},
		{line: "+OK 2 610", want: Status{Indicator: OK, Text: "2 610"}},
		{line: "-ERR [AUTH] Authentication failed.", want: Status{Indicator: Err, Code: "AUTH", Text: "Authentication failed."}},
		{line: "-ERR [SYS/TEMP] Try later", want: Status{Indicator: Err, Code: "SYS/TEMP", Text: "Try later"}},
		{line: "-ERR [not a code] x", want: Status{Indicator: Err, Text: "[not a code] x"}},
		{line: "+ ", want: Status{Indicator: Continue}},
		{line: "+ VXNlcm5hbWU6", want: Status{Indicator: Continue, Text: "VXNlcm5hbWU6"}},
		{line: "+ok fine", want: Status{Indicator: OK, Text: "fine"}},
		{line: "220 smtp.example ESMTP", wantErr: true},
		{line: "+OKAY", wantErr: true},
		{line: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got, err := ParseStatus(tt.line)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseStatus(%q) error %v, want error %v", tt.line, err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" && err == nil {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestStuffing(t *testing.T) {
	tests := []struct{ line, wire string }{
		{"", ""},
		{"hello", "hello"},
		{".", ".."},
		{".hidden", "..hidden"},
		{"..two", "...two"},
		{"a.b", "a.b"},
	}
	for _, tt := range tests {
		if got := string(Stuff([]byte(tt.line))); got != tt.wire {
			t.Errorf("Stuff(%q) = %q, want %q", tt.line, got, tt.wire)
		}
		text, end := Unstuff([]byte(tt.wire))
		if string(text) != tt.line || end {
			t.Errorf("Unstuff(%q) = %q, %v; want %q, false", tt.wire, text, end, tt.line)
		}
	}
	if _, end := Unstuff([]byte(".")); !end {
		t.Error(`Unstuff(".") is not the end`)
	}
}

func TestExplainCoversEveryCommand(t *testing.T) {
	for _, k := range []string{"USER", "PASS", "AUTH", "APOP", "STLS", "CAPA", "STAT", "LIST", "UIDL", "RETR", "TOP", "DELE", "RSET", "NOOP", "QUIT"} {
		for _, ind := range []Indicator{OK, Err} {
			if Explain(k, ind) == "" {
				t.Errorf("no explanation of %s answered %d", k, ind)
			}
		}
	}
	if Explain("XYZZY", Err) == "" {
		t.Error("an unknown command's -ERR is not explained")
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"USER alice", "TOP 1 0", "", " \t", "PASS a b c", "X\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		c, err := ParseCommand(line)
		if err != nil {
			return
		}
		if c.Keyword == "" || len(c.Args) != len(strings.Fields(line))-1 {
			t.Fatalf("ParseCommand(%q) = %+v", line, c)
		}
		for _, w := range append([]string{c.Keyword}, c.Args...) {
			if w == "" || strings.ContainsAny(w, " \t\r\n") {
				t.Fatalf("ParseCommand(%q) = %+v: a word holds a separator", line, c)
			}
		}
		c.MultiLine()
	})
}

func FuzzParseStatus(f *testing.F) {
	for _, s := range []string{"+OK", "-ERR [AUTH] no", "+ ", "+OK 2 3", "-ERR [", "[x]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		st, err := ParseStatus(line)
		if err == nil && st.Indicator == 0 {
			t.Fatalf("ParseStatus(%q) gave no indicator", line)
		}
	})
}

func FuzzStuffRoundTrip(f *testing.F) {
	for _, s := range []string{"", ".", "..", ".x", "x"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		text, end := Unstuff(Stuff(line))
		if end || string(text) != string(line) {
			t.Fatalf("Unstuff(Stuff(%q)) = %q, %v", line, text, end)
		}
	})
}
