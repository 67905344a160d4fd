package sandbox

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/smtprepl/smtprepl/proto"
)

// session is one client connection, served by one goroutine.
type session struct {
	srv    *Server
	cfg    *Config
	raw    net.Conn // as accepted
	conn   net.Conn // raw, or the TLS layer over it after STARTTLS
	br     *bufio.Reader
	bw     *bufio.Writer
	helo   string // HELO/EHLO argument; "" until one succeeds
	tls    bool
	auth   string       // authenticated user
	tx     *transaction // nil outside a mail transaction
	errors int          // 4xx/5xx replies sent, for MaxErrors
}

// transaction is what MAIL, RCPT and BDAT have gathered so far.
type transaction struct {
	from       string
	params     []proto.Param
	utf8       bool // SMTPUTF8 was given: non-ASCII addresses allowed
	to         []string
	rcptParams [][]proto.Param
	chunks     *bytes.Buffer // BDAT data; nil until the first BDAT
	chunkErr   bool          // a chunk was refused: discard the rest up to LAST
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
	errHangup      = errors.New("sandbox: server hung up")
	errLineTooLong = errors.New("sandbox: line too long")
)

func newSession(srv *Server, c net.Conn) *session {
	s := &session{srv: srv, cfg: &srv.cfg, raw: c, conn: c}
	_, s.tls = c.(*tls.Conn)
	s.br = bufio.NewReaderSize(wire{s}, 32<<10)
	s.bw = bufio.NewWriterSize(wire{s}, 16<<10)
	return s
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
	w.s.conn.SetReadDeadline(time.Now().Add(w.s.cfg.IdleTimeout))
	return w.s.conn.Read(p)
}

func (w wire) Write(p []byte) (int, error) {
	w.s.conn.SetWriteDeadline(time.Now().Add(w.s.cfg.IdleTimeout))
	return w.s.conn.Write(p)
}

func (s *session) serve() {
	defer s.recoverPanic()
	s.reply(220, proto.EnhancedCode{}, s.cfg.Greeting)
	err := s.loop()
	if errors.Is(err, os.ErrDeadlineExceeded) {
		s.reply(421, ec(4, 4, 2), s.cfg.Hostname+" Error: timeout exceeded")
	}
	s.bw.Flush()
}

func (s *session) recoverPanic() {
	if r := recover(); r != nil {
		s.cfg.Logf("sandbox: session from %s panicked: %v\n%s", s.raw.RemoteAddr(), r, debug.Stack())
	}
}

func (s *session) loop() error {
	for {
		line, err := s.readLine()
		switch {
		case errors.Is(err, errLineTooLong):
			s.reply(500, ec(5, 5, 2), "Error: line too long")
		case err != nil:
			return err
		default:
			if err := s.dispatch(line); err != nil {
				return err
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
	switch {
	case !ok:
		s.reply(500, ec(5, 5, 2), "Error: command not recognized")
	case c.tls && s.cfg.RequireTLS && !s.tls:
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
// allows). A line longer than MaxLineBytes is read to its end and dropped,
// so memory stays bounded and the session stays in step.
func (s *session) readLine() (string, error) {
	var buf []byte
	tooLong := false
	for {
		chunk, err := s.br.ReadSlice('\n')
		if !tooLong && len(buf)+len(chunk) > s.cfg.MaxLineBytes+2 {
			tooLong, buf = true, nil
		}
		if !tooLong {
			buf = append(buf, chunk...)
		}
		if err == nil {
			break
		}
		if err != bufio.ErrBufferFull {
			return "", err
		}
	}
	if tooLong {
		return "", errLineTooLong
	}
	line := strings.TrimSuffix(string(buf[:len(buf)-1]), "\r")
	if len(line) > s.cfg.MaxLineBytes {
		return "", errLineTooLong
	}
	return line, nil
}

// reply queues one reply; wire.Read flushes it. Every 4xx and 5xx counts
// towards MaxErrors, as Postfix counts them.
func (s *session) reply(code int, enh proto.EnhancedCode, lines ...string) {
	for _, line := range proto.NewReply(code, enh, lines...).Raw {
		s.bw.WriteString(line)
		s.bw.WriteString("\r\n")
	}
	if code >= 400 {
		s.errors++
	}
}

func (s *session) send(c canned) { s.reply(c.code, c.enh, c.text) }
