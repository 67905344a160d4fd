package sandbox

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"net"
	"net/netip"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/visible"
)

// session is one client connection, served by one goroutine.
type session struct {
	srv *Server
	cfg *Config
	raw net.Conn // as accepted
	// proxied is the client a PROXY header named (Config.Proxy).
	proxied netip.AddrPort
	conn    net.Conn // raw, or the TLS layer over it after STARTTLS
	br      *bufio.Reader
	bw      *bufio.Writer
	helo    string // HELO/EHLO argument; "" until one succeeds
	ehlo    bool   // the last HELO/EHLO was EHLO
	id      int64  // the session's number, for Events
	// remote is the client's address, for Events: formatted once, after
	// any PROXY header has said who the client is.
	remote string
	// hangup: a reply said 421, so the session ends after it (scenario).
	hangup bool
	// commands and messages count command lines and queued messages.
	commands, messages int
	tls                bool
	// requireTLS makes this session a submission port's: Config.RequireTLS,
	// or a listener of ListenSubmission.
	requireTLS bool
	auth       string       // authenticated user
	tx         *transaction // nil outside a mail transaction
	errors     int          // 4xx/5xx replies sent, for MaxErrors
	werr       error        // the first failed write of a reply
	out        []byte       // a reply line being built, reused (tell)

	// lineStart is when the first byte of the line now arriving came in;
	// zero between lines. A line must end within IdleTimeout of it.
	lineStart time.Time
	// chunkDue, while a BDAT chunk is read, is when all of it must be in.
	chunkDue time.Time
}

// transaction is what MAIL, RCPT and BDAT have gathered so far.
type transaction struct {
	from       string
	params     []proto.Param
	utf8       bool // SMTPUTF8 was given: non-ASCII addresses allowed
	to         []string
	rcptParams [][]proto.Param
	chunks     *bodyBuffer // BDAT data; nil until the first BDAT
	chunkErr   bool        // a chunk was refused: discard the rest up to LAST
	overshoot  int         // RCPTs refused for MaxRecipients so far
	rcptTried  int         // RCPT commands so far, for Config.RejectRcpt
	// envelope is the bytes of addresses and parameters so far; beyond
	// its first chunk, envChunks of the in-flight budget are held for it.
	envelope  int64
	envChunks int
}

// canned is a reply decided before it is sent, so pure functions can
// choose it and tables can hold it.
type canned struct {
	code int
	enh  proto.EnhancedCode
	text string
}

func ec(class, subject, detail int) proto.EnhancedCode {
	return proto.EnhancedCode{class, subject, detail}
}

var (
	errQuit        = errors.New("sandbox: client quit")
	errClosing     = errors.New("sandbox: server closing")
	errHangup      = errors.New("sandbox: server hung up")
	errLineTooLong = errors.New("sandbox: line too long")
)

func newSession(srv *Server, c net.Conn, requireTLS bool) *session {
	s := &session{srv: srv, cfg: &srv.cfg, raw: c, conn: c, requireTLS: requireTLS}
	_, s.tls = c.(*tls.Conn)
	if b, ok := srv.buffers.Get().(*buffers); ok {
		s.br, s.bw = b.br, b.bw
		s.br.Reset(wire{s})
		s.bw.Reset(wire{s})
	} else {
		s.br = bufio.NewReaderSize(wire{s}, 32<<10)
		s.bw = bufio.NewWriterSize(wire{s}, 16<<10)
	}
	return s
}

// buffers are a session's reader and writer, which the next session reuses:
// they are most of what a session allocates. Nothing read is kept in them
// (lines and bodies are copied out), so nothing can leak from one session
// into another.
type buffers struct {
	br *bufio.Reader
	bw *bufio.Writer
}

// endTx ends the mail transaction, if any, giving back the bytes its
// BDAT chunks held to the in-flight budget.
func (s *session) endTx() {
	if s.tx != nil {
		s.tx.chunks.release()
		s.srv.inflight.unreserve(s.tx.envChunks)
		s.tx = nil
	}
}

// release hands the buffers back once the session is over.
func (s *session) release() {
	s.endTx()
	s.br.Reset(nil)
	s.bw.Reset(nil)
	s.srv.buffers.Put(&buffers{s.br, s.bw})
	s.br, s.bw = nil, nil
}

// wire is the session's side of the connection. Every read from the
// network first flushes the pending replies: a pipelining client (RFC 2920)
// gets all replies to its batch once the batch is used up, in one write,
// and a one-at-a-time client gets each reply before we wait for more.
type wire struct{ s *session }

func (w wire) Read(p []byte) (int, error) {
	if err := w.s.bw.Flush(); err != nil {
		return 0, err
	}
	w.s.conn.SetReadDeadline(w.s.readDeadline(time.Now()))
	n, err := w.s.conn.Read(p)
	w.s.noteLines(p[:n])
	return n, err
}

// Write is bounded per call, so a client that reads a byte now and then
// cannot hold a reply for longer than IdleTimeout either.
func (w wire) Write(p []byte) (int, error) {
	w.s.conn.SetWriteDeadline(time.Now().Add(w.s.cfg.IdleTimeout))
	return w.s.conn.Write(p)
}

// readDeadline is the idle timer, cut short by the total deadline of the
// line (or BDAT chunk) in progress: a client dripping one byte at a time
// keeps every read alive, but never the line (slowloris). This is Postfix's
// smtpd_per_request_deadline, per line so that a person typing a DATA body
// in the REPL still has IdleTimeout for each line.
func (s *session) readDeadline(now time.Time) time.Time {
	d := now.Add(s.cfg.IdleTimeout)
	due := s.chunkDue
	if due.IsZero() && !s.lineStart.IsZero() {
		due = s.lineStart.Add(s.cfg.IdleTimeout)
	}
	if !due.IsZero() && due.Before(d) {
		return due
	}
	return d
}

// noteLines follows line ends in what was just read, pipelined lines
// included, to know when the unfinished line began.
func (s *session) noteLines(b []byte) {
	switch i := bytes.LastIndexByte(b, '\n'); {
	case len(b) == 0:
	case i == len(b)-1:
		s.lineStart = time.Time{}
	case i >= 0 || s.lineStart.IsZero():
		s.lineStart = time.Now()
	}
}

func (s *session) serve() {
	defer s.recoverPanic()
	if s.cfg.Proxy && !s.tls {
		h, err := proto.ReadProxyHeader(s.br)
		if err != nil {
			s.emit(EventClose, visible.Clip(err.Error(), 200))
			return
		}
		s.proxied = h.Source
	}
	s.emit(EventConnect, s.listenerKind())
	if !s.wait(s.cfg.SlowBanner) {
		return
	}
	if s.cfg.Drop421At == "greeting" {
		s.reply(421, ec(4, 3, 2), s.cfg.Hostname+" Service not available, closing transmission channel (scenario)")
		s.bw.Flush()
		s.emit(EventClose, "421 at the greeting (scenario)")
		return
	}
	s.reply(220, proto.EnhancedCode{}, s.cfg.Greeting)
	err := s.loop()
	if errors.Is(err, os.ErrDeadlineExceeded) {
		s.reply(421, ec(4, 4, 2), s.cfg.Hostname+" Error: timeout exceeded")
	}
	s.bw.Flush()
	s.emit(EventClose, closeReason(err))
}

// scenarioStage is the Drop421At stage a verb is at.
func scenarioStage(verb string) string {
	switch verb {
	case "EHLO", "HELO", "LHLO":
		return "ehlo"
	case "MAIL":
		return "mail"
	case "RCPT":
		return "rcpt"
	case "DATA", "BDAT":
		return "data"
	}
	return ""
}

// wait sleeps for d, or less when the server closes; false then.
func (s *session) wait(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.srv.done:
		return false
	}
}

// remoteAddr is the client: the one a PROXY header named, else the peer.
func (s *session) remoteAddr() net.Addr {
	if s.proxied.IsValid() {
		return net.TCPAddrFromAddrPort(s.proxied)
	}
	return s.raw.RemoteAddr()
}

func (s *session) recoverPanic() {
	if r := recover(); r != nil {
		s.cfg.Logf("sandbox: session from %s panicked: %v\n%s", s.remoteAddr(), r, debug.Stack())
	}
}

// loop runs commands until the session ends. It stops at once when a reply
// could not be written or the server is closing, instead of working through
// up to a buffer's worth of pipelined commands that no one will see answered.
func (s *session) loop() error {
	for {
		if s.werr != nil {
			return s.werr
		}
		if s.srv.closing.Load() {
			return errClosing
		}
		line, err := s.readLine(canned{500, ec(5, 5, 2), "Error: line too long"})
		switch {
		case errors.Is(err, errLineTooLong): // answered already
		case err != nil:
			return err
		default:
			s.commands++
			s.traceClient(line)
			if err := s.dispatch(line); err != nil {
				return err
			}
			if s.hangup {
				return errHangup
			}
		}
		if s.errors >= s.cfg.MaxErrors {
			s.reply(421, ec(4, 7, 0), s.cfg.Hostname+" Error: too many errors")
			return errHangup
		}
	}
}

// dispatch runs one command line through the command table.
func (s *session) dispatch(line string) error {
	cmd, bad := parseLine(line)
	if bad != nil {
		s.send(*bad)
		return nil
	}
	c, ok := s.srv.cmds[cmd.Verb]
	if ok && s.cfg.Drop421At != "" && s.cfg.Drop421At == scenarioStage(cmd.Verb) {
		s.reply(421, ec(4, 3, 2), s.cfg.Hostname+" Service not available, closing transmission channel (scenario)")
		return errHangup
	}
	switch {
	case !ok:
		s.reply(500, ec(5, 5, 2), "Error: command not recognized")
	case c.tls && s.requireTLS && !s.tls:
		s.reply(530, ec(5, 7, 0), "Must issue a STARTTLS command first")
	case c.helo && s.helo == "":
		s.reply(503, ec(5, 5, 1), "Error: send HELO/EHLO first")
	default:
		return c.run(s, cmd.Arg)
	}
	return nil
}

// parseLine splits a command line, refusing what no verb can take: an
// empty line, invalid UTF-8, and NUL or a CR inside the line, which RFC
// 5321 §2.3.8 forbids (Postfix lets them through). Blanks around the verb
// and its argument are dropped, as Postfix's tokenizer drops them.
func parseLine(line string) (proto.Command, *canned) {
	if !utf8.ValidString(line) {
		return proto.Command{}, &canned{500, ec(5, 5, 2), "Error: bad UTF-8 syntax"}
	}
	cmd, err := proto.ParseCommand(strings.Trim(line, " \t"))
	if err != nil || cmd.Verb == "" {
		return proto.Command{}, &canned{500, ec(5, 5, 2), "Error: bad syntax"}
	}
	cmd.Arg = strings.TrimLeft(cmd.Arg, " \t")
	return cmd, nil
}

// readLine reads one line without its ending (CRLF, or LF alone as Postfix
// allows). A line longer than MaxLineBytes gets the reply tooLong as soon as
// it passes the limit, since it may never end, and is then read to its end
// and dropped (errLineTooLong): memory stays bounded and the session in step.
func (s *session) readLine(tooLong canned) (string, error) {
	var buf []byte
	dropping := false
	for {
		chunk, err := s.br.ReadSlice('\n')
		if !dropping && len(buf)+len(chunk) > s.cfg.MaxLineBytes+2 {
			dropping, buf = true, nil
			s.send(tooLong) // the next read flushes it
		}
		if !dropping {
			buf = append(buf, chunk...)
		}
		if err == nil {
			break
		}
		if err != bufio.ErrBufferFull {
			return "", err
		}
	}
	if dropping {
		return "", errLineTooLong
	}
	line := strings.TrimSuffix(string(buf[:len(buf)-1]), "\r")
	if len(line) > s.cfg.MaxLineBytes { // LF alone left room for one more byte
		s.send(tooLong)
		return "", errLineTooLong
	}
	return line, nil
}

// reply queues one reply; wire.Read flushes it. Every 4xx and 5xx counts
// towards MaxErrors, as Postfix counts them.
func (s *session) reply(code int, enh proto.EnhancedCode, lines ...string) {
	s.tell(code, enh, lines...)
	if code >= 400 {
		s.errors++
	}
}

// tell queues a reply that does not count towards MaxErrors. Its lines
// are proto.Reply.Format's, built in the session's own buffer: a reply
// built as a proto.Reply (and its enhanced code by fmt) was a tenth of the
// sandbox's own CPU under a classroom's load.
func (s *session) tell(code int, enh proto.EnhancedCode, lines ...string) {
	if s.cfg.Tarpit > 0 {
		s.bw.Flush()
		s.wait(s.cfg.Tarpit)
	}
	if len(lines) == 0 {
		lines = []string{""}
	}
	for i, text := range lines {
		b := strconv.AppendInt(s.out[:0], int64(code), 10)
		if i < len(lines)-1 {
			b = append(b, '-')
		} else {
			b = append(b, ' ')
		}
		if !enh.IsZero() {
			b = appendEnhanced(b, enh)
			if text != "" {
				b = append(b, ' ')
			}
		}
		b = append(b, text...)
		s.traceServer(b)
		s.out = append(b, '\r', '\n')
		if _, err := s.bw.Write(s.out); err != nil && s.werr == nil {
			s.werr = err
		}
	}
}

func appendEnhanced(b []byte, e proto.EnhancedCode) []byte {
	b = strconv.AppendInt(b, int64(e[0]), 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(e[1]), 10)
	b = append(b, '.')
	return strconv.AppendInt(b, int64(e[2]), 10)
}

// send queues a canned reply; the zero canned stands for one already sent.
func (s *session) send(c canned) {
	if c.code != 0 {
		s.reply(c.code, c.enh, c.text)
	}
}
