package pop3d

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/smtprepl/smtprepl/proto/pop3"
)

// session is one connection, served by one goroutine.
type session struct {
	cfg      *Config
	conn     net.Conn
	br       *bufio.Reader
	bw       *bufio.Writer
	tls      bool
	user     string
	hasUser  bool // USER came, PASS may follow
	drop     Maildrop
	msgs     []Message
	sizes    []int // of msgs, as sent: every line ending CRLF
	deleted  []bool
	bad      int // unknown or misplaced commands, for Dovecot's limits
	commands int
	// before and after login: the command tables of the two states
	before, after map[string]handler
}

var (
	errQuit     = errors.New("pop3d: client quit")
	errTooMany  = errors.New("pop3d: too many bad commands")
	errLineLong = errors.New("pop3d: line too long")
	errCommands = errors.New("pop3d: command limit reached")
)

// Serve runs one session on conn until QUIT, a hang-up, a timeout or a
// limit, and closes conn. A *tls.Conn counts as TLS from the start.
func Serve(conn net.Conn, cfg Config) {
	cfg = cfg.withDefaults()
	s := &session{cfg: &cfg, conn: conn}
	s.before, s.after = commandTables()
	_, s.tls = conn.(*tls.Conn)
	s.wire(conn)
	kind := "POP3"
	if s.tls {
		kind = "POP3 implicit TLS"
	}
	s.emit(EventConnect, kind)
	err := s.loop()
	s.bw.Flush()
	conn.Close()
	s.emit(EventClose, closeReason(err))
}

func (s *session) wire(c net.Conn) {
	s.conn = c
	s.br = bufio.NewReaderSize(c, maxLine+2)
	s.bw = bufio.NewWriter(c)
}

func (s *session) loop() error {
	s.ok(s.cfg.Greeting)
	for {
		line, err := s.readLine()
		if err != nil {
			return err
		}
		s.commands++
		if s.commands > s.cfg.MaxCommands {
			s.errf("Too many commands.")
			return errCommands
		}
		if err := s.dispatch(line); err != nil {
			return err
		}
	}
}

// readLine flushes what is waiting to go out, then reads one line: the
// replies to a pipelined batch (RFC 2449 PIPELINING) leave together.
func (s *session) readLine() (string, error) {
	if err := s.flush(); err != nil {
		return "", err
	}
	s.conn.SetReadDeadline(time.Now().Add(s.cfg.IdleTimeout))
	line, err := s.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		s.errf("Input buffer full, aborting")
		return "", errLineLong
	}
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(line), "\r\n"), nil
}

func (s *session) flush() error {
	s.conn.SetWriteDeadline(time.Now().Add(s.cfg.IdleTimeout))
	return s.bw.Flush()
}

func (s *session) dispatch(line string) error {
	cmd, err := pop3.ParseCommand(line)
	s.trace(line, cmd)
	if err != nil {
		return s.badCommand("Unknown command.")
	}
	table, loggedIn := s.before, s.drop != nil
	if loggedIn {
		table = s.after
	}
	if f, ok := table[cmd.Keyword]; ok {
		return f(s, cmd)
	}
	if loggedIn {
		return s.badCommand("Unknown command: " + cmd.Keyword)
	}
	return s.badCommand("Unknown command.")
}

// badCommand answers an unknown command, or ends the session once there
// have been too many, as Dovecot does.
func (s *session) badCommand(text string) error {
	s.bad++
	limit, bye := maxBadBeforeLogin, "Too many invalid bad commands."
	if s.drop != nil {
		limit, bye = maxBadAfterLogin, "Too many bad commands."
	}
	if s.bad > limit {
		s.errf("%s", bye)
		return errTooMany
	}
	s.errf("%s", text)
	return nil
}

func (s *session) ok(text string) { s.status("+OK", text) }

func (s *session) errf(format string, args ...any) { s.status("-ERR", fmt.Sprintf(format, args...)) }

func (s *session) status(ind, text string) {
	line := ind
	if text != "" || ind == "+" { // RFC 5034 §4: a challenge is "+" SP, even an empty one
		line += " " + text
	}
	s.bw.WriteString(line + "\r\n")
	if s.cfg.Transcript {
		s.emit(EventServer, line)
	}
}

// lines ends a +OK with lines of its own (CAPA, LIST, UIDL), stuffed.
func (s *session) lines(ls []string) {
	for _, l := range ls {
		s.bw.Write(pop3.Stuff([]byte(l)))
		s.bw.WriteString("\r\n")
	}
	s.bw.WriteString(".\r\n")
}

func (s *session) emit(kind EventKind, text string) {
	if s.cfg.Events != nil {
		s.cfg.Events(Event{Kind: kind, Text: text, Commands: s.commands})
	}
}

// trace reports a command line, PASS's and AUTH's secrets withheld.
func (s *session) trace(line string, cmd pop3.Command) {
	if !s.cfg.Transcript {
		return
	}
	switch {
	case cmd.Keyword == "PASS":
		line = "PASS <secret withheld>"
	case cmd.Keyword == "AUTH" && len(cmd.Args) > 1:
		line = "AUTH " + cmd.Args[0] + " <secret withheld>"
	}
	s.emit(EventClient, line)
}

func closeReason(err error) string {
	switch {
	case errors.Is(err, errQuit):
		return "QUIT"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "timed out"
	case errors.Is(err, io.EOF):
		return "the client hung up"
	case errors.Is(err, errTooMany):
		return "too many bad commands"
	case errors.Is(err, errLineLong):
		return "line too long"
	case errors.Is(err, errCommands):
		return "too many commands"
	}
	return err.Error()
}
