package transcripts

import "strings"

// replyLine is one line of a server reply split into its parts (RFC 5321
// section 4.2, enhanced codes RFC 3463 / RFC 2034).
type replyLine struct {
	code int    // 0 when the line does not start with a reply code
	more bool   // "ddd-": another line of the same reply follows
	enh  string // "5.1.1", only when its class is the code's first digit
}

// parseReplyLine parses the text of a server line. Only the first line of
// exact bytes counts.
func parseReplyLine(s string) replyLine {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) < 3 || !digits(s[:3]) || s[0] < '1' || s[0] > '5' {
		return replyLine{}
	}
	r := replyLine{code: int(s[0]-'0')*100 + int(s[1]-'0')*10 + int(s[2]-'0')}
	switch {
	case len(s) == 3:
		return r
	case s[3] == '-':
		r.more = true
	case s[3] != ' ':
		return replyLine{}
	}
	word, _, _ := strings.Cut(s[4:], " ")
	if enhancedCode(word) && word[0] == s[0] {
		r.enh = word
	}
	return r
}

// enhancedCode reports whether s is class.subject.detail: a class of 2, 4
// or 5, and one to three digits each after it.
func enhancedCode(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || len(parts[0]) != 1 || !strings.Contains("245", parts[0]) {
		return false
	}
	for _, p := range parts[1:] {
		if len(p) < 1 || len(p) > 3 || !digits(p) {
			return false
		}
	}
	return true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// lineText is a wire entry's text without its line ending.
func lineText(e Entry) string {
	if !e.Exact {
		return e.Text
	}
	return trimEOL(e.Text)
}

// trimEOL removes a trailing LF or CRLF.
func trimEOL(s string) string {
	return strings.TrimSuffix(strings.TrimSuffix(s, "\n"), "\r")
}
