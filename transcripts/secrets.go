package transcripts

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/smtprepl/smtprepl/proto/visible"
)

// Secrets is the set of AUTH secrets a session has sent, each kept in
// every form a server could echo back, so that a reply like "535 bad
// credentials AHN0dWRlbnQAc2VjcmV0" cannot carry them into a recording, a
// script's output, the screen or an error sentence. The forms are the
// wire form (base64), the decoded form, for PLAIN the password alone and
// its base64, all matched without regard to ASCII case (a server may shout
// the line back). A LOGIN user name is kept only in its base64 form: the
// name itself is shown by the prompt. Forms shorter than minSecretLen are
// not kept, or every reply would be full of markers.
//
// The zero value is an empty set; it is safe for concurrent use.
type Secrets struct {
	mu    sync.Mutex
	forms []secretForm
	added uint64 // forms added or renewed so far: the age of each form
}

type secretForm struct {
	name  string // what the marker says: "AUTH PLAIN credentials"
	lower string // the form, ASCII lower case
	b64   bool   // base64: trailing "=" padding goes with it
	at    uint64 // when it was last added: the oldest goes first
}

// minSecretLen is the shortest form worth scrubbing.
const minSecretLen = 4

// maxSecretForms bounds the work per scrubbed line in a long session.
// Past it the form learnt or used longest ago is forgotten, never the
// newest: the secret just sent is the one a server is about to echo.
const maxSecretForms = 256

// Learn adds a secret as it went on the wire: an AUTH initial response or
// an answer to a 334, named as a [Recorder] names it.
func (s *Secrets) Learn(name, wire string) {
	if s == nil {
		return
	}
	wire = strings.TrimSpace(wire)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.add(name, strings.TrimRight(wire, "="), true)
	decoded, err := base64.StdEncoding.DecodeString(wire)
	if err != nil || name == loginUsername {
		return
	}
	text := string(decoded)
	s.add(name, text, false)
	s.addInner(name, text)
}

// loginUsername names the LOGIN answer that is a user name, not a secret
// in clear.
const loginUsername = "AUTH LOGIN username"

// Add adds a secret known in clear: a password typed at a prompt, or what
// :b64 encoded. Its base64 is kept too.
func (s *Secrets) Add(name, clear string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addClear(name, clear)
}

// LearnEncoded adds a base64 text whose decoded form is not secret in
// itself (what :b64 encoded may be a user name): only the base64 is kept.
func (s *Secrets) LearnEncoded(name, wire string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.add(name, strings.TrimRight(strings.TrimSpace(wire), "="), true)
}

func (s *Secrets) addClear(name, clear string) {
	s.add(name, clear, false)
	// Error sentences and terminals show text escaped: those forms too.
	s.add(name, strings.Trim(strconv.Quote(clear), `"`), false)
	s.add(name, visible.String(clear), false)
	s.add(name, strings.TrimRight(base64.StdEncoding.EncodeToString([]byte(clear)), "="), true)
	s.addEncodings(name, clear)
}

func (s *Secrets) add(name, form string, b64 bool) {
	if len(form) < minSecretLen {
		return
	}
	s.added++
	f := secretForm{name: name, lower: lowerASCII(form), b64: b64, at: s.added}
	if i := slices.IndexFunc(s.forms, func(g secretForm) bool { return g.lower == f.lower }); i >= 0 {
		s.forms[i].at = f.at // used again: as new as the newest
		return
	}
	if len(s.forms) >= maxSecretForms {
		oldest := slices.MinFunc(s.forms, func(a, b secretForm) int { return cmp.Compare(a.at, b.at) })
		s.forms = slices.DeleteFunc(s.forms, func(g secretForm) bool { return g.at == oldest.at })
	}
	s.forms = append(s.forms, f)
	// Longest first, so that a form inside another is not found first.
	slices.SortStableFunc(s.forms, func(a, b secretForm) int { return len(b.lower) - len(a.lower) })
}

// ScrubError returns err with the secrets cut out of its sentence (a
// malformed or refused reply is quoted in it, and may echo them);
// errors.Is and errors.As still see the original.
func (s *Secrets) ScrubError(err error) error {
	if err == nil {
		return nil
	}
	msg := s.Scrub(err.Error())
	if msg == err.Error() {
		return err
	}
	return &scrubbedError{msg: msg, err: err}
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// Scrub returns text with every known secret replaced by its marker
// "<redacted: NAME>".
func (s *Secrets) Scrub(text string) string {
	if s == nil {
		return text
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.forms) == 0 || len(text) < minSecretLen {
		return text
	}
	spans := s.find(text)
	if len(spans) == 0 {
		return text
	}
	var b strings.Builder
	at := 0
	for _, sp := range spans {
		b.WriteString(text[at:sp.start])
		b.WriteString(redactedText("", sp.name))
		at = sp.end
	}
	b.WriteString(text[at:])
	return b.String()
}

// ScrubBytes is Scrub for wire bytes; it returns b itself when nothing
// was found.
func (s *Secrets) ScrubBytes(b []byte) []byte {
	if s.Empty() || len(b) < minSecretLen {
		return b
	}
	text := string(b)
	if out := s.Scrub(text); out != text {
		return []byte(out)
	}
	return b
}

// Empty reports whether no secret is known yet: most of a session, when
// scrubbing costs nothing.
func (s *Secrets) Empty() bool {
	if s == nil {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.forms) == 0
}

type span struct {
	start, end int
	name       string
}

// find lists where forms occur in text, in order and without overlaps:
// one pass over the original text, so a marker is never scrubbed again.
func (s *Secrets) find(text string) []span {
	lower := lowerASCII(text)
	taken := make([]bool, len(text))
	var spans []span
	for _, f := range s.forms {
		for from := 0; ; {
			i := strings.Index(lower[from:], f.lower)
			if i < 0 {
				break
			}
			start, end := from+i, from+i+len(f.lower)
			for f.b64 && end < len(text) && text[end] == '=' {
				end++
			}
			from = start + 1
			if !slices.Contains(taken[start:end], true) {
				markTaken(taken, start, end)
				spans = append(spans, span{start, end, f.name})
				from = end
			}
		}
	}
	spans = s.findCut(text, lower, taken, spans)
	spans = s.findPieces(lower, taken, spans)
	spans = s.findEncoded(text, taken, spans)
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	return spans
}

// cutMark is how shortened text ends ("…" after truncate and
// visible.Clip): the start of a secret just before it is as secret as the
// whole.
const cutMark = "…"

// findCut adds the spans of secrets cut short by a cutMark.
func (s *Secrets) findCut(text, lower string, taken []bool, spans []span) []span {
	for from := 0; ; {
		i := strings.Index(text[from:], cutMark)
		if i < 0 {
			return spans
		}
		end := from + i
		from = end + len(cutMark)
		end = len(strings.TrimRight(text[:end], " "))
		for _, f := range s.forms {
			start := end - longestPrefixBefore(lower[:end], f.lower)
			if end-start >= minSecretLen && !slices.Contains(taken[start:end], true) {
				markTaken(taken, start, end)
				spans = append(spans, span{start, end, f.name})
				break
			}
		}
	}
}

// Pieces: a server may echo part of a secret, or split it over the lines
// of a multi-line reply. A run of at least minPiece bytes of a base64 form
// of at least minPieceForm bytes is redacted too (base64 looks like noise,
// so six bytes of it are no accident; a password in clear may be a word).
// Windows of pieceWindow bytes at a stride of pieceWindow find every run
// of 2*pieceWindow-1 or more.
const (
	minPieceForm = 12
	minPiece     = 6
	pieceWindow  = 3
)

// findPieces adds the spans of runs of a form found in text.
func (s *Secrets) findPieces(lower string, taken []bool, spans []span) []span {
	for _, f := range s.forms {
		if len(f.lower) < minPieceForm || !f.b64 {
			continue
		}
		for w := 0; w+pieceWindow <= len(f.lower); w += pieceWindow {
			window := f.lower[w : w+pieceWindow]
			for from := 0; ; {
				i := strings.Index(lower[from:], window)
				if i < 0 {
					break
				}
				start, end := grow(lower, f.lower, from+i, w)
				for f.b64 && end < len(lower) && lower[end] == '=' {
					end++
				}
				from = from + i + 1
				if end-start >= minPiece && !slices.Contains(taken[start:end], true) {
					markTaken(taken, start, end)
					spans = append(spans, span{start, end, f.name})
				}
			}
		}
	}
	return spans
}

// grow extends a window of form found at text[at:] (form[w:]) both ways
// while text and form agree, returning the run in text.
func grow(text, form string, at, w int) (start, end int) {
	start, end = at, at+pieceWindow
	for p := w; start > 0 && p > 0 && text[start-1] == form[p-1]; p-- {
		start--
	}
	for q := w + pieceWindow; end < len(text) && q < len(form) && text[end] == form[q]; q++ {
		end++
	}
	return start, end
}

func markTaken(taken []bool, start, end int) {
	for j := start; j < end; j++ {
		taken[j] = true
	}
}

// findEncoded adds base64 words that decode to text holding a secret:
// base64 of "your password is ..." hides the password from the forms.
func (s *Secrets) findEncoded(text string, taken []bool, spans []span) []span {
	for start := 0; start < len(text); {
		end := start
		for end < len(text) && isBase64Byte(text[end]) {
			end++
		}
		if end-start >= minSecretLen && !slices.Contains(taken[start:end], true) {
			if name := s.inDecoded(text[start:end]); name != "" {
				markTaken(taken, start, end)
				spans = append(spans, span{start, end, name})
			}
		}
		start = end + 1
	}
	return spans
}

// inDecoded names the secret that base64 word holds once decoded, or "".
func (s *Secrets) inDecoded(word string) string {
	decoded, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(word, "="))
	if err != nil {
		return ""
	}
	lower := lowerASCII(string(decoded))
	for _, f := range s.forms {
		if !f.b64 && strings.Contains(lower, f.lower) {
			return f.name
		}
	}
	return ""
}

func isBase64Byte(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '='
}

// longestPrefixBefore is the length of the longest proper prefix of form
// that text ends with.
func longestPrefixBefore(text, form string) int {
	for n := min(len(form)-1, len(text)); n > 0; n-- {
		if strings.HasSuffix(text, form[:n]) {
			return n
		}
	}
	return 0
}

// lowerASCII lower-cases ASCII letters only, so byte offsets stay the same.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Tracker follows a session's wire as a [Recorder] does, writing nothing:
// it learns each AUTH secret the client sends into a [Secrets], and can
// say, before a line is sent, which secret it would carry. It is safe for
// concurrent use.
type Tracker struct {
	mu     sync.Mutex
	red    redactor
	client half
	server half
	set    *Secrets
}

// NewTracker returns a tracker that adds what it learns to set.
func NewTracker(set *Secrets) *Tracker { return &Tracker{set: set} }

// Client follows bytes the client sent.
func (t *Tracker) Client(b []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.red.inText() && len(t.client.pending) == 0 && bytes.IndexByte(b, '\n') == len(b)-1 {
		// Message text carries no secret: only its end matters, and a
		// 100 MiB body must cost no copies here.
		t.red.bodyLine(string(b) == ".\r\n")
		return
	}
	if len(t.client.pending) == 0 && bytes.IndexByte(b, '\n') == len(b)-1 {
		t.clientLine(string(b)) // the usual case: one whole line, no copy
		return
	}
	t.client.pending = append(t.client.pending, b...)
	for line := range t.client.lines() {
		t.clientLine(string(line))
	}
}

func (t *Tracker) clientLine(line string) {
	if text, name := t.red.client(line); name != "" {
		t.set.Learn(name, secretValue(line, text, name))
	}
}

// Server follows bytes the server sent.
func (t *Tracker) Server(b []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.server.pending) == 0 && bytes.IndexByte(b, '\n') == len(b)-1 {
		t.red.server(string(b))
		return
	}
	t.server.pending = append(t.server.pending, b...)
	for line := range t.server.lines() {
		t.red.server(string(line))
	}
}

// SecretIn names the secret line would carry if the client sent it now
// ("AUTH LOGIN password"), or "" when it would carry none.
func (t *Tracker) SecretIn(line string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	peek := t.red.clone()
	_, name := peek.client(line + "\r\n")
	return name
}

// AwaitsAnswer reports whether the server's last reply was a 334: the
// next client line is an answer in the AUTH exchange.
func (t *Tracker) AwaitsAnswer() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.red.pending()
}

// secretValue is the part of a client line that its redacted text
// replaced with the marker for name.
func secretValue(line, redacted, name string) string {
	prefix := strings.TrimSuffix(redacted, redactedText("", name))
	return strings.TrimPrefix(trimEOL(line), prefix)
}
