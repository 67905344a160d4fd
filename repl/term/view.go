package term

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/explain"
	"github.com/smtprepl/smtprepl/proto/visible"
	"github.com/smtprepl/smtprepl/repl"
	"github.com/smtprepl/smtprepl/repl/internal/wrap"
)

// termView is the interactive rendering: the wire in colour, and under
// every reply one dim line saying what it means and what to do next.
type termView struct {
	out   io.Writer
	th    Theme
	width func() int
	now   func() time.Time
	// raw (:wire on) shows exact bytes, Go-quoted, CRLF and all.
	raw bool
	// assist means AUTH answers are typed in plain text and encoded for the
	// user, which changes the advice under a 334.
	assist   bool
	hide     string // label for the next sent line, "" when none
	dataMode bool   // set by DataMode: message text is echoed by body(); the tap's copy is late
	// lastHidden: the last sent line was hidden, and so is its hex dump.
	lastHidden bool
	// Lines of the reply being read: shown, and left out past
	// showReplyLines.
	replyShown, replyHidden int
	// lmtp: the session speaks LMTP, whose hello is LHLO (RFC 2033 §4.1).
	lmtp bool
}

// Indents: the wire starts in column 0, smtprepl's own words are indented
// so the eye can skip them.
const (
	capColumn     = 20 // widest keyword column before a keyword line stands alone
	explainPrefix = "   ↳ "
	notePrefix    = "   · "
	warnPrefix    = "   ! "
	detailIndent  = "     "
)

// Bounds on what outside text may cost the terminal. A wire line is
// shown whole up to showLine bytes (RFC 5321 allows 512); a sentence of
// ours that quotes outside text is cut at showSentence; an EHLO reply's
// explanations stop after showCaps keywords.
const (
	showLine     = 2000
	showSentence = 2000
	showCaps     = 60
	// showReplyLines is how many lines of one reply are shown; a real
	// server's longest, EHLO or HELP, has a few dozen.
	showReplyLines = 1000
)

// shown is the last guard before our own words reach the terminal: the
// outside text they quote was escaped where it entered them, and anything
// that slipped through is escaped here, before colour is added.
func shown(text string) string { return visible.TextClip(text, showSentence) }

// quoteClip is the :wire view of a line: Go-quoted, CRLF and all, and
// bounded.
func quoteClip(p []byte) string {
	if len(p) <= showLine {
		return strconv.Quote(string(p))
	}
	return strconv.Quote(string(p[:showLine])) + fmt.Sprintf(" … (%d bytes in all)", len(p))
}

func newTermView(out io.Writer, th Theme, width func() int) *termView {
	if width == nil {
		width = func() int { return 100 }
	}
	return &termView{out: out, th: th, width: width, now: time.Now, assist: true}
}

func (v *termView) println(s string) { fmt.Fprintln(v.out, s) }

// Width is the terminal's, in columns.
func (v *termView) Width() int { return v.width() }

var (
	_ repl.Explainer = (*termView)(nil)
	_ repl.RawViewer = (*termView)(nil)
	_ repl.Sizer     = (*termView)(nil)
)

func (v *termView) Wire(l proto.TapLine) {
	switch l.Kind {
	case proto.Event:
		v.println(v.th.Event.Sprint("=== " + shown(string(l.Data))))
	case proto.Sent:
		v.sent(l.Data)
	case proto.Received:
		v.received(l.Data)
	}
}

func (v *termView) sent(data []byte) {
	v.endReply()
	v.lastHidden = v.hide != ""
	switch {
	case v.dataMode:
		return
	case v.hide != "":
		v.println(v.th.Sent.Sprint("C: ") + v.th.Explain.Sprint(shown(v.hide)))
		v.hide = ""
	case v.raw:
		v.println(v.th.Sent.Sprint("C= " + quoteClip(data)))
	default:
		// Our side of the wire: typed, or read from a lesson or a file.
		// Controls are escaped; a typed backslash stays one.
		v.println(v.th.Sent.Sprint("C: " + visible.TextClip(trimEOL(string(data)), showLine)))
	}
}

func (v *termView) received(data []byte) {
	if v.replyShown >= showReplyLines {
		v.replyHidden++
		return
	}
	v.replyShown++
	if v.raw {
		v.println("S= " + quoteClip(data))
		return
	}
	line := visible.Clip(trimEOL(string(data)), showLine)
	code, rest := splitCode(line)
	if code == 0 {
		v.println("S: " + line)
		return
	}
	v.println("S: " + v.th.code(code).Sprint(line[:3]) + rest)
}

func trimEOL(s string) string { return strings.TrimRight(s, "\r\n") }

// splitCode separates a reply line's code for colouring; the line is shown
// as received either way, so this is display only, not parsing.
func splitCode(line string) (int, string) {
	if len(line) < 3 {
		return 0, line
	}
	n, err := strconv.Atoi(line[:3])
	if err != nil {
		return 0, line
	}
	return n, line[3:]
}

func (v *termView) Reply(verb string, r *proto.Reply) {
	v.endReply()
	text := replyExplanation(verb, r, v.assist)
	if h := lmtpHint(verb, r); v.lmtp && h != "" {
		class, _ := codeMeaning(r.Code)
		text = class + " · " + h
	}
	v.explain(text)
}

// lmtpHint is the next step where LMTP's differs from SMTP's: LHLO, not
// EHLO or HELO, opens the session (RFC 2033 §4.1); "" elsewhere.
func lmtpHint(verb string, r *proto.Reply) string {
	switch {
	case verb == "" && r.Code == 220:
		return "this is an LMTP server: say LHLO with your host name (e.g. LHLO client.example.org) to see what it offers"
	case (verb == "EHLO" || verb == "HELO") && r.Class() == 5:
		return "an LMTP server knows LHLO, not EHLO or HELO (RFC 2033 §4.1): say LHLO with your host name"
	}
	return ""
}

// endReply says how much of a long reply was left out, once the reply
// ended or the next command went out.
func (v *termView) endReply() {
	if v.replyHidden > 0 {
		v.Note(fmt.Sprintf("… and %d more lines of this reply, not shown", v.replyHidden))
	}
	v.replyShown, v.replyHidden = 0, 0
}

// explain prints one dim explanation, wrapped under its arrow.
func (v *termView) explain(text string) {
	v.println(v.th.Explain.Sprint(wrap.Text(shown(text), v.width(), explainPrefix, detailIndent)))
}

// replyExplanation is the one line under a reply: what the code means
// (its class when a hint says the rest), the enhanced code's name, and
// what to do next. :explain has the long form.
func replyExplanation(verb string, r *proto.Reply, assist bool) string {
	if r.Code == 334 && verb == "AUTH" {
		return "go on: the server waits for the next AUTH step · " + challengeAdvice(r.Text(), assist)
	}
	e := r.Enhanced
	hint := explain.Hint(verb, r.Code, e[0], e[1], e[2], r.Text())
	if h := tlsFirstHint(verb, r); h != "" {
		hint = h
	}
	class, meaning := codeMeaning(r.Code)
	parts := []string{meaning}
	if hint != "" {
		parts = []string{class}
	}
	// X.Y.0 is "other or undefined" in every subject: noise on one line.
	if en, ok := explain.LookupEnhanced(e[0], e[1], e[2]); ok && !e.IsZero() && e[2] != 0 {
		parts = append(parts, en.Code+" "+en.Name)
	}
	if hint != "" {
		parts = append(parts, hint)
	}
	return strings.Join(parts, " · ")
}

// tlsFirstHint is the next step after an EHLO that offers STARTTLS and no
// AUTH: a submission port shows AUTH, and takes MAIL, only once TLS is on
// (RFC 8314 §3.3); an MX that takes mail in clear would accept MAIL FROM
// too, but STARTTLS is right for both.
func tlsFirstHint(verb string, r *proto.Reply) string {
	if verb != "EHLO" || r.Code != 250 {
		return ""
	}
	caps := proto.ParseEHLO(r)
	if !caps.Has("STARTTLS") || len(caps.AuthMechanisms()) > 0 {
		return ""
	}
	return "STARTTLS on offer and no AUTH: a submission port wants TLS before AUTH and MAIL (RFC 8314 §3.3); next: STARTTLS, then EHLO again"
}

// codeMeaning splits DescribeCode's "550 permanent failure: the mailbox
// doesn't exist" into the class word and the whole meaning, without the
// code itself, which is on the line just above.
func codeMeaning(code int) (class, meaning string) {
	d := explain.DescribeCode(code)
	meaning = strings.TrimPrefix(d, strconv.Itoa(code)+" ")
	class, _, _ = strings.Cut(meaning, ":")
	return class, meaning
}

func challengeAdvice(text string, assist bool) string {
	decoded, err := proto.UnB64(text)
	var what string
	switch {
	case strings.TrimSpace(text) == "":
		what = "an empty challenge: the server waits for the whole response"
	case err != nil:
		what = fmt.Sprintf("challenge \"%s\" is not base64", visible.Clip(text, 200))
	default:
		what = fmt.Sprintf("challenge decodes to \"%s\"", visible.Clip(decoded, 200))
	}
	if assist {
		return what
	}
	return what + "; answer in base64 (:b64 TEXT encodes), or * to cancel"
}

func (v *termView) Capabilities(now, before *proto.Capabilities, afterTLS bool) {
	if len(now.List) == 0 {
		v.explain("no extensions: this server speaks plain RFC 5321 only")
		return
	}
	heads, meanings := capabilityRows(now)
	more := len(heads) - showCaps
	if more > 0 {
		heads, meanings = heads[:showCaps], meanings[:showCaps]
	}
	col := 0
	for _, h := range heads {
		col = max(col, min(len(h), capColumn))
	}
	pad := detailIndent + strings.Repeat(" ", col+1)
	for i, h := range heads {
		lead := detailIndent + fmt.Sprintf("%-*s ", col, h)
		if len(h) > col {
			// "AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2" gets a line of its own.
			v.println(v.th.Explain.Sprint(detailIndent + h))
			lead = pad
		}
		v.println(v.th.Explain.Sprint(wrap.Text(meanings[i], v.width(), lead, pad)))
	}
	if more > 0 {
		v.explain(fmt.Sprintf("… and %d more extension lines, not explained here", more))
	}
	if afterTLS && before != nil {
		v.capabilityDiff(now, before)
	}
}

// capabilityRows splits DescribeExtension's "SIZE 10240000: meaning (RFC)"
// into an aligned keyword column and its meaning.
// Keyword and parameters are the server's: the description Go-quotes
// what it does not understand, and shown escapes the rest, so neither is
// escaped twice.
func capabilityRows(c *proto.Capabilities) (heads, meanings []string) {
	for _, cap := range c.List {
		d := explain.DescribeExtension(cap.Keyword, strings.Join(cap.Params, " "))
		head, meaning, ok := strings.Cut(d, ": ")
		if !ok {
			head, meaning = cap.Keyword, d
		}
		heads, meanings = append(heads, shown(head)), append(meanings, shown(meaning))
	}
	return heads, meanings
}

func (v *termView) capabilityDiff(now, before *proto.Capabilities) {
	gained, lost := now.Diff(before)
	var parts []string
	for _, kw := range gained {
		parts = append(parts, visible.Clip(kw, 100)+" appeared"+diffWhy["+"+kw])
	}
	for _, kw := range lost {
		parts = append(parts, visible.Clip(kw, 100)+" disappeared"+diffWhy["-"+kw])
	}
	if a, b := strings.Join(now.AuthMechanisms(), " "), strings.Join(before.AuthMechanisms(), " "); a != b && now.Has("AUTH") && before.Has("AUTH") {
		parts = append(parts, fmt.Sprintf("AUTH mechanisms were \"%s\", now \"%s\"", visible.Clip(b, 200), visible.Clip(a, 200)))
	}
	if len(parts) == 0 {
		parts = append(parts, "the same extensions as before")
	}
	v.explain("compared with the EHLO before STARTTLS: " + strings.Join(parts, "; "))
}

// diffWhy explains the usual changes after STARTTLS, since that is the
// lesson; keys are "+KEYWORD" (appeared) and "-KEYWORD" (disappeared).
var diffWhy = map[string]string{
	"+AUTH":     " (the server offers logins only once passwords cannot be read on the way)",
	"-STARTTLS": " (TLS is already on)",
}

func (v *termView) Note(text string) {
	v.println(v.th.Explain.Sprint(wrap.Text(shown(text), v.width(), notePrefix, detailIndent)))
}

// WireHex is dim, under its line. Message text is not dumped here (a
// message can be megabytes; script mode dumps what it shows), nor a
// hidden line, nor reply lines past the ones shown.
func (v *termView) WireHex(kind proto.LineKind, dump []string) {
	switch {
	case kind == proto.Sent && (v.lastHidden || v.dataMode):
		return
	case kind == proto.Received && v.replyHidden > 0:
		return
	}
	for _, line := range dump {
		v.println(v.th.Explain.Sprint(detailIndent + repl.HexLabel(kind) + line))
	}
}

// Timing is dim, under the reply it times.
func (v *termView) Timing(text string) { v.println(v.th.Explain.Sprint(detailIndent + shown(text))) }

func (v *termView) Warn(text string) {
	v.println(v.th.Warn.Sprint(wrap.Text(shown(text), v.width(), warnPrefix, detailIndent)))
}

// output keeps the lines of what a colon-command prints and guards each.
func (v *termView) Output(text string) {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = visible.TextClip(l, showLine)
	}
	v.println(strings.Join(lines, "\n"))
}

func (v *termView) HideNext(label string) { v.hide = label }

func (v *termView) Body(wireLine string) {
	if v.raw {
		v.println(v.th.Sent.Sprint("C= " + quoteClip([]byte(wireLine+"\r\n"))))
		return
	}
	v.println(v.th.Sent.Sprint("C: " + visible.TextClip(wireLine, showLine)))
}

func (v *termView) DataMode(on bool) { v.dataMode = on }

// SetRaw is :wire on|off.
func (v *termView) SetRaw(on bool) { v.raw = on }

// fail prints an error the user must read.
func (v *termView) fail(text string) {
	v.println(v.th.Err.Sprint("error: ") + wrap.Text(shown(text), v.width(), "", "       "))
}
