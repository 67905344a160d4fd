package transcripts

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func ruleNames(r Rules) []string {
	var names []string
	for _, v := range r.Volatile {
		names = append(names, v.Name)
	}
	return names
}

func TestRulesKeep(t *testing.T) {
	tests := []struct {
		keep    []string
		want    []string
		wantErr string
	}{
		{keep: nil, want: []string{"queue-id", "id", "date", "hex", "session", "greeting", "ehlo-greeting", "helo-greeting"}},
		{keep: []string{"greeting", "hex"}, want: []string{"queue-id", "id", "date", "session", "ehlo-greeting", "helo-greeting"}},
		{keep: []string{"all"}, want: nil},
		{keep: []string{"queue"}, wantErr: `transcripts: no rule "queue" (rules: all, queue-id, id, date, hex, session, greeting, ehlo-greeting, helo-greeting)`},
	}
	for _, tc := range tests {
		r := DefaultRules()
		var err error
		for _, k := range tc.keep {
			if err = r.Keep(k); err != nil {
				break
			}
		}
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("Keep(%q) error = %v, want %s", tc.keep, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(tc.want, ruleNames(r)); d != "" {
			t.Errorf("Keep(%q) (-want +got):\n%s", tc.keep, d)
		}
	}
	// Keep must not change the slice DefaultVolatile gave another caller.
	r := DefaultRules()
	before := ruleNames(r)
	other := r
	other.Keep("queue-id")
	if d := cmp.Diff(before, ruleNames(r)); d != "" {
		t.Errorf("Keep changed a copy's rules:\n%s", d)
	}
}

func TestParseRule(t *testing.T) {
	tests := []struct {
		spec, text, want, wantErr string
	}{
		{spec: "ticket=ticket ([0-9]+)", text: "250 ok ticket 1234", want: "250 ok ticket <ticket>"},
		{spec: "ts=[0-9]{10}", text: "250 at 1700000000 ok", want: "250 at <ts> ok"},
		{spec: "ticket", wantErr: `transcripts: rule "ticket": want NAME=REGEXP, e.g. ticket=ticket ([0-9]+)`},
		{spec: "=x", wantErr: `transcripts: rule "=x": want NAME=REGEXP, e.g. ticket=ticket ([0-9]+)`},
		{spec: "bad=(", wantErr: "transcripts: rule \"bad\": error parsing regexp: missing closing ): `(`"},
	}
	for _, tc := range tests {
		v, err := ParseRule(tc.spec)
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("ParseRule(%q) error = %v, want %s", tc.spec, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := mask(tc.text, 0, "NOOP", []Volatile{v}); got != tc.want {
			t.Errorf("ParseRule(%q) masks %q as %q, want %q", tc.spec, tc.text, got, tc.want)
		}
	}
}

func TestFormatRules(t *testing.T) {
	r := Rules{Volatile: DefaultVolatile()[5:7]}
	var b strings.Builder
	if err := FormatRules(&b, r); err != nil {
		t.Fatal(err)
	}
	want := `Each reply's code, enhanced code and number of lines are compared. With
--exact the text is compared too, after masking these parts:

NAME           APPLIES TO                       PATTERN
greeting       first line of the greeting       ^\d{3}[ -]\S+(.*)$
ehlo-greeting  first line of the reply to EHLO  ^250[ -]\S+(.*)$
`
	if d := cmp.Diff(want, b.String()); d != "" {
		t.Errorf("FormatRules (-want +got):\n%s", d)
	}
}
