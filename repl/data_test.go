package repl

import (
	"strings"
	"testing"
)

func TestLineWarnings(t *testing.T) {
	tests := []struct {
		name     string
		lines    []string
		eightBit bool
		declared bool
		want     []string // a phrase per warning, in order; "" for none
	}{
		{"a proper message", []string{"Subject: x", "", "body"}, false, false, nil},
		{"folded header", []string{"Subject: x", " continued", "", "body"}, false, false, nil},
		{"body before the empty line", []string{"Subject: x", "hello"}, false, false, []string{"line 2 is not a header field"}},
		{"warned once per message", []string{"Subject: x", "hello", "again: text"}, false, false, []string{"line 2 is not a header field"}},
		{"a long line", []string{"", strings.Repeat("a", 999)}, true, true, []string{"line 2 is 999 octets"}},
		{"998 octets are fine", []string{"", strings.Repeat("a", 998)}, true, true, nil},
		{"8-bit without 8BITMIME", []string{"", "café", "thé"}, false, false, []string{"did not offer 8BITMIME"}},
		{"8-bit offered, not declared", []string{"", "café"}, true, false, []string{"did not declare BODY=8BITMIME"}},
		{"8-bit offered and declared", []string{"", "café"}, true, true, nil},
		{"a verb typed in the header", []string{"Subject: x", "QUIT"}, true, true, []string{`"QUIT" is message text here`}},
		{"a verb typed in the body", []string{"Subject: x", "", "hello", "rset", "MAIL FROM:<a@b.test>"}, true, true,
			[]string{`"RSET" is message text here`, `"MAIL" is message text here`}},
		{"words that start like verbs", []string{"", "Data is here.", "Quit smoking", "Mail from: Bob"}, true, true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := msgState{inHeader: true}
			var got []string
			for _, l := range tc.lines {
				got = append(got, m.lineWarnings(l, tc.eightBit, tc.declared)...)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("warnings = %q, want %d like %q", got, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("warning %d = %q, want it to say %q", i, got[i], w)
				}
			}
		})
	}
}

// TestBody8Bit: the session knows MAIL FROM declared 8-bit text, for the
// warning about 8-bit lines; the model reads it off the MAIL line.
func TestBody8Bit(t *testing.T) {
	tests := map[string]bool{
		"FROM:<a@b> BODY=8BITMIME":   true,
		"FROM:<a@b> body=8bitmime":   true,
		"FROM:<a@b> BODY=BINARYMIME": true,
		"FROM:<a@b> BODY=7BIT":       false,
		"FROM:<a@b>":                 false,
		"garbage":                    false,
	}
	for arg, want := range tests {
		s := testSession(t, fullEHLO, "MAIL "+arg)
		if got := s.State().Body8Bit; got != want {
			t.Errorf("after MAIL %s: Body8Bit = %v, want %v", arg, got, want)
		}
	}
}
