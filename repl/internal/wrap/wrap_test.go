package wrap

import "testing"

func TestText(t *testing.T) {
	tests := []struct {
		name, text   string
		width        int
		lead, indent string
		want         string
	}{
		{"fits", "a short line", 80, "   ↳ ", "     ", "   ↳ a short line"},
		{"breaks at spaces under the indent", "one two three four five six seven eight nine ten eleven twelve", 41, "", "  ",
			"one two three four five six seven eight\n  nine ten eleven twelve"},
		{"an RFC reference stays whole", "see the rules in RFC 2920 §3.1 for the whole story of pipelining here", 41, "", "",
			"see the rules in RFC 2920 §3.1 for the\nwhole story of pipelining here"},
		{"a width under 40 counts as 40", "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii", 10, "", "",
			"aaaa bbbb cccc dddd eeee ffff gggg hhhh\niiii"},
		{"runs of spaces collapse", "a  b", 80, "", "", "a b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Text(tc.text, tc.width, tc.lead, tc.indent); got != tc.want {
				t.Errorf("Text = %q\nwant   %q", got, tc.want)
			}
		})
	}
}
