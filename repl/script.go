package repl

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
)

// NewScriptSession is a session whose output is the transcript notation.
func NewScriptSession(cfg Config, out, errOut io.Writer) *Session {
	v := newScriptView(out, cfg.Show)
	if cfg.JSON {
		v = newJSONView(out, cfg.Now)
		v.show = cfg.Show
	}
	return NewSession(cfg, v, errOut, nil)
}

// RunScript runs the lines of r, one by one, until EOF, QUIT or an error.
// A 4xx/5xx reply does not stop it: a script is a dialogue, and the reply is
// what the user wants to see.
func (s *Session) RunScript(ctx context.Context, r io.Reader) error {
	return (&scriptRun{Session: s, lines: newLineSource(r)}).run(ctx)
}

// scriptRun is a session reading its lines from a script: what only
// script mode does (message text streamed from the input, BDAT chunks,
// --pipeline batches, refused lines skipped) lives here, not on Session.
type scriptRun struct {
	*Session
	lines *lineSource
}

func (s *scriptRun) run(ctx context.Context) error {
	s.stops.script = true
	if stopped, err := s.stopIfDue(ctx); stopped {
		return err
	}
	for !s.quit && !s.stopped() {
		if s.inData() {
			if err := s.scriptBody(); err != nil {
				return err
			}
		}
		line, err := s.nextScriptLine()
		if errors.Is(err, io.EOF) {
			if err := s.readPendingDot(ctx); err != nil {
				return err
			}
			if s.stops.reached && !s.stopped() && !s.inData() {
				return s.stopHere(ctx)
			}
			return s.scriptEOF()
		}
		var m scriptMistake
		if errors.As(err, &m) {
			return s.scriptFailed(ctx, m.line, "", s.wireMark(), err)
		}
		if err != nil {
			return fmt.Errorf("reading the script: %w", err)
		}
		if stopped, err := s.stopBeforeLine(ctx, line); stopped {
			return err
		}
		at, before := s.lines.n, s.wireMark()
		if err := s.scriptStep(ctx, line); err != nil {
			if errors.Is(err, ErrQuit) || errors.Is(err, errStopped) {
				return nil
			}
			return s.scriptFailed(ctx, at, line, before, err)
		}
		if stopped, err := s.stopIfDue(ctx); stopped {
			return err
		}
	}
	return nil
}

// stopBeforeLine stops the script before a command the stop-point comes
// before; message text, answers and colon-commands go on.
func (s *scriptRun) stopBeforeLine(ctx context.Context, line string) (bool, error) {
	if s.stops.at == "" || s.inData() || strings.HasPrefix(line, ":") || !s.Connected() || s.model.Role(line) != proto.RoleCommand {
		return false, nil
	}
	return s.stopBefore(ctx, line)
}

// nextScriptLine reads the next line, first showing the output so far
// when the line is not there yet: a slow producer must still see the
// replies. Outside message text a line over maxScriptLine is the
// script's mistake.
func (s *scriptRun) nextScriptLine() (string, error) {
	s.flushIfWaiting()
	if s.inData() {
		return s.lines.nextText()
	}
	line, err := s.lines.next()
	var tl *lineTooLong
	if errors.As(err, &tl) {
		return "", scriptMistake{err, s.lines.n}
	}
	return line, err
}

func (s *scriptRun) flushIfWaiting() {
	if s.lines.wouldBlock() {
		s.flushView()
	}
}

func (s *scriptRun) scriptStep(ctx context.Context, line string) error {
	if s.cfg.POP3 {
		return s.Exec(ctx, line) // no DATA, BDAT, batches or 334s in POP3
	}
	if s.cfg.Pipeline && s.model.Role(line) == proto.RoleEndOfData && !s.model.MustWait(line) && s.stops.at != StageDot {
		// RFC 2920 §3.1 lets the end of data share a batch with the next
		// transaction's commands: one round trip per message, not two.
		return s.closeBody(false)
	}
	if s.cfg.Pipeline && s.pipelinable(line) {
		return s.pipelineBatch(ctx, line)
	}
	if err := s.readPendingDot(ctx); err != nil {
		return err
	}
	if size, ok := bdatSize(line); ok && !s.inData() {
		return s.scriptBDAT(ctx, line, size)
	}
	command := !s.inData() && !strings.HasPrefix(line, ":")
	if err := s.Exec(ctx, line); err != nil || !command {
		return err
	}
	return s.scriptFollowUp(ctx, line)
}

// bdatSize reads the chunk size of "BDAT n [LAST]" (RFC 3030 §2).
func bdatSize(line string) (int64, bool) {
	verb, arg := proto.SplitVerb(line)
	size, _ := proto.SplitVerb(arg)
	if !strings.EqualFold(verb, "BDAT") || size == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(size, 10, 64)
	return n, err == nil && n >= 0
}

// scriptBDAT sends a BDAT command and its chunk: the script lines after it,
// each ending in CRLF, until the declared size is reached. BDAT data is
// not dot-stuffed (RFC 3030 §2), so the bytes go out as they are.
func (s *scriptRun) scriptBDAT(ctx context.Context, line string, size int64) error {
	if err := s.requireConn(); err != nil {
		return err
	}
	chunk, err := readChunk(s.lines, size)
	if err != nil {
		return err
	}
	if err := s.client.Queue(line); err != nil {
		return err
	}
	if err := s.client.QueueRaw(chunk); err != nil {
		return err
	}
	if err := s.client.Flush(); err != nil {
		return err
	}
	cmd, _ := proto.ParseCommand(line)
	return s.awaitReply(ctx, cmd)
}

// readChunk reads the script lines of a BDAT chunk of size bytes, each
// line counting its CRLF. A size the lines do not add up to is the
// script's mistake: nothing is sent.
func readChunk(lines *lineSource, size int64) ([]byte, error) {
	at := lines.n
	chunk := make([]byte, 0, min(size, 1<<20))
	for int64(len(chunk)) < size {
		next, err := lines.nextText()
		if err != nil {
			return nil, scriptMistake{fmt.Errorf("the script ended inside a BDAT chunk: %d of %d bytes given", len(chunk), size), at}
		}
		chunk = append(chunk, next+"\r\n"...)
	}
	if int64(len(chunk)) > size {
		return nil, scriptMistake{fmt.Errorf("BDAT %d: the chunk lines add up to %d bytes (each line counts its CRLF); declare %d", size, len(chunk), len(chunk)), at}
	}
	return chunk, nil
}

// readPendingDot reads the reply to a pipelined end of data, if one is
// due: the model stands between the end of the message and its reply.
func (s *Session) readPendingDot(ctx context.Context) error {
	if s.model.Phase() != proto.PhaseDelivery {
		return nil
	}
	if err := s.client.Flush(); err != nil {
		return err
	}
	return s.readDataReply(ctx)
}

// scriptEOF makes sure nothing typed is silently dropped: an unfinished
// message is an error, not a quiet success.
func (s *scriptRun) scriptEOF() error {
	if s.inData() {
		return errors.New("the script ended inside DATA: the message was not sent (end it with a line holding only \".\")")
	}
	return nil
}

// maxScriptLine bounds a script line outside message text (a command, an
// AUTH answer, a colon-command): a file from anyone must not make smtprepl
// hold, send and print 100 MB as one command. Message text and BDAT
// chunks have no such bound: they stream.
const maxScriptLine = 64 << 10

// lineTooLong is a script line over maxScriptLine, n bytes without its
// ending; it was read and dropped, never kept.
type lineTooLong struct{ n int }

func (e *lineTooLong) Error() string {
	return fmt.Sprintf("the line is %d bytes long, and outside message text a script line may be at most %d bytes: nothing of it was sent", e.n, maxScriptLine)
}

// lineSource yields script lines without their line ending, with one line
// of push-back for batching.
type lineSource struct {
	br     *bufio.Reader
	pushed []string
	// leftover is a line peekBodyLine read but could not use.
	leftover string
	// n is the number of the line last read, for messages.
	n int
}

func newLineSource(r io.Reader) *lineSource {
	return &lineSource{br: bufio.NewReaderSize(r, 64<<10)}
}

// next reads a line outside message text: one over maxScriptLine is a
// *lineTooLong.
func (l *lineSource) next() (string, error) { return l.nextWithin(maxScriptLine) }

// nextText reads a line of message text or of a BDAT chunk, of any length.
func (l *lineSource) nextText() (string, error) { return l.nextWithin(0) }

// nextWithin reads a line of at most limit bytes, any length for 0.
func (l *lineSource) nextWithin(limit int) (string, error) {
	if n := len(l.pushed); n > 0 {
		line := l.pushed[n-1]
		l.pushed = l.pushed[:n-1]
		l.n++
		return line, nil
	}
	line, err := l.readString(limit)
	var tl *lineTooLong
	if errors.As(err, &tl) {
		l.n++
		return "", err
	}
	if err != nil && (err != io.EOF || line == "") {
		return "", err
	}
	l.n++
	return trimEnding(line), nil
}

func trimEnding(line string) string {
	return strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
}

func (l *lineSource) readString(limit int) (string, error) {
	if l.leftover != "" {
		line := l.leftover
		l.leftover = ""
		if n := len(trimEnding(line)); limit > 0 && n > limit {
			return "", &lineTooLong{n}
		}
		if !strings.HasSuffix(line, "\n") {
			return line, io.EOF
		}
		return line, nil
	}
	if limit == 0 {
		return l.br.ReadString('\n')
	}
	return l.readBounded(limit)
}

// readBounded reads a line of at most limit bytes and its ending; of a
// longer one it keeps nothing, reading to its end only to count it.
func (l *lineSource) readBounded(limit int) (string, error) {
	var b []byte
	for {
		frag, err := l.br.ReadSlice('\n')
		if len(b)+len(frag) > limit+len("\r\n") {
			return "", l.dropLine(b, frag, err)
		}
		b = append(b, frag...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if n := len(trimEnding(string(b))); n > limit {
			return "", &lineTooLong{n}
		}
		return string(b), err
	}
}

// dropLine reads the rest of a line too long to keep, from frag on, and
// says how long it was without its ending; a read error other than the
// end is returned. Only its last two bytes are kept, for the ending.
func (l *lineSource) dropLine(b, frag []byte, err error) error {
	n, tail := len(b), string(b[max(0, len(b)-2):])
	for {
		n += len(frag)
		tail = lastTwo(tail + string(frag[max(0, len(frag)-2):]))
		if err != bufio.ErrBufferFull {
			break
		}
		frag, err = l.br.ReadSlice('\n')
	}
	if err != nil && err != io.EOF {
		return err
	}
	return &lineTooLong{n - len(tail) + len(trimEnding(tail))}
}

func lastTwo(s string) string { return s[max(0, len(s)-2):] }

// wouldBlock reports whether the next line must come from the input
// itself, which may keep us waiting: a slow producer must still see the
// replies so far.
func (l *lineSource) wouldBlock() bool {
	return len(l.pushed) == 0 && l.leftover == "" && l.br.Buffered() == 0
}

func (l *lineSource) push(line string) {
	l.pushed = append(l.pushed, line)
	l.n--
}

// peekBodyLine returns the next line without its ending and without
// copying it (valid until the next read), or ok=false when the line is
// the lone "." (left unread for the caller), pushed back, or unavailable.
func (l *lineSource) peekBodyLine() (line []byte, ok bool) {
	if len(l.pushed) > 0 || l.leftover != "" {
		return nil, false
	}
	raw, err := l.br.ReadSlice('\n')
	if err != nil || string(raw) == ".\n" || string(raw) == ".\r\n" {
		// Long lines, EOF and the end of data take the general path.
		l.pushRaw(raw, err)
		return nil, false
	}
	line = raw[:len(raw)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	l.n++
	return line, true
}

// pushRaw gives back what peekBodyLine read and could not use, completed
// to a whole line (or the end of the input) for next.
func (l *lineSource) pushRaw(raw []byte, err error) {
	line := string(raw)
	if err == bufio.ErrBufferFull {
		// The slice was the start of a long line: read the rest of it.
		rest, _ := l.br.ReadString('\n')
		line += rest
	}
	l.leftover = line
}

// scriptBody streams message text straight from the script to the wire,
// a line at a time without copies: a 100 MiB body must cost no more than
// the bytes themselves. The lone "." and anything unusual go back to the
// general path.
func (s *scriptRun) scriptBody() error {
	for {
		s.flushIfWaiting()
		line, ok := s.lines.peekBodyLine()
		if !ok {
			return nil
		}
		if err := s.sendBodyBytes(line); err != nil {
			return err
		}
	}
}

func (s *scriptRun) pipelinable(line string) bool {
	if s.inData() || strings.HasPrefix(line, ":") || !s.Connected() || !s.model.Capabilities().Pipelining() || s.startsAuth(line) {
		return false
	}
	return true
}

// pipelineBatch sends line and the commands after it, up to one whose
// reply must be waited for (RFC 2920 §3.1, as the model says), in one
// write, then reads the replies in order.
func (s *scriptRun) pipelineBatch(ctx context.Context, first string) error {
	start, batch := s.lines.n, []string{first}
	for !s.model.MustWait(batch[len(batch)-1]) {
		line, err := s.lines.next()
		var tl *lineTooLong
		if errors.As(err, &tl) {
			return scriptMistake{err, s.lines.n} // nothing of the batch is sent
		}
		if err != nil {
			break
		}
		if strings.HasPrefix(line, ":") || s.startsAuth(line) {
			s.lines.push(line)
			break
		}
		batch = append(batch, line)
	}
	batch = s.cutAtStop(batch)
	for i, line := range batch {
		if err := proto.ValidateLine(line); err != nil {
			return scriptMistake{err, start + i} // nothing of the batch is sent
		}
	}
	last := batch[len(batch)-1]
	chunk, err := batchChunk(s.lines, last)
	if err != nil {
		return err
	}
	if _, err := s.sendBatch(ctx, batch, chunk); err != nil {
		return err
	}
	return s.scriptFollowUp(ctx, last)
}

// batchChunk reads the chunk of a BDAT that ends a batch, nil for any
// other command. The chunk travels with its BDAT (RFC 3030 §2): its lines
// are data, never commands of the batch.
func batchChunk(lines *lineSource, last string) ([]byte, error) {
	size, ok := bdatSize(last)
	if !ok {
		return nil, nil
	}
	return readChunk(lines, size)
}

// sendBatch writes the batch, and chunk after its last line (a BDAT's
// data), in one write, then reads the replies in order: the one batch
// algorithm, for --pipeline and for lessons (ExecBatch). Every line is
// checked before any is queued, so no half batch goes out. The replies
// read so far come back with an error.
func (s *Session) sendBatch(ctx context.Context, batch []string, chunk []byte) ([]*proto.Reply, error) {
	cmds := make([]proto.Command, len(batch))
	for i, line := range batch {
		cmd, err := proto.ParseCommand(line)
		if err == nil {
			err = proto.ValidateLine(line)
		}
		if err != nil {
			return nil, err
		}
		cmds[i] = cmd
	}
	if err := s.queueBatch(batch, chunk); err != nil {
		return nil, err
	}
	s.guard.answersOver = "" // commands went out: what follows is no answer
	if err := s.readPendingDot(ctx); err != nil {
		return nil, err
	}
	replies := make([]*proto.Reply, 0, len(cmds))
	for _, cmd := range cmds {
		if err := s.awaitReply(ctx, cmd); err != nil {
			return replies, err
		}
		replies = append(replies, s.lastReply)
	}
	return replies, nil
}

// queueBatch writes checked lines and a chunk in one flush.
func (s *Session) queueBatch(batch []string, chunk []byte) error {
	for _, line := range batch {
		if err := s.client.Queue(line); err != nil {
			return err
		}
	}
	if chunk != nil {
		if err := s.client.QueueRaw(chunk); err != nil {
			return err
		}
	}
	return s.client.Flush()
}

// cutAtStop keeps the lines of a batch before the stop-point and gives
// the rest back to the script: they are read again after it, and the
// stop-point stops there.
func (s *scriptRun) cutAtStop(batch []string) []string {
	verbs := make([]string, len(batch))
	for i, line := range batch {
		v, _ := proto.SplitVerb(line)
		verbs[i] = strings.ToUpper(v)
	}
	n := max(s.stops.cut(verbs), 1) // the first line was checked before the batch
	for i := len(batch) - 1; i >= n; i-- {
		s.lines.push(batch[i])
	}
	return batch[:n]
}
