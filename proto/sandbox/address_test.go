package sandbox

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/proto"
)

func TestParsePath(t *testing.T) {
	type out struct {
		Addr   string
		Params []proto.Param
		Err    string
	}
	size := []proto.Param{{Key: "SIZE", Value: "10", HasValue: true}}
	tests := []struct {
		arg  string
		want out
	}{
		{"FROM:<a@b.test>", out{Addr: "a@b.test"}},
		{"from: <a@b.test> SIZE=10", out{Addr: "a@b.test", Params: size}},
		{"FROM:<>", out{}},
		{"FROM:a@b.test SIZE=10", out{Addr: "a@b.test", Params: size}},
		{"FROM:a@b.test", out{Addr: "a@b.test"}},
		{"FROM a@b.test", out{Err: "path"}},
		{"FROM:", out{Err: "path"}},
		{"TO:<a@b.test>", out{Err: "path"}},
		{"FROM:<a@b.test", out{Err: "address"}},
		{"FROM:<a@b.test>SIZE=10", out{Err: "address"}},
		{"FROM:<a@b.test> =x", out{Err: "params"}},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			addr, params, err := parsePath(tt.arg, "FROM")
			got := out{Addr: addr, Params: params}
			var pe *paramError
			switch {
			case errors.Is(err, errPathSyntax):
				got = out{Err: "path"}
			case errors.Is(err, errAddrSyntax):
				got = out{Err: "address"}
			case errors.As(err, &pe):
				got = out{Err: "params"}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckAddress(t *testing.T) {
	tests := []struct {
		addr      string
		ascii, ok bool
	}{
		{"alice@example.test", true, true},
		{"alice", true, true},
		{"first.last+tag@sub.example.test", true, true},
		{`"john doe"@example.test`, true, true},
		{`"a\"b"@example.test`, true, true},
		{"bob@[127.0.0.1]", true, true},
		{"bob@[IPv6:::1]", true, true},
		{"ü@example.test", false, true},
		{"user@bücher.example", false, true},
		{"not an address", true, false},
		{"a..b@example.test", true, false},
		{".a@example.test", true, false},
		{"a@", true, false},
		{"a@example..test", true, false},
		{"a@exa_mple.test", true, false},
		{"a@[]", true, false},
		{`"unterminated@example.test`, true, false},
		{"", true, false},
	}
	for _, tt := range tests {
		ascii, ok := checkAddress(tt.addr)
		if ascii != tt.ascii || ok != tt.ok {
			t.Errorf("checkAddress(%q) = %v, %v; want %v, %v", tt.addr, ascii, ok, tt.ascii, tt.ok)
		}
	}
}

func TestStripRoute(t *testing.T) {
	for in, want := range map[string]string{"@a,@b:c@d": "c@d", "c@d": "c@d", "@nocolon": "@nocolon"} {
		if got := stripRoute(in); got != want {
			t.Errorf("stripRoute(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckParams(t *testing.T) {
	mail, rcpt := mailParamRules(), rcptParamRules()
	p := func(s string) []proto.Param {
		ps, err := proto.ParseParams(" " + s)
		if err != nil {
			t.Fatal(err)
		}
		return ps
	}
	tests := []struct {
		name   string
		rules  map[string]paramRule
		params string
		want   *canned
	}{
		{"all MAIL params", mail, "SIZE=100 BODY=8bitmime SMTPUTF8 RET=FULL ENVID=a+2Bb AUTH=<>", nil},
		{"size not a number", mail, "SIZE=1k", &canned{501, ec(5, 5, 4), "Bad message size syntax"}},
		{"size without value", mail, "SIZE", &canned{501, ec(5, 5, 4), "Bad message size syntax"}},
		{"body unsupported", mail, "BODY=BINARYMIME", &canned{555, ec(5, 5, 4), "Unsupported option: BODY=BINARYMIME"}},
		{"smtputf8 with value", mail, "SMTPUTF8=yes", &canned{555, ec(5, 5, 4), "Unsupported option: SMTPUTF8=yes"}},
		{"ret", mail, "RET=ALL", &canned{501, ec(5, 5, 4), "Bad RET parameter syntax"}},
		{"envid bad escape", mail, "ENVID=a+zz", &canned{501, ec(5, 5, 4), "Bad ENVID parameter syntax"}},
		{"unknown", mail, "XFOO=bar", &canned{555, ec(5, 5, 4), "Unsupported option: XFOO=bar"}},
		{"rcpt params on MAIL", mail, "NOTIFY=NEVER", &canned{555, ec(5, 5, 4), "Unsupported option: NOTIFY=NEVER"}},
		{"all RCPT params", rcpt, "NOTIFY=SUCCESS,DELAY ORCPT=rfc822;a+40b", nil},
		{"notify never alone", rcpt, "NOTIFY=NEVER", nil},
		{"notify never and more", rcpt, "NOTIFY=NEVER,DELAY", &canned{501, ec(5, 5, 4), "Error: Bad NOTIFY parameter syntax"}},
		{"notify twice", rcpt, "NOTIFY=DELAY,DELAY", &canned{501, ec(5, 5, 4), "Error: Bad NOTIFY parameter syntax"}},
		{"orcpt without type", rcpt, "ORCPT=a@b", &canned{501, ec(5, 5, 4), "Error: Bad ORCPT parameter syntax"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkParams(tt.rules, p(tt.params))
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(canned{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseBdat(t *testing.T) {
	type out struct {
		Size     int64
		Last, OK bool
	}
	tests := map[string]out{
		"21 LAST": {21, true, true}, "21 last": {21, true, true}, "0": {0, false, true},
		"": {}, "abc": {}, "-1": {}, "5 LAST x": {}, "5 FIRST": {},
	}
	for arg, want := range tests {
		size, last, ok := parseBdat(arg)
		if got := (out{size, last, ok}); got != want {
			t.Errorf("parseBdat(%q) = %+v, want %+v", arg, got, want)
		}
	}
}

func TestDirectoryLookup(t *testing.T) {
	d := newDirectory("Example.Test", []string{"alice", "Bob"}, map[string][]string{"staff": {"alice", "bob@example.test"}})
	type out struct {
		Members []string
		Refusal *canned
	}
	tests := []struct {
		addr   string
		authed bool
		want   out
	}{
		{"alice@example.test", false, out{Members: []string{"alice@example.test"}}},
		{"BOB@EXAMPLE.TEST", false, out{Members: []string{"BOB@EXAMPLE.TEST"}}},
		{"staff@example.test", false, out{Members: []string{"alice@example.test", "bob@example.test"}}},
		{"eve@example.test", false, out{Refusal: &canned{550, ec(5, 1, 1), "<eve@example.test>: Recipient address rejected: User unknown in virtual mailbox table"}}},
		{"x@else.test", false, out{Refusal: &canned{554, ec(5, 7, 1), "<x@else.test>: Relay access denied"}}},
		{"x@else.test", true, out{Members: []string{"x@else.test"}}},
	}
	for _, tt := range tests {
		members, refusal := d.lookup(tt.addr, tt.authed)
		if diff := cmp.Diff(tt.want, out{members, refusal}, cmp.AllowUnexported(canned{})); diff != "" {
			t.Errorf("lookup(%q, %v) (-want +got):\n%s", tt.addr, tt.authed, diff)
		}
	}
	if got := d.qualify("Postmaster"); got != "Postmaster@example.test" {
		t.Errorf("qualify = %q", got)
	}
}

func TestPostfixQueueIDIsUniqueAndPostfixShaped(t *testing.T) {
	seen := map[string]bool{}
	for n := 1; n <= 10000; n++ {
		id := PostfixQueueID(n)
		if len(id) != 11 || seen[id] {
			t.Fatalf("PostfixQueueID(%d) = %q: wrong length or repeated", n, id)
		}
		seen[id] = true
	}
}

func TestMailbox(t *testing.T) {
	m := NewMailbox(2, 10)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := m.Wait(ctx, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait on an empty mailbox: %v", err)
	}
	done := make(chan error)
	go func() { done <- m.Wait(context.Background(), 2) }()
	for _, msg := range []Message{{ID: "A", Data: []byte("12345")}, {ID: "B", Data: []byte("12345")}} {
		if err := m.deliver(msg); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Errorf("Wait for 2: %v", err)
	}
	// Full in messages: C drops A, the oldest (issue 15: a full mailbox
	// keeps taking mail). Full in bytes: D drops B and C together.
	if err := m.deliver(Message{ID: "C", Data: []byte("123")}); err != nil {
		t.Errorf("third delivery: %v", err)
	}
	if _, ok := m.Get("A"); ok {
		t.Error("Get(A) found the message dropped to make room")
	}
	if err := m.deliver(Message{ID: "D", Data: []byte("123456789")}); err != nil {
		t.Errorf("fourth delivery: %v", err)
	}
	if err := m.deliver(Message{ID: "E", Data: []byte("12345678901")}); !errors.Is(err, errMailboxFull) {
		t.Errorf("a message larger than the mailbox: %v, want errMailboxFull", err)
	}
	if d, ok := m.Get("D"); !ok || d.ID != "D" {
		t.Errorf("Get(D) = %v, %v", d, ok)
	}
	if got := m.List(); len(got) != 1 || got[0].ID != "D" || m.Len() != 1 || m.Dropped() != 3 || !m.Room(10) || m.Room(11) {
		t.Errorf("List = %v, Len = %d, Dropped = %d, Room(10) = %v, Room(11) = %v", got, m.Len(), m.Dropped(), m.Room(10), m.Room(11))
	}
}
