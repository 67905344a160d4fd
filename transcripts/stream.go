package transcripts

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Reader reads a transcript, or a swaks log, one line at a time, so that
// memory grows with the longest line and not with the file: a file from a
// stranger may hold millions of lines. [Parse] is a Reader that keeps
// everything.
type Reader struct {
	br       *bufio.Reader
	n        int // lines read
	inHeader bool
	format   format
	pending  []pendingLine // lines read before the format was known
	waiting  int           // their bytes
	out      []Entry       // entries ready for Next, oldest first
	err      error         // the error that ended the stream
	// Version is the format version of the "# smtprepl transcript v1"
	// line, once the header has been read.
	Version int
	// keepMeta makes the Reader keep the metadata lines in meta; streams
	// that only compare or play a transcript have no use for them.
	keepMeta bool
	meta     []KV
	curl     curlState
	// secrets follows an smtplib log, whose AUTH lines hold the real
	// credentials, to redact them as a Recorder would have.
	secrets redactor
	sawWire bool // a line of the dialogue has been read
	// startTLS: the last command was STARTTLS, so a 220 to it starts TLS,
	// which an smtplib log does not say.
	startTLS  bool
	traceback pyTraceback // of an smtplib log
}

// format is the notation of a file, decided by its first dialogue line.
type format uint8

const (
	undecided format = iota
	native           // the C:/S: notation of this package
	swaks            // swaks's " -> " / "<-  " arrows
	curl             // curl -v's "> " / "< " lines
	smtplib          // Python smtplib's set_debuglevel output
)

type pendingLine struct {
	text string
	n    int
}

// Until the first dialogue line says which notation a file uses, its
// lines wait; past these bounds the file is read as a transcript, the
// default, so that a hostile preamble cannot fill memory.
const (
	maxPendingLines = 1024
	maxPendingBytes = 64 << 10
)

// NewReader returns a Reader of r in any notation: a file whose first
// dialogue line uses swaks's arrows is read as [ParseSwaks] would, one
// whose first is curl -v's "> " or "< " as a curl log, one whose first is
// smtplib's "send: " or "reply: " as [ParseSmtplib] would.
func NewReader(r io.Reader) *Reader { return newReaderSize(r, 64<<10) }

// newReaderSize lets the fuzz test make lines longer than the buffer.
func newReaderSize(r io.Reader, size int) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, size), inHeader: true}
}

// newSwaksReader reads r as a swaks log, whatever its lines look like.
func newSwaksReader(r io.Reader) *Reader {
	tr := NewReader(r)
	tr.format = swaks
	return tr
}

// Next returns the next entry; io.EOF at the end of the transcript. A
// *SyntaxError names a line that is in neither notation.
func (r *Reader) Next() (Entry, error) {
	for len(r.out) == 0 {
		if r.err != nil {
			return Entry{}, r.err
		}
		r.err = r.step()
	}
	e := r.out[0]
	r.out = r.out[1:]
	if len(r.out) == 0 {
		r.out = nil // let the backing array go
	}
	return e, nil
}

// step reads one line and files it: header, waiting, or entries.
func (r *Reader) step() error {
	raw, pieces, err := r.readLine()
	if errors.Is(err, io.EOF) && raw == "" && pieces == nil {
		if r.format == undecided {
			if err := r.decide(native); err != nil {
				return err
			}
		}
		return io.EOF
	}
	var se *SyntaxError
	if errors.As(err, &se) {
		return err
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("transcripts: %w", err)
	}
	r.n++
	if pieces != nil {
		if e, ok := r.quotedLong(pieces, r.n); ok {
			r.out = append(r.out, e)
			return nil
		}
		raw = strings.Join(pieces, "")
	}
	line, err := cutEOL(raw, r.n)
	if err != nil && r.format != native && r.format != swaks && curlMeter(raw) {
		// curl's progress meter redraws its line with CRs, and a curl -v
		// log holds it: keep what a terminal would show, the text after
		// the last CR.
		line, err = raw[strings.LastIndexByte(strings.TrimRight(raw, "\r\n"), '\r')+1:], nil
		line = strings.TrimRight(line, "\r\n")
	}
	if err != nil {
		return err
	}
	if r.inHeader {
		if r.inHeader, err = r.header(line, r.n); err != nil || r.inHeader {
			return err
		}
	}
	if r.format == undecided {
		return r.wait(line, r.n)
	}
	return r.parse(line, r.n)
}

// header takes the version line and metadata at the top of a file and
// reports whether line was one of them.
func (r *Reader) header(line string, n int) (bool, error) {
	t := Transcript{Version: r.Version}
	ok, err := t.parseHeader(line, n)
	r.Version = t.Version
	if ok && r.keepMeta && len(t.Meta) > 0 {
		r.meta = append(r.meta, t.Meta...)
	}
	return ok, err
}

// wait holds a line until a dialogue line decides the notation.
func (r *Reader) wait(line string, n int) error {
	if f := notationOf(line); f != undecided {
		r.pending = append(r.pending, pendingLine{line, n})
		return r.decide(f)
	}
	r.pending = append(r.pending, pendingLine{line, n})
	r.waiting += len(line)
	if len(r.pending) >= maxPendingLines || r.waiting >= maxPendingBytes {
		return r.decide(native)
	}
	return nil
}

// curlMeter reports a line that starts with curl's progress meter, which
// redraws itself with carriage returns: "\r  0     0 ..." or "  % Total".
func curlMeter(raw string) bool {
	first, _, found := strings.Cut(raw, "\r")
	return found && (first == "" || strings.HasPrefix(first, "  ") || first[0] >= '0' && first[0] <= '9')
}

// decide fixes the notation and parses the lines that waited for it.
func (r *Reader) decide(f format) error {
	r.format = f
	pending := r.pending
	r.pending, r.waiting = nil, 0
	for _, p := range pending {
		if err := r.parse(p.text, p.n); err != nil {
			return err
		}
	}
	return nil
}

// parse turns one line that is not header into an entry, if it is one.
func (r *Reader) parse(line string, n int) error {
	var e Entry
	keep, err := true, error(nil)
	switch r.format {
	case curl:
		r.out = append(r.out, r.curl.parseCurlLine(line, n)...)
		return nil
	case smtplib:
		return r.parseSmtplib(line, n)
	case swaks:
		e, keep, err = parseSwaksLine(line, n)
	default:
		e, err = parseLine(line, n)
	}
	if err != nil {
		return err
	}
	if keep {
		r.out = append(r.out, e)
	}
	return nil
}

// parseSmtplib files the entries of one smtplib line, the AUTH secrets
// in it redacted: a log from set_debuglevel holds them in clear (base64
// is no cipher), and a transcript never does.
func (r *Reader) parseSmtplib(line string, n int) error {
	if ok, e := r.traceback.line(line, n); ok {
		if e != nil {
			r.out = append(r.out, *e)
		}
		return nil
	}
	entries, err := parseSmtplibLine(line, n)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Wire() && !r.sawWire {
			r.sawWire = true
			if e.Kind == Client {
				r.out = append(r.out, unloggedGreeting(n)...)
			}
		}
		switch {
		case e.Kind == Server:
			r.secrets.server(string(e.Bytes()))
		case e.Kind == Client && e.Redacted == "":
			if text, secret := r.secrets.client(string(e.Bytes())); secret != "" {
				e = Entry{Kind: Client, Text: text, Redacted: secret, Line: e.Line}
			}
		}
		r.out = append(r.out, e)
		r.followStartTLS(e)
	}
	return nil
}

// followStartTLS adds the event a recording has where an smtplib log has
// nothing: after a 220 to STARTTLS, smtplib's starttls() did a handshake.
func (r *Reader) followStartTLS(e Entry) {
	text := string(e.Bytes())
	switch {
	case e.Kind == Client:
		r.startTLS = strings.EqualFold(strings.TrimSpace(text), "STARTTLS")
	case e.Kind == Server && r.startTLS && (len(text) < 4 || text[3] != '-'):
		if strings.HasPrefix(text, "220") {
			r.out = append(r.out, Entry{Kind: Event, Text: SmtplibTLSEvent, Line: e.Line})
		}
		r.startTLS = false
	}
}

// notationOf says which notation a line belongs to, if it says: the test
// that looksLikeSwaks applied to a whole file.
func notationOf(line string) format {
	if len(line) >= 2 && (line[0] == 'C' || line[0] == 'S') && (line[1] == ':' || line[1] == '=' || line[1] == '~') {
		return native
	}
	if h, _, ok := matchSwaks(line); ok && (h.kind != Event || h.event != "") {
		return swaks
	}
	if isCurlDialogue(line) {
		return curl
	}
	if isSmtplib(line) {
		return smtplib
	}
	return undecided
}

// readLine returns the next line with its ending: whole, or, when it is
// longer than the buffer, in pieces copied once each, so that only the
// longest line sets the memory used.
func (r *Reader) readLine() (string, []string, error) {
	b, err := r.br.ReadSlice('\n')
	if !errors.Is(err, bufio.ErrBufferFull) {
		return string(b), nil, err
	}
	pieces := []string{string(b)}
	n := len(b)
	for errors.Is(err, bufio.ErrBufferFull) {
		if n > MaxLine {
			return "", nil, &SyntaxError{r.n + 1, pieces[0][:min(len(pieces[0]), maxQuoted)],
				fmt.Sprintf("longer than %d MiB, the most a transcript line may be", MaxLine>>20)}
		}
		b, err = r.br.ReadSlice('\n')
		pieces = append(pieces, string(b))
		n += len(b)
	}
	return "", pieces, err
}

// quotedLong reads a long C= or S= line of the native notation from its
// pieces, without joining them: the whole line next to its pieces would be
// twice its size, and its text is a quarter of it when it is all "\x00"
// escapes. ok is false for any other line, and for one with a mistake,
// which the joined line then words as usual.
func (r *Reader) quotedLong(pieces []string, n int) (e Entry, ok bool) {
	first := pieces[0]
	if r.inHeader || r.format != native || len(first) < len(`C= "`) || first[0] != 'C' && first[0] != 'S' || first[1:4] != `= "` {
		return Entry{}, false
	}
	chunks := append([]string{first[len(`C= "`):]}, pieces[1:]...)
	chunks, _ = trimLast(chunks, '\n')
	chunks, _ = trimLast(chunks, '\r')
	if chunks, ok = trimLast(chunks, '"'); !ok {
		return Entry{}, false
	}
	for _, c := range chunks {
		if strings.IndexByte(c, '\r') >= 0 {
			return Entry{}, false // cutEOL's mistake, worded there
		}
	}
	text, ok := unquoteChunks(chunks)
	kind := Client
	if first[0] == 'S' {
		kind = Server
	}
	return Entry{Kind: kind, Text: text, Exact: true, Line: n}, ok
}

// trimLast cuts the byte c off the end of text given in chunks, and
// reports whether it was there.
func trimLast(chunks []string, c byte) ([]string, bool) {
	for len(chunks) > 0 && chunks[len(chunks)-1] == "" {
		chunks = chunks[:len(chunks)-1]
	}
	if len(chunks) == 0 {
		return chunks, false
	}
	last := chunks[len(chunks)-1]
	if last[len(last)-1] != c {
		return chunks, false
	}
	chunks[len(chunks)-1] = last[:len(last)-1]
	return chunks, true
}

// MaxLine bounds a line of a transcript: far above anything a session
// holds (tens of MiB lines are read and compared), it is there so that a
// file with no line ends, such as /dev/zero, ends in an error, not in all
// the memory there is.
const MaxLine = 256 << 20

// EntrySource is a stream of entries, from a [Reader] or a [Transcript].
type EntrySource interface {
	Next() (Entry, error)
}

// Stream returns the transcript's entries as an [EntrySource].
func (t *Transcript) Stream() EntrySource { return &sliceSource{entries: t.Entries} }

type sliceSource struct{ entries []Entry }

func (s *sliceSource) Next() (Entry, error) {
	if len(s.entries) == 0 {
		return Entry{}, io.EOF
	}
	e := s.entries[0]
	s.entries = s.entries[1:]
	return e, nil
}
