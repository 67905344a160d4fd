package visible

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Text is [String] for a sentence of our own that may already hold escaped
// parts (an error that quoted a reply with %q, a line shown by [Clip]):
// a backslash is kept as it is, so those parts are not escaped twice, and
// every control still is. It is the last guard before an error or a note
// reaches the terminal, not the first: outside text is escaped with
// [String] or [Clip] where it enters a sentence, which keeps a server's
// literal "\x1b" distinguishable from an escaped ESC.
func Text(s string) string {
	if !strings.Contains(s, `\`) {
		return String(s)
	}
	parts := strings.Split(s, `\`)
	for i, p := range parts {
		parts[i] = String(p)
	}
	return strings.Join(parts, `\`)
}

// TextSafe reports whether [Text] would return s as it is: [Safe] but for
// backslashes, which Text keeps. It does not allocate.
func TextSafe(s string) bool {
	for {
		i := firstUnsafe(s)
		if i < 0 {
			return true
		}
		if s[i] != '\\' {
			return false
		}
		s = s[i+1:]
	}
}

// TextClip is [Text] bounded to about max bytes: a longer sentence is cut
// at a rune boundary and says how long it was.
func TextClip(s string, max int) string {
	if len(s) <= max {
		return Text(s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return Text(s[:cut]) + " … (" + strconv.Itoa(len(s)) + " bytes in all)"
}
