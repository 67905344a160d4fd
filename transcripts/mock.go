package transcripts

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/visible"
)

// MockConfig configures a [Mock].
type MockConfig struct {
	// Timeout bounds each read from and write to the client; default 5 minutes.
	Timeout time.Duration
	// Logf, when set, is told each deviation and note as it happens, and
	// each connection's start and end.
	Logf func(format string, args ...any)
	// Hostnames go into the self-signed certificate besides localhost,
	// 127.0.0.1 and ::1; the greeting's host name is added by NewMock.
	Hostnames []string
}

// Mock plays the server's side of a recording, for a client under test:
// the recorded greeting, then for each command the recorded reply. It is
// safe to serve several connections with; each replays from the start.
type Mock struct {
	open    func() (EntrySource, func(), error)
	count   int // steps in the recording
	cfg     MockConfig
	tls     *tls.Config
	certPEM []byte
}

// MockReport is how one client session went.
type MockReport struct {
	// Deviations are where the client left the recording: an unexpected
	// command (answered 503), a TLS failure, hanging up before the end.
	Deviations []string
	// Notes are differences that did not stop the recording: arguments
	// other than recorded, a different message body is not one (any body
	// is accepted).
	Notes []string
	// Steps is how many recorded steps were played.
	Steps int
	// Dropped counts the deviations and notes past maxKept of each: a
	// client that sends a million wrong commands is not a million lines
	// of report.
	Dropped int
}

// NewMock prepares a mock of t and generates its STARTTLS certificate.
func NewMock(t *Transcript, cfg MockConfig) (*Mock, error) {
	return NewMockStream(func() (EntrySource, func(), error) { return t.Stream(), func() {}, nil }, cfg)
}

// NewMockStream is [NewMock] for a recording read as a stream: open
// returns it from the start, and a function that releases it. It is
// opened once to count its steps and once for each session, so that a
// recording of millions of lines is never held whole.
func NewMockStream(open func() (EntrySource, func(), error), cfg MockConfig) (*Mock, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Minute
	}
	m := &Mock{open: open, cfg: cfg}
	greeting, err := m.survey()
	if err != nil {
		return nil, err
	}
	names := append([]string{"localhost"}, cfg.Hostnames...)
	if h := greetingHost(greeting); h != "" {
		names = append(names, h)
	}
	cert, pemBytes, err := selfSignedCert(names, time.Now())
	if err != nil {
		return nil, err
	}
	m.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS10}
	m.certPEM = pemBytes
	return m, nil
}

// CertPEM is the certificate STARTTLS presents, for a client's trust store.
func (m *Mock) CertPEM() []byte { return bytes.Clone(m.certPEM) }

// Steps is the number of replies the recording holds.
func (m *Mock) Steps() int { return m.count }

// survey reads the recording once: it counts the steps and returns the
// first, whose greeting names the host.
func (m *Mock) survey() (*step, error) {
	src, done, err := m.open()
	if err != nil {
		return nil, err
	}
	defer done()
	r := &stepReader{src: src, bound: true}
	var first *step
	for {
		st, err := r.next()
		if err != nil || st == nil {
			return first, err
		}
		if first == nil {
			first = st
		}
		m.count++
	}
}

// Serve accepts connections on ln and plays the recording to each in turn,
// one at a time, until ctx is cancelled; with once it returns after the
// first session, with that session's report.
func (m *Mock) Serve(ctx context.Context, ln net.Listener, once bool) (MockReport, error) {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return MockReport{}, nil
			}
			return MockReport{}, fmt.Errorf("transcripts: mock: %w", err)
		}
		rep := m.ServeConn(ctx, conn)
		if once {
			return rep, nil
		}
	}
}

// ServeConn plays the recording to one client and closes conn.
func (m *Mock) ServeConn(ctx context.Context, conn net.Conn) MockReport {
	s := &mockSession{m: m, conn: conn, peer: conn.RemoteAddr().String()}
	s.wire(conn)
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	m.logf("%s: connected", s.peer)
	err := s.start()
	if err == nil {
		defer s.done()
		err = s.run()
	}
	if err != nil {
		s.deviate("%s", visible.Clip(err.Error(), 2*maxShown))
	}
	m.logf("%s: closed after %d of %d steps, %d deviation(s), %d note(s)",
		s.peer, s.i, m.count, len(s.rep.Deviations), len(s.rep.Notes))
	s.rep.Steps = s.i
	return s.rep
}

func (m *Mock) logf(format string, args ...any) {
	if m.cfg.Logf != nil {
		m.cfg.Logf(format, args...)
	}
}

// mockSession is one client connection.
type mockSession struct {
	m       *Mock
	conn    net.Conn
	peer    string
	br      *bufio.Reader
	bw      *bufio.Writer
	steps   *stepReader
	done    func()   // releases the recording
	st      *step    // the step being played, nil when the next is due
	i       int      // the number of that step, from 0
	red     redactor // keeps the client's secrets out of reports, and knows where the dialogue stands
	rep     MockReport
	closed  bool // the client hung up
	quitted bool // the last step played was the recording's QUIT
}

// maxCommandLine bounds a command line; RFC 5321 allows 512 octets, and
// anything past 64 KiB is not a client worth waiting for.
const maxCommandLine = 64 << 10

func (s *mockSession) wire(conn net.Conn) {
	s.conn = conn
	s.br = bufio.NewReaderSize(conn, maxCommandLine)
	s.bw = bufio.NewWriter(conn)
}

// start opens the recording for this session.
func (s *mockSession) start() error {
	src, done, err := s.m.open()
	if err != nil {
		return fmt.Errorf("reading the recording: %w", err)
	}
	s.steps, s.done = &stepReader{src: src, bound: true}, done
	return nil
}

// run plays the steps: replies nobody asked for (the greeting) at once,
// and every other one when its command arrives.
func (s *mockSession) run() error {
	for {
		if s.st == nil {
			st, err := s.steps.next()
			if err != nil {
				return fmt.Errorf("reading the recording: %w", err)
			}
			if st == nil {
				return s.finish()
			}
			s.st = st
		}
		var err error
		switch st := *s.st; {
		case !st.hasCmd:
			err = s.reply(played(st))
			s.advance()
		case s.red.inText():
			err = s.body(st)
		default:
			err = s.command(st)
		}
		if err != nil || s.closed {
			return err
		}
	}
}

// advance moves on to the next recorded step.
func (s *mockSession) advance() {
	s.st = nil
	s.i++
}

// finish flushes the last reply. When the recording ends before its
// client said QUIT, a client that says it now, as a polite one does, gets
// its 221: it is given endGrace to say it. Anything else the client sends
// is a deviation.
func (s *mockSession) finish() error {
	if err := s.flush(); err != nil {
		return err
	}
	wait := min(endGrace, s.m.cfg.Timeout)
	if s.quitted {
		wait = 0 // only what already came
	}
	s.conn.SetReadDeadline(time.Now().Add(wait))
	line, err := s.br.ReadSlice('\n')
	if err != nil && len(line) == 0 {
		return nil // closed, or silent: either way the session is over
	}
	if commandVerb(FromWire(Client, line)) == "QUIT" && err == nil {
		return s.bye()
	}
	s.deviate("the client sent %d more byte(s) after the recording's last step", len(line)+s.br.Buffered())
	return nil
}

// endGrace is how long the mock waits, after the recording's last step,
// for the client's QUIT.
const endGrace = 2 * time.Second

// bye answers QUIT, which always gets its 221 (RFC 5321 section 4.1.1.10),
// wherever the client is in the recording, so that it can leave cleanly.
func (s *mockSession) bye() error {
	s.closed = true
	if err := s.reply([]Entry{{Kind: Server, Text: "221 2.0.0 Bye"}}); err != nil {
		return err
	}
	return s.flush()
}

// command reads one command line and answers it.
func (s *mockSession) command(st step) error {
	line, err := s.readLine()
	if err != nil || s.closed {
		return err
	}
	got := FromWire(Client, line)
	sasl := s.red.pending()
	red, _ := s.red.client(string(line))
	if sasl { // a SASL answer: no verb to match
		if !st.cmd.Exact && st.cmd.Redacted == "" && !sameCommand(st.cmd, got) {
			s.note("step %d: the SASL answer differs from the recorded one", s.i+1)
		}
		return s.answer(st)
	}
	if commandVerb(got) == "QUIT" && commandVerb(st.cmd) != "QUIT" {
		s.deviate("step %d: the client sent QUIT; the recording expected %s", s.i+1, shown(st.cmd))
		return s.bye()
	}
	if commandVerb(got) != commandVerb(st.cmd) {
		s.deviate("step %d: got %s, expected %s (recorded: %s)", s.i+1, quoteClip(red, maxShown), visible.Clip(commandVerb(st.cmd), maxShown), shown(st.cmd))
		return s.reply(unexpected(st.cmd))
	}
	if !sameCommand(upperVerb(st.cmd), upperVerb(got)) {
		s.note("step %d: got %s, recorded %s", s.i+1, quoteClip(red, maxShown), quoteClip(display(st.cmd), maxShown))
	}
	return s.answer(st)
}

// answer sends a step's recorded reply and moves on; after STARTTLS
// answered 220 it does the handshake.
func (s *mockSession) answer(st step) error {
	s.advance()
	s.quitted = commandVerb(st.cmd) == "QUIT"
	if err := s.reply(played(st)); err != nil {
		return err
	}
	if s.red.model.s.Phase() == proto.PhaseHandshake {
		return s.startTLS()
	}
	return nil
}

// body reads a DATA body, whatever it holds, and answers the reply
// recorded for the lone "." that ended it.
func (s *mockSession) body(st step) error {
	if err := s.flush(); err != nil {
		return err
	}
	s.conn.SetReadDeadline(time.Now().Add(s.m.cfg.Timeout))
	stats, err := proto.ReadDotBody(s.br, io.Discard, 0)
	if err != nil {
		return s.readFailed(err, st)
	}
	s.red.client(".\r\n")
	if !dataEnd(st.cmd) {
		s.deviate("step %d: a message body ended where the recording has %s", s.i+1, shown(st.cmd))
	}
	s.m.logf("%s: step %d: message body of %d byte(s) accepted", s.peer, s.i+1, stats.Bytes)
	return s.answer(st)
}

// played is the recorded reply as the mock sends it: a reply of more than
// maxKeptLines lines, which no real server sends, loses the lines between
// the kept ones and its last, so that a file cannot make the mock hold a
// million of them.
func played(st step) []Entry {
	if st.more == 0 {
		return st.reply
	}
	return append(st.reply[:len(st.reply):len(st.reply)], st.last)
}

// unexpected is the reply to a command the recording does not expect there.
func unexpected(want Entry) []Entry {
	text := fmt.Sprintf("503 5.5.1 Error: expected %s (recorded: %s)", visible.Clip(commandVerb(want), maxShown), shown(want))
	return []Entry{{Kind: Server, Text: text}}
}

// upperVerb upper-cases a command's verb, which is case-insensitive
// (RFC 5321 section 2.4), so that only the arguments are compared.
func upperVerb(e Entry) Entry {
	text := lineText(e)
	verb, rest := cutField(text)
	e.Text, e.Exact = strings.ToUpper(verb)+rest, false
	return e
}

// reply queues the lines of a reply; they are flushed when the client has
// sent nothing more to read, so a pipelined batch is answered in one go.
func (s *mockSession) reply(lines []Entry) error {
	for _, e := range lines {
		b := e.Bytes()
		s.red.server(string(b))
		if _, err := s.bw.Write(b); err != nil {
			return fmt.Errorf("transcripts: mock: %w", err)
		}
	}
	return nil
}

// readLine reads one line up to LF, flushing the replies first unless a
// whole line is already waiting (the client pipelined it).
func (s *mockSession) readLine() ([]byte, error) {
	if !bytes.Contains(peekBuffered(s.br), []byte("\n")) {
		if err := s.flush(); err != nil {
			return nil, err
		}
	}
	s.conn.SetReadDeadline(time.Now().Add(s.m.cfg.Timeout))
	line, err := s.br.ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		return nil, fmt.Errorf("step %d: command line longer than %d bytes", s.i+1, maxCommandLine)
	case err != nil:
		return nil, s.readFailed(err, *s.st)
	}
	return bytes.Clone(line), nil
}

func peekBuffered(br *bufio.Reader) []byte {
	b, _ := br.Peek(br.Buffered())
	return b
}

// readFailed turns the end of the connection into a deviation: the client
// left before the recording's end.
func (s *mockSession) readFailed(err error, st step) error {
	if errors.Is(err, io.EOF) || errors.Is(err, proto.ErrClosed) || errors.Is(err, net.ErrClosed) {
		s.closed = true
		s.deviate("step %d: the client closed the connection; the recording expected %s", s.i+1, shown(st.cmd))
		return nil
	}
	return fmt.Errorf("step %d: reading from the client: %w", s.i+1, err)
}

func (s *mockSession) flush() error {
	s.conn.SetWriteDeadline(time.Now().Add(s.m.cfg.Timeout))
	if err := s.bw.Flush(); err != nil {
		return fmt.Errorf("step %d: writing to the client: %w", s.i+1, err)
	}
	return nil
}

// startTLS does the server side of the handshake after the 220. Bytes the
// client sent before it (a command pipelined after STARTTLS) are dropped,
// as RFC 3207 section 4.2 requires, and noted.
func (s *mockSession) startTLS() error {
	if err := s.flush(); err != nil {
		return err
	}
	if n := s.br.Buffered(); n > 0 {
		s.deviate("step %d: the client sent %d byte(s) after STARTTLS before the handshake; dropped", s.i, n)
	}
	tc := tls.Server(s.conn, s.m.tls)
	tc.SetDeadline(time.Now().Add(s.m.cfg.Timeout))
	if err := tc.Handshake(); err != nil {
		return fmt.Errorf("step %d: TLS handshake failed: %w", s.i, err)
	}
	tc.SetDeadline(time.Time{})
	s.red.model.s.TLSEstablished()
	st := tc.ConnectionState()
	s.m.logf("%s: TLS established: %s %s", s.peer, tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite))
	s.wire(tc)
	return nil
}

// maxKept bounds the deviations, and the notes, a report keeps.
const maxKept = 100

func (s *mockSession) deviate(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.rep.Deviations = s.keep(s.rep.Deviations, msg)
	s.m.logf("%s: deviation: %s", s.peer, msg)
}

func (s *mockSession) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.rep.Notes = s.keep(s.rep.Notes, msg)
	s.m.logf("%s: note: %s", s.peer, msg)
}

func (s *mockSession) keep(list []string, msg string) []string {
	if len(list) >= maxKept {
		s.rep.Dropped++
		return list
	}
	return append(list, msg)
}

// greetingHost is the host name in the recorded greeting ("220 foo.com
// ..."), so a client that checks names can be given a matching certificate.
func greetingHost(first *step) string {
	if first == nil || first.hasCmd || len(first.reply) == 0 {
		return ""
	}
	text := lineText(first.reply[0])
	if len(text) < 5 {
		return ""
	}
	host, _ := cutField(text[4:])
	if !validHostname(host) {
		return ""
	}
	return host
}

// validHostname accepts letters, digits, hyphens and dots: what may go in
// a certificate's DNS names.
func validHostname(h string) bool {
	if h == "" || len(h) > 253 || strings.Trim(h, ".-") != h {
		return false
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}
