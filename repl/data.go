package repl

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/smtprepl/smtprepl/proto/visible"
)

// maxLineOctets is RFC 5322 §2.1.1's hard limit, CRLF excluded (RFC 5321
// §4.5.3.1.6 allows 1000 with it).
const maxLineOctets = 998

// echoLines is how many lines of a :send file are echoed; the rest is
// summarised, because a screenful of base64 teaches nothing.
const echoLines = 20

// msgState follows the message text being sent, for the warnings.
type msgState struct {
	line     int  // lines so far
	inHeader bool // no empty line yet
	warned8  bool // the 8-bit warning is given once per message
	hasFrom  bool // a From: field was typed
	hasDate  bool // a Date: field was typed
}

// missingFields names the fields RFC 5322 §3.6 requires that the header
// lacked: "no From: and no Date: field", or "".
func (m *msgState) missingFields() string {
	var miss []string
	if !m.hasFrom {
		miss = append(miss, "no From:")
	}
	if !m.hasDate {
		miss = append(miss, "no Date:")
	}
	if len(miss) == 0 {
		return ""
	}
	return strings.Join(miss, " and ") + " field"
}

// lineWarnings says what is probably wrong with the next line of message
// text, before it is sent. eightBit says whether the server offered
// 8BITMIME, declared whether MAIL FROM carried BODY=8BITMIME.
func (m *msgState) lineWarnings(line string, eightBit, declared bool) []string {
	m.line++
	var out []string
	if n := len(line); n > maxLineOctets {
		out = append(out, fmt.Sprintf("line %d is %d octets: RFC 5322 §2.1.1 allows at most 998 before CRLF, and servers may refuse or break it; wrap it or use quoted-printable/base64", m.line, n))
	}
	if !m.warned8 && has8bit(line) {
		m.warned8 = true
		out = append(out, eightBitWarning(m.line, eightBit, declared))
	}
	if verb := commandLike(line); verb != "" {
		m.inHeader = false
		return append(out, fmt.Sprintf("%q is message text here, not a command: inside DATA the server recognises no command until a line with a lone \".\" ends the message (RFC 5321 §4.1.1.4); end it, then type %s", verb, verb))
	}
	if m.inHeader {
		out = append(out, m.headerWarnings(line)...)
	}
	return dropEmpty(out)
}

// commandLike names the SMTP verb a line of message text looks like, as
// a person who forgot they were in DATA would type it, or "". Ordinary
// sentences ("Data is here.", "Mail from: Bob") are not commands.
func commandLike(line string) string {
	up := strings.ToUpper(strings.TrimSpace(line))
	switch {
	case up == "RSET" || up == "QUIT" || up == "DATA" || up == "NOOP" || up == "STARTTLS":
		return up
	case strings.HasPrefix(up, "MAIL FROM:<"), strings.HasPrefix(up, "RCPT TO:<"):
		return up[:4]
	case (strings.HasPrefix(up, "EHLO ") || strings.HasPrefix(up, "HELO ")) && len(strings.Fields(up)) == 2:
		return up[:4]
	}
	return ""
}

func eightBitWarning(n int, offered, declared bool) string {
	switch {
	case !offered:
		return fmt.Sprintf("line %d has 8-bit bytes but the server did not offer 8BITMIME: on a 7-bit path they may be mangled; encode the text (Content-Transfer-Encoding: quoted-printable or base64)", n)
	case !declared:
		return fmt.Sprintf("line %d has 8-bit bytes: the server offers 8BITMIME, but MAIL FROM did not declare BODY=8BITMIME (RFC 6152 §3)", n)
	}
	return ""
}

// headerWarnings notices body text typed before the empty line that ends
// the header: the reader would take it for a broken header field.
func (m *msgState) headerWarnings(line string) []string {
	switch {
	case line == "":
		m.inHeader = false
	case m.line > 1 && (line[0] == ' ' || line[0] == '\t'):
		// a folded continuation of the field above (RFC 5322 §2.2.3)
	case isHeaderField(line):
		name, _, _ := strings.Cut(line, ":")
		m.hasFrom = m.hasFrom || strings.EqualFold(name, "From")
		m.hasDate = m.hasDate || strings.EqualFold(name, "Date")
	default:
		m.inHeader = false
		return []string{fmt.Sprintf("line %d is not a header field (Name: value), and no empty line came before it: the header ends only at an empty line (RFC 5322 §2.1), so this would be read as a broken header, not as the body; type an empty line first", m.line)}
	}
	return nil
}

// isHeaderField checks for field-name ":" with a name of printable ASCII
// other than ':' (RFC 5322 §2.2).
func isHeaderField(line string) bool {
	name, _, ok := strings.Cut(line, ":")
	if !ok || name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if name[i] < 33 || name[i] > 126 {
			return false
		}
	}
	return true
}

func has8bit[T string | []byte](s T) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return true
		}
	}
	return false
}

func dropEmpty(in []string) []string {
	out := in[:0]
	for _, s := range in {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// quietLine is the common case of a body line that needs no warning,
// checked without converting it to a string.
func (m *msgState) quietLine(line []byte) bool {
	if m.inHeader || len(line) > maxLineOctets || (!m.warned8 && has8bit(line)) {
		return false
	}
	m.line++
	return true
}

// sendBodyBytes is sendText for script mode's bulk path: no echo (the
// tap shows the wire) and no copy of the line.
func (s *Session) sendBodyBytes(line []byte) error {
	if !s.msg.quietLine(line) {
		for _, w := range s.msg.lineWarnings(string(line), s.model.Capabilities().EightBitMIME(), s.model.State().Body8Bit) {
			s.view.warn(w)
		}
	}
	if _, err := s.body.Write(line); err != nil {
		return fmt.Errorf("sending message text: %w", err)
	}
	if _, err := s.body.Write(newline); err != nil {
		return fmt.Errorf("sending message text: %w", err)
	}
	return nil
}

var newline = []byte{'\n'}

// sendText warns about, shows and writes one line of message text.
func (s *Session) sendText(line string, echo bool) (stuffed bool, err error) {
	for _, w := range s.msg.lineWarnings(line, s.model.Capabilities().EightBitMIME(), s.model.State().Body8Bit) {
		s.view.warn(w)
	}
	stuffed = strings.HasPrefix(line, ".")
	if echo {
		s.echoText(line, stuffed)
	}
	if _, err := s.body.Write([]byte(line + "\n")); err != nil {
		return stuffed, fmt.Errorf("sending message text: %w", err)
	}
	return stuffed, nil
}

func (s *Session) echoText(line string, stuffed bool) {
	if !stuffed {
		s.view.body(line)
		return
	}
	s.view.body("." + line)
	s.view.note("dot-stuffed: the leading '.' was doubled so the line cannot end the message early; the server removes it (RFC 5321 §4.5.2)")
}

// runSend is :send FILE: the file becomes the message, streamed line by
// line, inside DATA or after sending DATA itself.
func runSend(ctx context.Context, s *Session, args string) error {
	if args == "" {
		return errors.New("usage: :send FILE")
	}
	f, err := os.Open(args)
	if err != nil {
		return fmt.Errorf(":send: %w", err)
	}
	defer f.Close()
	if err := s.enterData(ctx); err != nil || !s.inData() {
		if err == nil && s.ask == nil {
			s.failed = true // the file the script names was not sent
			s.view.output(fmt.Sprintf("%s not sent: DATA was answered %s, not 354", visible.Clip(args, 200), refusal(s.lastReply)))
		}
		return err // a refused DATA: its reply says why
	}
	if err := s.stopInside(ctx); err != nil {
		return err // --drop-after data: the file is not sent
	}
	return s.streamMessage(ctx, f, args)
}

func (s *Session) enterData(ctx context.Context) error {
	if s.inData() {
		return nil
	}
	if err := s.requireConn(); err != nil {
		return err
	}
	// In the shell, say what is missing; a script is a dialogue, and the
	// server's refusal of DATA is the answer it shows (the MAIL or RCPT
	// before may have been refused by the server, not forgotten).
	if s.ask != nil && (!s.model.State().InTransaction || s.model.State().Recipients == 0) {
		return errors.New(":send needs a transaction with a recipient: MAIL FROM:<...> and RCPT TO:<...> first")
	}
	return s.command(ctx, "DATA")
}

// streamMessage sends r as message text and ends the message; Ctrl-C
// stops between lines and leaves the message open.
func (s *Session) streamMessage(ctx context.Context, r io.Reader, name string) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var lines, stuffed int
	for {
		if ctx.Err() != nil {
			return fmt.Errorf("sending %s stopped after %d line(s): the message is still open; type more, a lone \".\" to send it, or RSET after it to drop it", name, lines)
		}
		raw, err := br.ReadString('\n')
		if raw != "" {
			st, werr := s.sendText(strings.TrimRight(raw, "\r\n"), lines < echoLines)
			if werr != nil {
				return werr
			}
			lines++
			if st {
				stuffed++
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf(":send: reading %s: %w", name, err)
		}
	}
	s.sendSummary(name, lines, stuffed)
	return s.endData(ctx)
}

func (s *Session) sendSummary(name string, lines, stuffed int) {
	msg := fmt.Sprintf("sent %s: %d line(s)", name, lines)
	if lines > echoLines {
		msg += fmt.Sprintf(", the first %d shown", echoLines)
	}
	if stuffed > 0 {
		msg += fmt.Sprintf("; %d began with '.' and went out with the dot doubled (RFC 5321 §4.5.2)", stuffed)
	}
	s.view.note(msg + "; now the lone \".\" that ends it")
}
