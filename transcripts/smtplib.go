package transcripts

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Python's smtplib, after set_debuglevel(1), writes to stderr one line per
// thing it sends or reads, each a Python literal (repr):
//
//	send: 'ehlo laptop.example\r\n'
//	reply: b'250-sandbox.smtprepl.test\r\n'
//	reply: retcode (250); Msg: b'sandbox.smtprepl.test\nPIPELINING'
//	data: (354, b'End data with <CR><LF>.<CR><LF>')
//	send: b'Subject: hi\r\n\r\nHello\r\n.\r\n'
//
// set_debuglevel(2) puts the time before each ("20:14:29.639106 send: ...").
// A command is sent as a str, a message as one bytes literal holding all
// its lines, dot-stuffed. "retcode" and "data:" lines sum up replies
// already given line by line, and "connect:" lines say where it connects:
// only that last one is kept, as an event.

// pyTraceback follows a Python traceback in an smtplib log: the program
// stopped on an exception (smtplib.SMTPAuthenticationError, say), which
// ends the story the log tells. Its last line, the exception, is kept as
// an error event; the lines of source code above it are dropped, and with
// them any password written in the program.
type pyTraceback struct{ in bool }

// The lines between the tracebacks of chained exceptions.
const (
	pyDuring = "During handling of the above exception, another exception occurred:"
	pyCause  = "The above exception was the direct cause of the following exception:"
)

// line reports whether line belongs to a traceback, with the event its
// exception line makes (nil for the other lines).
func (tb *pyTraceback) line(line string, n int) (bool, *Entry) {
	switch {
	case strings.HasPrefix(line, "Traceback (most recent call last):"):
		tb.in = true
		return true, nil
	case tb.in && (strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t")):
		return true, nil
	case tb.in:
		tb.in = false
		return true, &Entry{Kind: Event, Text: "error: Python: " + strings.TrimSpace(line), Line: n}
	}
	return line == pyDuring || line == pyCause, nil
}

// smtplibLine is one debug line, its time dropped: the word before the
// colon and the rest.
func smtplibLine(line string) (word, rest string, ok bool) {
	line = dropPythonTime(line)
	word, rest, ok = strings.Cut(line, ": ")
	switch word {
	case "send", "reply", "data", "connect":
		return word, rest, ok
	}
	return "", "", false
}

// dropPythonTime cuts debuglevel 2's "HH:MM:SS.ffffff " (datetime.time's
// str, which has no fraction when the microseconds are 0).
func dropPythonTime(line string) string {
	t, rest, ok := strings.Cut(line, " ")
	if !ok || len(t) < len("00:00:00") || t[2] != ':' || t[5] != ':' {
		return line
	}
	hms, frac, _ := strings.Cut(t, ".")
	if len(hms) != 8 || strings.Trim(hms[:2]+hms[3:5]+hms[6:], "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return line
	}
	return rest
}

// isSmtplib reports whether line says a file is an smtplib log: a send or
// reply line with a Python literal after it.
func isSmtplib(line string) bool {
	word, rest, ok := smtplibLine(line)
	return ok && (word == "send" || word == "reply") && pythonLiteralStart(rest)
}

func pythonLiteralStart(s string) bool {
	s = strings.TrimPrefix(s, "b")
	return strings.HasPrefix(s, "'") || strings.HasPrefix(s, `"`)
}

// parseSmtplibLine turns one line of an smtplib log into entries: none for
// the lines that only sum up, several for a message sent in one write.
func parseSmtplibLine(line string, n int) ([]Entry, error) {
	switch {
	case strings.TrimSpace(line) == "":
		return nil, nil
	case strings.HasPrefix(line, "#"):
		e, err := parseLine(line, n)
		return []Entry{e}, err
	}
	word, rest, ok := smtplibLine(line)
	if !ok {
		return nil, &SyntaxError{n, line, "not an smtplib debug line (send:, reply:, data: or connect:, from set_debuglevel(1) or (2))"}
	}
	switch {
	case word == "data", word == "reply" && strings.HasPrefix(rest, "retcode ("):
		return nil, nil
	case word == "connect":
		return smtplibConnect(rest, n), nil
	}
	text, err := unpython(rest)
	if err != nil {
		return nil, &SyntaxError{n, line, "bad Python literal after " + strconv.Quote(word+":") + ": " + err.Error()}
	}
	kind := Client
	if word == "reply" {
		kind = Server
	}
	var out []Entry
	for _, piece := range strings.SplitAfter(text, "\r\n") {
		if piece != "" {
			e := FromWire(kind, []byte(piece))
			e.Line = n
			out = append(out, e)
		}
	}
	return out, nil
}

// SmtplibTLSEvent follows a 220 to STARTTLS in an imported smtplib log:
// starttls() then did a TLS handshake, of a version the log does not
// say. Compare takes it as TLS of any version.
const SmtplibTLSEvent = "TLS started (smtplib's log does not say which version)"

// unloggedGreeting stands for the greeting of a log that starts with a
// command: smtplib.SMTP(host, port) connects before set_debuglevel can
// be called, as course texts write it. connect() raises unless the
// greeting was 220, so a 220 there was; its text is not known.
func unloggedGreeting(n int) []Entry {
	return []Entry{
		{Kind: Comment, Text: "the greeting came before set_debuglevel, so the log lacks it; smtplib goes on only after a 220", Line: n},
		{Kind: Server, Text: "220", Line: n},
	}
}

// smtplibConnect keeps "connect: ('127.0.0.1', 465)" as an event; the
// other connect lines repeat it or the greeting.
func smtplibConnect(rest string, n int) []Entry {
	inner, ok := strings.CutPrefix(rest, "(")
	inner, ok2 := strings.CutSuffix(inner, ")")
	host, port, ok3 := strings.Cut(inner, ", ")
	if !ok || !ok2 || !ok3 {
		return nil
	}
	h, err := unpython(host)
	if err != nil || strings.Trim(port, "0123456789") != "" {
		return nil
	}
	return []Entry{{Kind: Event, Text: "smtplib connects to " + h + ":" + port, Line: n}}
}

// unpython decodes a Python str or bytes literal as repr writes it:
// 'text', "text", b'bytes' or b"bytes", with \\, \', \", \n, \r, \t,
// \xNN and, in a str, \uNNNN and \UNNNNNNNN. A str is returned as UTF-8.
func unpython(lit string) (string, error) {
	isBytes := strings.HasPrefix(lit, "b")
	body := strings.TrimPrefix(lit, "b")
	if len(body) < 2 || (body[0] != '\'' && body[0] != '"') || body[len(body)-1] != body[0] {
		return "", errNotLiteral
	}
	quote, body := body[0], body[1:len(body)-1]
	var b strings.Builder
	for i := 0; i < len(body); {
		c := body[i]
		switch {
		case c == quote:
			return "", errNotLiteral
		case c != '\\':
			if isBytes && c >= utf8.RuneSelf {
				return "", errNotLiteral // repr escapes every byte above 0x7e
			}
			b.WriteByte(c)
			i++
			continue
		}
		n, err := unescapePython(&b, body[i:], isBytes)
		if err != nil {
			return "", err
		}
		i += n
	}
	return b.String(), nil
}

type literalError string

func (e literalError) Error() string { return string(e) }

const (
	errNotLiteral = literalError("want 'text' or b'bytes', quoted as Python's repr quotes them")
	errBadEscape  = literalError("unknown or cut escape")
)

// pythonSimple pairs, two bytes each, the letter of each one-character
// escape of Python's with the character it stands for: a backslash for a
// backslash, a newline for n, and so on.
const pythonSimple = "\\\\''\"\"n\nr\rt\ta\ab\bf\fv\v0\x00"

// pythonHex is the number of hex digits after \x, \u and \U; 0 for any
// other letter.
func pythonHex(c byte) int {
	switch c {
	case 'x':
		return 2
	case 'u':
		return 4
	case 'U':
		return 8
	}
	return 0
}

// unescapePython writes the character of the escape at the start of s and
// returns the escape's length.
func unescapePython(b *strings.Builder, s string, isBytes bool) (int, error) {
	if len(s) < 2 {
		return 0, errBadEscape
	}
	for i := 0; i < len(pythonSimple); i += 2 {
		if pythonSimple[i] == s[1] {
			b.WriteByte(pythonSimple[i+1])
			return 2, nil
		}
	}
	digits := pythonHex(s[1])
	if digits == 0 || isBytes && s[1] != 'x' || len(s) < 2+digits {
		return 0, errBadEscape
	}
	v, err := strconv.ParseUint(s[2:2+digits], 16, 32)
	switch {
	case err != nil:
		return 0, errBadEscape
	case isBytes:
		b.WriteByte(byte(v))
	case v > utf8.MaxRune:
		return 0, errBadEscape
	default:
		b.WriteRune(rune(v))
	}
	return 2 + digits, nil
}

// ParseSmtplib reads the debug output of Python's smtplib
// (set_debuglevel(1) or (2)) into a transcript, AUTH secrets redacted.
// [NewReader] and [Parse] tell such a log by its first send: or reply:
// line, so replay, mock and diff read one as they are given it.
func ParseSmtplib(data []byte) (*Transcript, error) {
	r := NewReader(strings.NewReader(string(data)))
	r.format = smtplib
	return collect(r)
}
