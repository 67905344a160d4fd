package lessons

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/smtprepl/smtprepl/proto"
)

func TestParse(t *testing.T) {
	src := `# a comment
title: Two steps
summary: A lesson for the parser.
order: 7
sandbox: tls-required, max-errors 3
-- step: First --
Some prose
on two lines.

A second paragraph.
> :open
expect 220
ok: Connected,
    and greeted.
if 421: Busy.
-- step: Batch --
>> MAIL FROM:<a@example.test>
expect 250
>> DATA
expect 354|503
> RSET
expect 250
if 5.7: Policy
    said no.
> :compose send
expect error
-- pic.png.b64 --
aGVsbG8=
-- note.txt --
hi
`
	got, err := Parse("two", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := Lesson{
		Name: "two", Title: "Two steps", Summary: "A lesson for the parser.", Order: 7,
		Sandbox: SandboxOptions{RequireTLS: true, MaxErrors: 3},
		Steps: []Step{
			{Title: "First", Text: "Some prose\non two lines.\n\nA second paragraph.", Lines: []Line{
				{Text: ":open", Expect: Expect{Alts: []string{"220"}}, OK: "Connected, and greeted.",
					Ifs: []If{{Match: Expect{Alts: []string{"421"}}, Text: "Busy."}}, Source: 11},
			}},
			{Title: "Batch", Lines: []Line{
				{Text: "MAIL FROM:<a@example.test>", Batch: true, Expect: Expect{Alts: []string{"250"}}, Source: 17},
				{Text: "DATA", Batch: true, Expect: Expect{Alts: []string{"354", "503"}}, Source: 19},
				{Text: "RSET", Source: 21, Expect: Expect{Alts: []string{"250"}}, Ifs: []If{{Match: Expect{Alts: []string{"5.7"}}, Text: "Policy said no."}}},
				{Text: ":compose send", Expect: Expect{Error: true}, Source: 25},
			}},
		},
		Files: []File{
			{Name: "pic.png", Data: []byte("hello"), Section: "pic.png.b64", Text: []byte("aGVsbG8=\n")},
			{Name: "note.txt", Data: []byte("hi\n"), Section: "note.txt", Text: []byte("hi\n")},
		},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Parse (-want +got):\n%s", diff)
	}
}

// TestParseErrors: a teacher's typo is reported with its file and line,
// not silently taken for prose.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"no title", "-- step: A --\n> NOOP\n", `no "title:" line`},
		{"no steps", "title: T\n", "no \"-- step: Title --\" section"},
		{"unknown key", "title: T\ncolour: red\n-- step: A --\n> NOOP\n", `x.txtar:2: unknown header key "colour"`},
		{"bad order", "title: T\norder: first\n-- step: A --\n> NOOP\n", "x.txtar:2: order must be a number"},
		{"bad sandbox option", "title: T\nsandbox: fast\n-- step: A --\n> NOOP\n", `unknown sandbox option or scenario "fast"`},
		{"expect first", "title: T\n-- step: A --\nexpect 250\n> NOOP\n", "x.txtar:3: expect before any line to type"},
		{"prose only", "title: T\n-- step: A --\nJust words.\n", `x.txtar:2: step "A" has no line to type`},
		{"if without expect", "title: T\n-- step: A --\n> NOOP\nif 550: no\n", `x.txtar:3: a checkpoint with no expectation`},
		{"misspelt expect", "title: T\n-- step: A --\n> NOOP\nexpct 250\n", `x.txtar:4: unknown directive "expct"`},
		{"misspelt if", "title: T\n-- step: A --\n> NOOP\nexpect 250\niff 550: no\n", `x.txtar:5: unknown directive "iff"`},
		{"bad regex", "title: T\n-- step: A --\n> NOOP\nexpect 250\nmatch /Ok(/\n", "x.txtar:5: match: bad regular expression \"Ok(\""},
		{"unknown variable", "title: T\n-- step: A --\n> :open {{submision}}\nexpect 220\n", "x.txtar:3: unknown variable {{submision}} ({{implicit-tls}}, {{submission}}, {{pop3}}, {{cafile}}, {{trust}})"},
		{"scenario", "title: T\nsandbox: tarpit\n-- step: A --\n> NOOP\n", `x.txtar:2: unknown sandbox option or scenario "tarpit"`},
		{"421 at no stage", "title: T\nsandbox: 421-at helo\n-- step: A --\n> NOOP\n", `x.txtar:2: 421-at needs greeting, ehlo, mail, rcpt, data or dot, got "helo"`},
		{"reject no RCPT", "title: T\nsandbox: reject-rcpt 0\n-- step: A --\n> NOOP\n", `x.txtar:2: reject-rcpt needs a number from 1 to 1000, got "0"`},
		{"escape in prose", "title: T\n-- step: A --\nsee \x1b[2J here\n> NOOP\n", `x.txtar:3: a control or invisible character, shown escaped: see \x1b[2J here`},
		{"bidi in title", "title: T\u202e\n-- step: A --\n> NOOP\n", `x.txtar:1: a control or invisible character`},
		{"bad pattern", "title: T\n-- step: A --\n> NOOP\nexpect 250|6xx\n", `x.txtar:4: "6xx" is not a reply pattern`},
		{"two expects", "title: T\n-- step: A --\n> NOOP\nexpect 250\nexpect 251\n", "x.txtar:5: a second expect"},
		{"prose after a line", "title: T\n-- step: A --\n> NOOP\nexpect 250\nMore words.\n", "x.txtar:5: prose after the first line to type"},
		{"empty step", "title: T\n-- step: A --\n", `x.txtar:2: step "A" is empty`},
		{"untitled step", "title: T\n-- step: --\n> NOOP\n", "x.txtar:2: a step needs a title"},
		{"bad base64", "title: T\n-- step: A --\n> NOOP\n-- x.png.b64 --\n!!!\n", `x.txtar:4: section "x.png.b64" is not base64`},
		{"bad file name", "title: T\n-- step: A --\n> NOOP\n-- a/b --\nx\n", `data file name "a/b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x", []byte(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestProseThatLooksLikeADirective: "if" and "expect" open prose lines
// too; only the directive form is taken as one.
func TestProseThatLooksLikeADirective(t *testing.T) {
	l, err := Parse("x", []byte("title: T\n-- step: A --\nif you wonder: read on.\nexpect the server to answer.\n> NOOP\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "if you wonder: read on.\nexpect the server to answer."; l.Steps[0].Text != want {
		t.Errorf("prose = %q, want %q", l.Steps[0].Text, want)
	}
}

func TestExpectMatch(t *testing.T) {
	reply := func(code int, enh string) *proto.Reply {
		e, _ := proto.ParseEnhancedCode(enh)
		return proto.NewReply(code, e, "text")
	}
	tests := []struct {
		pattern string
		reply   *proto.Reply
		want    bool
	}{
		{"250", reply(250, "2.1.0"), true},
		{"25", reply(251, ""), true},
		{"2", reply(235, "2.7.0"), true},
		{"2xx", reply(221, ""), true},
		{"250", reply(550, "5.1.1"), false},
		{"5.1.1", reply(550, "5.1.1"), true},
		{"5.1", reply(550, "5.1.1"), true},
		{"5.1.1", reply(550, "5.1.10"), false},
		{"5.1.1", reply(550, ""), false},
		{"550 5.1.1", reply(550, "5.1.1"), true},
		{"550 5.1.1", reply(553, "5.1.1"), false},
		{"503|554", reply(554, "5.5.1"), true},
		{"503|554", reply(250, ""), false},
	}
	for _, tt := range tests {
		var p parser
		e := p.pattern(1, tt.pattern)
		if err := p.result(); err != nil {
			t.Fatalf("pattern %q: %v", tt.pattern, err)
		}
		if got := e.Match(tt.reply); got != tt.want {
			t.Errorf("%q matches %s: got %v, want %v", tt.pattern, tt.reply, got, tt.want)
		}
	}
	if (Expect{Alts: []string{"250"}}).Match(nil) {
		t.Error("a missing reply matched 250")
	}
	queued := reply(250, "2.0.0")
	queued = proto.NewReply(250, queued.Enhanced, "Ok: queued as 9E3779B97F5")
	for _, tt := range []struct {
		text string
		want bool
	}{{"queued as [0-9A-F]+$", true}, {"^Ok", true}, {"rejected", false}, {"(", false}} {
		if got := (Expect{Alts: []string{"250"}, Text: tt.text}).Match(queued); got != tt.want {
			t.Errorf("250 with /%s/ matches %s: got %v, want %v", tt.text, queued, got, tt.want)
		}
	}
	if (Expect{Alts: []string{"550"}, Text: "queued"}).Match(queued) {
		t.Error("the text matched and the code did not, yet the expectation held")
	}
}

// TestParseSandboxScenarios: a lesson names the sandbox's scenarios as
// the command line does, with a space for the "=".
func TestParseSandboxScenarios(t *testing.T) {
	l, err := Parse("x.txtar", []byte("title: T\nsandbox: auth-fails-once, reject-rcpt 2, 421-at dot, size-limit 5000, greylisting\n-- step: A --\n> NOOP\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := SandboxOptions{Greylist: true, AuthFailsOnce: true, RejectRcpt: 2, Drop421At: "dot", MaxSize: 5000}
	if l.Sandbox != want {
		t.Errorf("sandbox options %+v, want %+v", l.Sandbox, want)
	}
}
