package proto

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValidateLine(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"plain command", "MAIL FROM:<a@example.test> SIZE=10", true},
		{"empty line", "", true},
		{"UTF-8 kept", "RCPT TO:<jürgen@example.test>", true},
		{"CRLF injection", "RCPT TO:<a>\r\nDATA", false},
		{"bare LF", "NOOP\nQUIT", false},
		{"bare CR", "NOOP\rQUIT", false},
		{"trailing CRLF", "NOOP\r\n", false},
		{"NUL", "NOOP\x00", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateLine(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ValidateLine(%q) = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrInjection) {
				t.Errorf("ValidateLine(%q) = %v, want it to wrap ErrInjection", tt.in, err)
			}
		})
	}
}

func TestParseCommand(t *testing.T) {
	tests := []struct {
		in   string
		want Command
	}{
		{"MAIL FROM:<a@example.test>", Command{Verb: "MAIL", Arg: "FROM:<a@example.test>"}},
		{"mail from:<a@example.test>", Command{Verb: "MAIL", Arg: "from:<a@example.test>"}},
		{"DATA", Command{Verb: "DATA"}},
		{"ehlo  two spaces", Command{Verb: "EHLO", Arg: " two spaces"}},
		{"x\xffy arg", Command{Verb: "X\xffY", Arg: "arg"}}, // bytes kept as typed
		{"", Command{}},
		// Leading spaces and tabs are skipped and a tab ends the verb, as
		// servers read a line (Postfix's smtpd too): " DATA" is DATA.
		{" DATA", Command{Verb: "DATA"}},
		{"\t data", Command{Verb: "DATA"}},
		{"DATA\t", Command{Verb: "DATA"}},
		{"AUTH\tPLAIN AHN0", Command{Verb: "AUTH", Arg: "PLAIN AHN0"}},
		{"  auth \tPLAIN", Command{Verb: "AUTH", Arg: "\tPLAIN"}},
		{" \t ", Command{}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseCommand(tt.in)
			if err != nil {
				t.Fatalf("ParseCommand(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseCommand(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
	if _, err := ParseCommand("RCPT TO:<a>\r\nDATA"); !errors.Is(err, ErrInjection) {
		t.Errorf("ParseCommand with CRLF inside = %v, want ErrInjection", err)
	}
}

func TestParsePath(t *testing.T) {
	tests := []struct {
		name    string
		arg     string
		keyword string
		want    Path
	}{
		{"plain", "FROM:<a@example.test>", "FROM", Path{Address: "a@example.test"}},
		{"lower-case keyword", "to:<b@example.test>", "TO", Path{Address: "b@example.test"}},
		{"space after colon", "FROM: <a@example.test>", "FROM", Path{Address: "a@example.test"}},
		{"null path", "FROM:<>", "FROM", Path{Address: ""}},
		{"parameters in order", "FROM:<a@x> size=10 BODY=8BITMIME SMTPUTF8", "FROM", Path{
			Address: "a@x",
			Params: []Param{
				{Key: "SIZE", Value: "10", HasValue: true},
				{Key: "BODY", Value: "8BITMIME", HasValue: true},
				{Key: "SMTPUTF8"},
			},
		}},
		{"empty value", "TO:<b@x> NOTIFY=", "TO", Path{Address: "b@x", Params: []Param{{Key: "NOTIFY", HasValue: true}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePath(tt.arg, tt.keyword)
			if err != nil {
				t.Fatalf("ParsePath(%q, %q): %v", tt.arg, tt.keyword, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParsePath(%q) mismatch (-want +got):\n%s", tt.arg, diff)
			}
		})
	}
}

func TestParsePathErrors(t *testing.T) {
	tests := []struct {
		name, arg, want string
	}{
		{"no colon", "FROM <a>", `expected FROM:<address>, got "FROM <a>"`},
		{"wrong keyword", "TO:<a>", `expected FROM:<address>, got "TO:<a>"`},
		{"space before colon", "FROM :<a>", "expected FROM:<address>"},
		{"no brackets", "FROM:a@x", "address must be in angle brackets"},
		{"no closing bracket", "FROM:<a@x", "missing '>'"},
		{"no space before parameters", "FROM:<a>SIZE=1", "expected a space before parameters"},
		{"bad parameter", "FROM:<a> =1", `bad parameter "=1"`},
		{"parameter starting with dash", "FROM:<a> -X", `bad parameter "-X"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePath(tt.arg, "FROM")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParsePath(%q) error = %v, want it to contain %q", tt.arg, err, tt.want)
			}
		})
	}
}

func TestPathLookup(t *testing.T) {
	p, err := ParsePath("FROM:<a@x> SIZE=10 SMTPUTF8", "FROM")
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := p.Lookup("SIZE"); !ok || got.String() != "SIZE=10" {
		t.Errorf("Lookup(SIZE) = %v, %v", got, ok)
	}
	if got, ok := p.Lookup("SMTPUTF8"); !ok || got.String() != "SMTPUTF8" {
		t.Errorf("Lookup(SMTPUTF8) = %v, %v", got, ok)
	}
	if _, ok := p.Lookup("BODY"); ok {
		t.Error("Lookup(BODY) found a parameter that is not there")
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"MAIL FROM:<a@x>", "data", "", " x", "\tAUTH\tPLAIN x", " \t", "RCPT TO:<a>\r\nDATA", "é x", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		c, err := ParseCommand(line)
		if (err != nil) != strings.ContainsAny(line, "\r\n\x00") {
			t.Fatalf("ParseCommand(%q) error = %v", line, err)
		}
		if err != nil {
			return
		}
		if strings.ContainsAny(c.Verb, "abcdefghijklmnopqrstuvwxyz \t") {
			t.Fatalf("verb %q not upper-cased or contains a space or a tab", c.Verb)
		}
		if c.Verb == "" && c.Arg != "" {
			t.Fatalf("ParseCommand(%q) = %+v: an argument without a verb", line, c)
		}
		if verb, arg := SplitVerb(line); upperASCII(verb) != c.Verb || arg != c.Arg {
			t.Fatalf("SplitVerb(%q) = %q, %q; ParseCommand gave %+v", line, verb, arg, c)
		}
		if len(c.String()) > len(line) {
			t.Fatalf("String() %q longer than the input %q", c.String(), line)
		}
		again, err := ParseCommand(c.String())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(c, again); diff != "" {
			t.Fatalf("ParseCommand(String()) of %q mismatch (-want +got):\n%s", line, diff)
		}
	})
}

// formatPath is the canonical form of a parsed path, for round trips.
func formatPath(keyword string, p Path) string {
	var b strings.Builder
	b.WriteString(keyword + ":<" + p.Address + ">")
	for _, param := range p.Params {
		b.WriteString(" " + param.String())
	}
	return b.String()
}

func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"FROM:<a@x>", "FROM: <a@x> SIZE=1 BODY=8BITMIME", "FROM:<>", "FROM:<a> X=", "from:<a>\tY", "FROM:<a>  A-B=c=d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		p, err := ParsePath(arg, "FROM")
		if err != nil {
			return
		}
		if strings.Contains(p.Address, ">") {
			t.Fatalf("address %q contains '>'", p.Address)
		}
		for _, param := range p.Params {
			if !isKeyword(param.Key) || param.Key != strings.ToUpper(param.Key) {
				t.Fatalf("parameter key %q", param.Key)
			}
		}
		again, err := ParsePath(formatPath("FROM", p), "FROM")
		if err != nil {
			t.Fatalf("ParsePath(%q): %v", formatPath("FROM", p), err)
		}
		if diff := cmp.Diff(p, again); diff != "" {
			t.Fatalf("round trip of %q mismatch (-want +got):\n%s", arg, diff)
		}
	})
}
