package transcripts

import (
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/smtprepl/smtprepl/proto/visible"
)

// The command of a reply that no command asked for, as it appears in a
// [Difference] and in [Volatile.Verb].
const (
	Greeting    = "(greeting)"    // the server's first reply
	Unsolicited = "(unsolicited)" // any later reply with no command waiting
)

// Rules say what [Compare] looks at. The zero value compares each reply's
// code, enhanced code and number of lines.
type Rules struct {
	// Exact compares the text of every reply line too, after masking the
	// Volatile parts.
	Exact bool
	// Volatile lists the parts of reply text that differ from session to
	// session; [DefaultVolatile] gives the usual ones.
	Volatile []Volatile
	// Ignore names aspects not to compare at all (see [Aspects]).
	Ignore []string
}

// Aspects are what a comparison can be told to leave out with
// Rules.Ignore, and what each means.
func Aspects() [][2]string {
	return [][2]string{
		{"enhanced", "enhanced status codes (RFC 3463), which some servers (Exim) never send"},
		{"text", "reply text, even with Exact"},
		{"lines", "the number of lines of a reply"},
		{"ehlo", "EHLO and LHLO capabilities"},
		{"ehlo-order", "the order of EHLO capabilities (they are compared as a set)"},
		{"tls", "the negotiated TLS version and cipher"},
	}
}

// IgnoreAspect adds name to r.Ignore; an unknown name is an error that
// lists the known ones.
func (r *Rules) IgnoreAspect(name string) error {
	var names []string
	for _, a := range Aspects() {
		if a[0] == name {
			r.Ignore = append(r.Ignore, name)
			return nil
		}
		names = append(names, a[0])
	}
	return fmt.Errorf("transcripts: nothing to ignore called %q (known: %s, or NAME=REGEXP to mask a part of the text)", name, strings.Join(names, ", "))
}

func (r Rules) ignores(aspect string) bool { return slices.Contains(r.Ignore, aspect) }

// Volatile is a part of reply text that Compare ignores under Rules.Exact:
// each match of Pattern (its first group, when it has one) is replaced by
// "<Name>" in both transcripts before they are compared.
type Volatile struct {
	Name string
	// Verb limits the rule to replies to one command ("EHLO"), or to
	// Greeting; "" applies it to every reply.
	Verb string
	// FirstLine limits the rule to the first line of a reply.
	FirstLine bool
	Pattern   *regexp.Regexp
}

// DefaultRules compares codes, enhanced codes and line counts, with the
// default volatile parts in place for callers that set Exact.
func DefaultRules() Rules { return Rules{Volatile: DefaultVolatile()} }

// DefaultVolatile returns the parts of replies that real servers make
// unique per session. Callers may drop, add or replace entries.
func DefaultVolatile() []Volatile {
	const month = `(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)`
	return []Volatile{
		{Name: "queue-id", Pattern: regexp.MustCompile(`(?i)\bqueued as ([0-9A-Za-z]+)`)},
		{Name: "id", Pattern: regexp.MustCompile(`\bid=([^\s,;]+)`)},
		{Name: "date", Pattern: regexp.MustCompile(`(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?\d{1,2} ` +
			month + ` \d{4} \d{2}:\d{2}(?::\d{2})?(?: [+-]\d{4}| [A-Z]{1,5})?(?: \([A-Z]{1,5}\))?`)},
		{Name: "hex", Pattern: regexp.MustCompile(`\b[0-9a-f]{12,}\b|\b[0-9A-F]{12,}\b`)},
		{Name: "session", Pattern: regexp.MustCompile(`\b([0-9a-z]+(?:-[0-9a-z]+)*\.\d+) - gsmtp\b`)},
		{Name: "greeting", Verb: Greeting, FirstLine: true, Pattern: regexp.MustCompile(`^\d{3}[ -]\S+(.*)$`)},
		{Name: "ehlo-greeting", Verb: "EHLO", FirstLine: true, Pattern: regexp.MustCompile(`^250[ -]\S+(.*)$`)},
		{Name: "helo-greeting", Verb: "HELO", FirstLine: true, Pattern: regexp.MustCompile(`^250[ -]\S+(.*)$`)},
	}
}

// Difference is one step where two transcripts differ: a command and the
// reply that answered it.
type Difference struct {
	// Step is the 1-based row of the alignment; WantStep and GotStep are
	// the step's place in each transcript (0: absent from it).
	Step              int
	WantStep, GotStep int
	Command           string   // the client line, Greeting or Unsolicited
	Want, Got         []string // the reply lines; nil when there was none
	Why               string   // what differs, e.g. "reply code: want 250, got 550"
	Reasons           []Reason // Why, one per aspect
	// Consequence is the Step of an earlier difference this one follows
	// from (a MAIL refused, so RCPT gets 503), set by [Summarise]; 0 when
	// it is a divergence of its own.
	Consequence int
	// Repeats is the Step of an earlier difference that says the same
	// (the EHLO after STARTTLS differing as the first one did), set by
	// [Summarise]; 0 when it says something new.
	Repeats int
}

// Reason is one thing that differs in a step, and which aspect it is:
// "command", "missing", "extra", "code", "enhanced", "lines", "text",
// "ehlo", "tls".
type Reason struct {
	Aspect, Text string
}

// Compare pairs each client command with the reply that answered it, in
// both transcripts, and returns the steps whose replies differ under rules.
// Replies answer commands in the order they were sent, so pipelined
// batches pair up too. Events and comments are not compared.
func Compare(want, got *Transcript, rules Rules) []Difference {
	var diffs []Difference
	CompareStream(want.Stream(), got.Stream(), rules, func(d Difference) error {
		diffs = append(diffs, d)
		return nil
	})
	return diffs
}

// CompareStats counts what [CompareStream] looked at.
type CompareStats struct {
	Steps       int // rows of the alignment
	Differences int // rows that differ
	// WantEnhanced and GotEnhanced count the replies that carry an
	// enhanced status code on each side, so that a server that never
	// sends them is said once rather than at every step.
	WantEnhanced, GotEnhanced int
}

// alignWindow is how far ahead the aligner looks for a command the other
// side has: a few inserted or dropped commands are found, a file of
// millions of steps is still compared in bounded memory.
const alignWindow = 64

// CompareStream is [Compare] for two streams: it reads both a step at a
// time and hands each difference to each as it is found, so that two
// files of millions of lines compare in the memory of their longest
// exchange. An error from a stream or from each ends it.
func CompareStream(want, got EntrySource, rules Rules, each func(Difference) error) (CompareStats, error) {
	a := &aligner{w: &stepReader{src: want, bound: true}, g: &stepReader{src: got, bound: true}}
	var st CompareStats
	for {
		w, g, err := a.next()
		if err != nil {
			return st, err
		}
		if w == nil && g == nil {
			return st, nil
		}
		st.Steps++
		if w != nil && w.hasEnhanced() {
			st.WantEnhanced++
		}
		if g != nil && g.hasEnhanced() {
			st.GotEnhanced++
		}
		why := differ(w, g, rules)
		if len(why) == 0 {
			continue
		}
		st.Differences++
		d := difference(st.Steps, w, g, why)
		d.WantStep, d.GotStep = a.wn, a.gn
		if w == nil {
			d.WantStep = 0
		}
		if g == nil {
			d.GotStep = 0
		}
		if err := each(d); err != nil {
			return st, err
		}
	}
}

// aligner pairs the steps of two transcripts the way a good diff pairs
// lines: by command, across a command one side has and the other lacks,
// so one extra NOOP does not make every later step differ.
type aligner struct {
	w, g       *stepReader
	wbuf, gbuf []*step
	wEOF, gEOF bool
	wn, gn     int // steps taken from each so far
}

// alignLines bounds the reply lines the window holds on each side, so
// that a file of long replies is still compared in the memory of about
// one of them: the window narrows rather than grows.
const alignLines = maxKeptLines

func (a *aligner) fill() error {
	for !a.wEOF && len(a.wbuf) < alignWindow && (len(a.wbuf) == 0 || keptLines(a.wbuf) < alignLines) {
		s, err := a.w.next()
		if err != nil {
			return err
		}
		if s == nil {
			a.wEOF = true
			break
		}
		a.wbuf = append(a.wbuf, s)
	}
	for !a.gEOF && len(a.gbuf) < alignWindow && (len(a.gbuf) == 0 || keptLines(a.gbuf) < alignLines) {
		s, err := a.g.next()
		if err != nil {
			return err
		}
		if s == nil {
			a.gEOF = true
			break
		}
		a.gbuf = append(a.gbuf, s)
	}
	return nil
}

func keptLines(buf []*step) int {
	n := 0
	for _, s := range buf {
		n += len(s.reply)
	}
	return n
}

// next returns the next pair; one of them is nil when the other side has
// no such step.
func (a *aligner) next() (w, g *step, err error) {
	if err := a.fill(); err != nil {
		return nil, nil, err
	}
	switch {
	case len(a.wbuf) == 0 && len(a.gbuf) == 0:
		return nil, nil, nil
	case len(a.gbuf) == 0:
		return a.takeW(), nil, nil
	case len(a.wbuf) == 0:
		return nil, a.takeG(), nil
	case sameStep(a.wbuf[0], a.gbuf[0]):
		return a.takeW(), a.takeG(), nil
	}
	// The heads differ: the nearer re-synchronisation wins. got's head
	// found further on in want means want's steps before it are missing
	// from got, and the other way round.
	inWant := index(a.wbuf, a.gbuf[0])
	inGot := index(a.gbuf, a.wbuf[0])
	switch {
	case inGot > 0 && (inWant < 0 || inGot <= inWant):
		return nil, a.takeG(), nil
	case inWant > 0:
		return a.takeW(), nil, nil
	}
	return a.takeW(), a.takeG(), nil // a changed command in place
}

func (a *aligner) takeW() *step {
	s := a.wbuf[0]
	a.wbuf = a.wbuf[1:]
	a.wn++
	return s
}

func (a *aligner) takeG() *step {
	s := a.gbuf[0]
	a.gbuf = a.gbuf[1:]
	a.gn++
	return s
}

// index finds s further on in buf. A step that is only a redacted secret
// is no anchor: it matches any line, so it cannot say where the two
// sides meet again.
func index(buf []*step, s *step) int {
	if wholeSecret(s) {
		return -1
	}
	for i, b := range buf {
		if !wholeSecret(b) && sameStep(b, s) {
			return i
		}
	}
	return -1
}

func wholeSecret(s *step) bool {
	return s.hasCmd && s.cmd.Redacted != "" && strings.TrimSuffix(s.cmd.Text, redactedText("", s.cmd.Redacted)) == ""
}

// sameStep reports whether two steps are the same command (or both the
// greeting, or both unsolicited), whatever their replies.
func sameStep(a, b *step) bool {
	if a.hasCmd != b.hasCmd {
		return false
	}
	if a.hasCmd {
		return sameCommand(a.cmd, b.cmd)
	}
	return a.rawLabel() == b.rawLabel()
}

// hasEnhanced reports whether the step's reply carries an enhanced code.
func (s *step) hasEnhanced() bool {
	return len(s.reply) > 0 && parseReplyLine(lineText(s.reply[0])).enh != ""
}

// difference is what a report shows of a step that differs: every text
// visibly escaped and bounded (see shown).
func difference(n int, w, g *step, why []Reason) Difference {
	texts := make([]string, len(why))
	for i, r := range why {
		texts[i] = r.Text
	}
	d := Difference{Step: n, Want: w.lines(), Got: g.lines(), Why: strings.Join(texts, "; "), Reasons: why}
	d.Command = w.label()
	if w == nil {
		d.Command = g.label()
	}
	return d
}

// step is a command and the reply that answered it.
type step struct {
	cmd    Entry
	hasCmd bool
	first  bool // the transcript's first step
	reply  []Entry
	// more counts the lines of a long reply past the ones kept in reply,
	// when the stepReader bounds them; sum is their digest, to compare.
	more int
	sum  [sha256.Size]byte
	last Entry // the reply's last line, when more > 0
	// body is the message text before the lone "." that cmd is, when the
	// stepReader keeps bodies; anyBody says it holds an elision or was
	// too long to keep, so that no body can be held against it.
	body    []Entry
	anyBody bool
	// tls is the TLS session the step went over ("" in plaintext), and
	// tlsNew marks the first step after it was established.
	tls    string
	tlsNew bool
	cert   string // the certificate event after the handshake, if recorded
}

// replyLines is the number of lines of the reply, kept or not.
func (s *step) replyLines() int { return len(s.reply) + s.more }

// steps pairs commands with replies first in, first out.
func steps(t *Transcript) []step {
	var out []step
	r := &stepReader{src: t.Stream()}
	for {
		s, _ := r.next() // a transcript's stream has no errors
		if s == nil {
			return out
		}
		out = append(out, *s)
	}
}

// A file may hold millions of commands with no reply, or a reply of
// millions of lines. These bound what a stepReader holds for them.
const (
	// maxWaiting is the most commands that wait for their replies; past
	// it the oldest is a step with no reply. Real pipelining (RFC 2920)
	// never has that many outstanding.
	maxWaiting = 10000
	// maxKeptLines is the most lines of a reply a comparison keeps; the
	// rest are counted and digested, compared without masking.
	maxKeptLines = 10000
)

// stepReader cuts a stream of entries into steps: each reply with the
// oldest command not yet answered, then, at the end, the commands never
// answered. It takes commands and replies from the splitter as soon as
// they are whole, so that no exchange grows with the file.
type stepReader struct {
	src   EntrySource
	sp    splitter
	bound bool    // keep at most maxKeptLines of a reply
	queue []Entry // commands not answered yet, oldest first
	// keepBody makes each "." step carry the message text before it
	// (mock compares it); bodies runs beside queue, body gathers the text
	// until its "." comes.
	keepBody bool
	bodies   []keptBody
	body     keptBody
	ready    []step
	count    int // steps made
	done     bool
	more     int       // lines of the open reply past maxKeptLines
	sum      hash.Hash // their digest
	last     Entry     // the last of them
	tls      string    // the last "TLS established" event's session
	cert     string    // the last "certificate:" event's text
	fresh    bool      // no step has been made since it
}

// next returns the next step, or nil after the last.
func (r *stepReader) next() (*step, error) {
	for len(r.ready) == 0 {
		if r.done {
			return nil, nil
		}
		done, err := r.sp.pull(r.src)
		switch {
		case err != nil:
			return nil, err
		case done:
			r.done = true
			r.drain(false)
			r.unanswered()
		default:
			r.drain(r.sp.open)
		}
	}
	s := r.ready[0]
	r.ready[0] = step{}
	r.ready = r.ready[1:]
	return &s, nil
}

// drain takes what the splitter holds: finished exchanges, then the
// current one's commands and replies, but for a reply still open.
func (r *stepReader) drain(open bool) {
	for i := range r.sp.out {
		r.events(r.sp.out[i].Events)
		r.keep(r.sp.out[i].Body)
		r.take(r.sp.out[i].Commands, r.sp.out[i].Replies)
	}
	clear(r.sp.out)
	r.sp.out = r.sp.out[:0]
	cur := &r.sp.cur
	n := len(cur.Replies)
	if open && n > 0 {
		n--
		r.bound1(&cur.Replies[n])
	}
	r.events(cur.Events)
	r.keep(cur.Body)
	r.take(cur.Commands, cur.Replies[:n])
	cur.Events, cur.Body, cur.Commands = nil, nil, nil
	cur.Replies = append(cur.Replies[:0], cur.Replies[n:]...)
}

// events notes a TLS session starting (the tap's "TLS established: TLS
// 1.3 TLS_AES_128_GCM_SHA256"), so the next step can compare it.
func (r *stepReader) events(es []Entry) {
	for _, e := range es {
		if e.Exact {
			continue
		}
		if rest, ok := strings.CutPrefix(e.Text, "TLS established: "); ok {
			r.tls, r.cert, r.fresh = rest, "", true
		}
		if rest, ok := strings.CutPrefix(e.Text, "certificate: "); ok {
			r.cert = rest
		}
		if e.Text == SmtplibTLSEvent {
			r.tls, r.fresh = "TLS", true // a version nobody wrote down
		}
		// swaks: "TLS started with cipher TLSv1.3:TLS_AES_256_GCM_SHA384:256"
		if rest, ok := strings.CutPrefix(e.Text, "TLS started with cipher "); ok {
			v, c, _ := strings.Cut(rest, ":")
			c, _, _ = strings.Cut(c, ":")
			r.tls, r.fresh = v+" "+c, true
		}
	}
}

// bound1 keeps an open reply within maxKeptLines when the reader bounds.
func (r *stepReader) bound1(reply *[]Entry) {
	if !r.bound || len(*reply) <= maxKeptLines {
		return
	}
	if r.sum == nil {
		r.sum = sha256.New()
	}
	for _, e := range (*reply)[maxKeptLines:] {
		r.more++
		io.WriteString(r.sum, display(e))
		r.sum.Write([]byte{0})
		r.last = e
	}
	clear((*reply)[maxKeptLines:])
	*reply = (*reply)[:maxKeptLines]
}

// keptBody is the message text a "." step carries.
type keptBody struct {
	lines []Entry
	bytes int
	any   bool
}

// maxBodyLines and maxBodyBytes bound the message a step keeps to
// compare; a longer recorded body accepts any.
const (
	maxBodyLines = 10000
	maxBodyBytes = 16 << 20
)

// keep gathers message text for the "." that will end it.
func (r *stepReader) keep(body []Entry) {
	if !r.keepBody {
		return
	}
	for _, e := range body {
		switch {
		case e.Kind == Elision || len(r.body.lines) >= maxBodyLines || r.body.bytes+len(e.Text) > maxBodyBytes:
			r.body = keptBody{any: true}
		case !r.body.any:
			r.body.lines = append(r.body.lines, e)
			r.body.bytes += len(e.Text)
		}
	}
}

// pop takes the oldest command waiting, with its body.
func (r *stepReader) pop(s *step) {
	s.cmd, s.hasCmd = r.queue[0], true
	r.queue[0] = Entry{}
	r.queue = r.queue[1:]
	if r.keepBody {
		s.body, s.anyBody = r.bodies[0].lines, r.bodies[0].any
		r.bodies[0] = keptBody{}
		r.bodies = r.bodies[1:]
	}
}

// take turns commands and whole replies into steps.
func (r *stepReader) take(commands []Entry, replies [][]Entry) {
	r.queue = append(r.queue, commands...)
	if r.keepBody {
		for _, c := range commands {
			var b keptBody
			if dataEnd(c) {
				b, r.body = r.body, keptBody{}
			}
			r.bodies = append(r.bodies, b)
		}
	}
	for len(r.queue) > maxWaiting {
		s := step{first: r.count == 0, tls: r.tls}
		r.pop(&s)
		r.ready = append(r.ready, s)
		r.count++
	}
	for _, reply := range replies {
		s := step{reply: reply, first: r.count == 0, tls: r.tls, tlsNew: r.fresh, cert: r.cert}
		r.fresh = false
		if len(r.queue) > 0 {
			r.pop(&s)
		}
		r.bound1(&s.reply)
		s.more, s.last = r.more, r.last
		if r.sum != nil {
			r.sum.Sum(s.sum[:0])
		}
		r.more, r.sum, r.last = 0, nil, Entry{}
		r.count++
		r.ready = append(r.ready, s)
	}
}

// unanswered ends the stream with the commands no reply answered.
func (r *stepReader) unanswered() {
	for len(r.queue) > 0 {
		var s step
		r.pop(&s)
		r.ready = append(r.ready, s)
		r.count++
	}
	r.queue, r.bodies = nil, nil
}

// label is the step's command as a report shows it.
func (s *step) label() string {
	if s != nil && s.hasCmd {
		return shown(s.cmd)
	}
	return s.rawLabel()
}

// rawLabel is the step's command as the comparison sees it.
func (s *step) rawLabel() string {
	switch {
	case s == nil:
		return ""
	case s.hasCmd:
		return display(s.cmd)
	case s.first:
		return Greeting
	}
	return Unsolicited
}

// verb is the command word that Volatile.Verb is matched against.
func (s *step) verb() string {
	if !s.hasCmd {
		return s.rawLabel()
	}
	v, _ := cutField(lineText(s.cmd))
	return strings.ToUpper(v)
}

func (s *step) lines() []string {
	if s == nil || len(s.reply) == 0 {
		return nil
	}
	return shownLines(s.reply, s.replyLines())
}

// display shows an entry's text, quoted when it is exact bytes.
func display(e Entry) string {
	if e.Exact {
		return strconv.Quote(e.Text)
	}
	return e.Text
}

// differ lists what differs between two steps; either may be missing.
func differ(w, g *step, rules Rules) []Reason {
	switch {
	case g == nil:
		return []Reason{{"missing", "missing from got"}}
	case w == nil:
		return []Reason{{"extra", "not in want"}}
	}
	var why []Reason
	if w.hasCmd != g.hasCmd || w.hasCmd && !sameCommand(w.cmd, g.cmd) {
		why = append(why, Reason{"command", "command: " + contrast(w.rawLabel(), g.rawLabel())})
	}
	if (w.tlsNew || g.tlsNew) && !sameTLS(w.tls, g.tls) && !rules.ignores("tls") {
		why = append(why, Reason{"tls", "TLS: " + contrast(orPlain(w.tls), orPlain(g.tls))})
	}
	if (w.tlsNew || g.tlsNew) && w.cert != "" && g.cert != "" && !rules.ignores("tls") {
		why = append(why, differCert(w.cert, g.cert)...)
	}
	return append(why, differReply(w, g, rules)...)
}

// sameTLS compares two "VERSION CIPHER" sessions. Versions are read in
// both spellings (Go's "TLS 1.3", OpenSSL's and swaks's "TLSv1.3"). The
// cipher is compared below TLS 1.3 only, and only when both are IANA
// names: in TLS 1.3 the client's preference picks it (Go and OpenSSL
// prefer different ones), and OpenSSL names TLS 1.2 suites its own way.
func sameTLS(a, b string) bool {
	if (a == "") != (b == "") {
		return false
	}
	va, ca := splitTLS(a)
	vb, cb := splitTLS(b)
	if va == "TLS" || vb == "TLS" { // an smtplib log's: TLS, version unknown
		return true
	}
	if va != vb {
		return false
	}
	if va != "TLS 1.3" && strings.HasPrefix(ca, "TLS_") && strings.HasPrefix(cb, "TLS_") {
		return ca == cb
	}
	return true
}

func splitTLS(s string) (version, cipher string) {
	s = strings.Replace(s, "TLSv1", "TLS 1", 1)
	if rest, ok := strings.CutPrefix(s, "TLS "); ok {
		v, c, _ := strings.Cut(rest, " ")
		return "TLS " + v, c
	}
	v, c, _ := strings.Cut(s, " ")
	return v, c
}

// certFields reads a certificate event: "subject S; issuer I; names N;
// expires YYYY-MM-DD" (proto.CertificateEvent).
func certFields(ev string) map[string]string {
	f := map[string]string{}
	for _, key := range []string{"expires", "names", "issuer", "subject"} {
		i := strings.LastIndex(ev, "; "+key+" ")
		if key == "subject" && strings.HasPrefix(ev, "subject ") {
			i = -2
		}
		if i == -1 {
			continue
		}
		f[key] = ev[i+len(key)+3:]
		ev = ev[:max(i, 0)]
	}
	return f
}

// differCert compares the certificates both sides saw: another issuer or
// other names is a difference; a later expiry is a renewal, an earlier one
// a difference.
func differCert(want, got string) []Reason {
	w, g := certFields(want), certFields(got)
	var why []Reason
	for _, k := range []string{"issuer", "names"} {
		if w[k] != g[k] {
			why = append(why, Reason{"tls", "certificate " + k + ": " + contrast(w[k], g[k])})
		}
	}
	if g["expires"] < w["expires"] {
		why = append(why, Reason{"tls", "certificate expires: earlier than recorded: " + contrast(w["expires"], g["expires"])})
	}
	return why
}

func orPlain(tls string) string {
	if tls == "" {
		return "none"
	}
	return tls
}

// sameCommand compares two client lines; a redacted secret matches any,
// and a C~ pattern any line it matches.
func sameCommand(a, b Entry) bool {
	switch {
	case a.Pattern && b.Pattern:
		return a.Text == b.Text
	case a.Pattern:
		return matchPattern(a.Text, lineText(b))
	case b.Pattern:
		return matchPattern(b.Text, lineText(a))
	}
	if a.Redacted == "" && b.Redacted == "" {
		return string(a.Bytes()) == string(b.Bytes())
	}
	pa := strings.TrimSuffix(a.Text, redactedText("", a.Redacted))
	pb := strings.TrimSuffix(b.Text, redactedText("", b.Redacted))
	if a.Redacted == "" {
		return strings.HasPrefix(lineText(a), pb)
	}
	if b.Redacted == "" {
		return strings.HasPrefix(lineText(b), pa)
	}
	return pa == pb
}

func differReply(w, g *step, rules Rules) []Reason {
	switch {
	case len(w.reply) == 0 && len(g.reply) == 0:
		return nil
	case len(g.reply) == 0:
		return []Reason{{"missing", "no reply in got"}}
	case len(w.reply) == 0:
		return []Reason{{"extra", "no reply in want"}}
	}
	wl, gl := parseReplyLine(lineText(w.reply[0])), parseReplyLine(lineText(g.reply[0]))
	var why []Reason
	if wl.code != gl.code {
		why = append(why, Reason{"code", fmt.Sprintf("reply code: want %d, got %d", wl.code, gl.code)})
	}
	if wl.enh != gl.enh && !rules.ignores("enhanced") {
		why = append(why, Reason{"enhanced", fmt.Sprintf("enhanced code: want %q, got %q", wl.enh, gl.enh)})
	}
	if v := w.verb(); (v == "EHLO" || v == "LHLO") && wl.code == 250 && gl.code == 250 && w.more == 0 && g.more == 0 {
		// Capabilities are a set with parameters (RFC 5321 §4.1.1.1): a
		// changed SIZE is one difference, another order none at all.
		if !rules.ignores("ehlo") {
			why = append(why, differCapabilities(w, g, rules)...)
		}
		if rules.Exact && !rules.ignores("text") {
			if d := differLine(w, g, 0, rules.Volatile); d != "" {
				why = append(why, Reason{"text", "line 1: " + d})
			}
		}
		return why
	}
	if w.replyLines() != g.replyLines() && !rules.ignores("lines") {
		return append(why, Reason{"lines", fmt.Sprintf("reply lines: want %d, got %d", w.replyLines(), g.replyLines())})
	}
	if rules.Exact && !rules.ignores("text") && w.replyLines() == g.replyLines() {
		for _, t := range differText(w, g, rules.Volatile) {
			why = append(why, Reason{"text", t})
		}
	}
	return why
}

// capability is one EHLO line after the first: a keyword and its
// parameters as the server wrote them.
type capability struct{ keyword, params string }

func capabilities(reply []Entry) []capability {
	var out []capability
	for _, e := range reply[1:] {
		t := lineText(e)
		if len(t) < 4 {
			continue
		}
		kw, params, _ := strings.Cut(strings.TrimSpace(t[4:]), " ")
		if kw == "" {
			continue // smtp-sink's bare "250 "
		}
		out = append(out, capability{strings.ToUpper(kw), strings.Join(strings.Fields(params), " ")})
	}
	return out
}

// differCapabilities compares two EHLO replies as sets: a capability
// only one side has, one whose parameters changed, and (unless ignored)
// the same ones in another order.
func differCapabilities(w, g *step, rules Rules) []Reason {
	wc, gc := capabilities(w.reply), capabilities(g.reply)
	find := func(cs []capability, kw string) (capability, bool) {
		for _, c := range cs {
			if c.keyword == kw {
				return c, true
			}
		}
		return capability{}, false
	}
	var onlyWant, onlyGot, changed []string
	for _, c := range wc {
		o, ok := find(gc, c.keyword)
		switch {
		case !ok:
			onlyWant = append(onlyWant, visible.Clip(strings.TrimSpace(c.keyword+" "+c.params), maxShown))
		case o.params != c.params:
			changed = append(changed, visible.Clip(fmt.Sprintf("%s %s -> %s", c.keyword, orEmpty(c.params), orEmpty(o.params)), maxShown))
		}
	}
	for _, c := range gc {
		if _, ok := find(wc, c.keyword); !ok {
			onlyGot = append(onlyGot, visible.Clip(strings.TrimSpace(c.keyword+" "+c.params), maxShown))
		}
	}
	var why []Reason
	if len(changed) > 0 {
		why = append(why, Reason{"ehlo", "capability changed: " + strings.Join(changed, ", ")})
	}
	if len(onlyWant) > 0 {
		why = append(why, Reason{"ehlo", "capability only in want: " + strings.Join(onlyWant, ", ")})
	}
	if len(onlyGot) > 0 {
		why = append(why, Reason{"ehlo", "capability only in got: " + strings.Join(onlyGot, ", ")})
	}
	if len(why) == 0 && !rules.ignores("ehlo-order") {
		for i := range wc {
			if wc[i].keyword != gc[i].keyword {
				return []Reason{{"ehlo-order", "capabilities: the same, in another order"}}
			}
		}
	}
	return why
}

func orEmpty(s string) string {
	if s == "" {
		return "(no parameter)"
	}
	return s
}

// differText compares reply lines after masking; it names the first that
// differs.
func differText(w, g *step, volatile []Volatile) []string {
	for i := range w.reply {
		if why := differLine(w, g, i, volatile); why != "" {
			return []string{fmt.Sprintf("line %d: %s", i+1, why)}
		}
	}
	if w.sum != g.sum {
		return []string{fmt.Sprintf("lines %d to %d: some differ (compared as they are, unmasked)", len(w.reply)+1, w.replyLines())}
	}
	return nil
}

// differLine words how line i of two replies differs after masking, or
// "" when it does not. A line too long to mask is compared with one in
// the same notation as it is, bytes against bytes: quoting a hostile
// file's megabytes of escapes whole to compare them would cost four times
// their size again.
func differLine(w, g *step, i int, volatile []Volatile) string {
	we, ge := w.reply[i], g.reply[i]
	if we.Exact == ge.Exact && max(len(we.Text), len(ge.Text)) > maxMasked {
		if we.Text == ge.Text {
			return ""
		}
		return contrast(we.Text, ge.Text)
	}
	wt := mask(display(we), i, w.verb(), volatile)
	gt := mask(display(ge), i, g.verb(), volatile)
	if wt != gt {
		return contrast(wt, gt)
	}
	return ""
}

// maxMasked bounds the lines whose volatile parts are masked: reply lines
// are at most 512 octets (RFC 5321 section 4.5.3.1.5), and regular
// expressions over a hostile file's megabyte lines would cost seconds.
// Longer lines are compared as they are.
const maxMasked = 64 << 10

// mask replaces the volatile parts of line i of a reply to verb.
func mask(text string, i int, verb string, volatile []Volatile) string {
	if len(text) > maxMasked {
		return text
	}
	for _, v := range volatile {
		if (v.FirstLine && i > 0) || (v.Verb != "" && v.Verb != verb) || v.Pattern == nil {
			continue
		}
		text = maskOne(text, v)
	}
	return text
}

func maskOne(text string, v Volatile) string {
	matches := v.Pattern.FindAllStringSubmatchIndex(text, -1)
	if matches == nil {
		return text
	}
	var b strings.Builder
	last := 0
	for _, m := range matches {
		lo, hi := m[0], m[1]
		if len(m) >= 4 { // mask the first group only, if it took part
			if m[2] < 0 {
				continue
			}
			lo, hi = m[2], m[3]
		}
		b.WriteString(text[last:lo])
		b.WriteString("<" + v.Name + ">")
		last = hi
	}
	b.WriteString(text[last:])
	return b.String()
}
