package transcripts

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
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
	// Certificate, when set, is presented instead of one made by NewMock:
	// a test process makes one and trusts it once.
	Certificate *tls.Certificate
	// Strict makes every note a deviation: arguments other than recorded,
	// a message other than recorded. A recording that holds a C~ pattern
	// is strict by itself, since patterns say what may vary.
	Strict bool
	// User, when set, makes the mock check AUTH itself (PLAIN, LOGIN,
	// CRAM-MD5 with a fresh challenge) instead of playing the recorded
	// exchange: wrong credentials get "535 5.7.8" and are a deviation.
	User *MockUser
	// ImplicitTLS makes every connection TLS from the first byte, as
	// submissions on port 465 (RFC 8314) are.
	ImplicitTLS bool
	// MaxMessage bounds the bytes kept of each message; default 64 MiB.
	// A longer message is still read to its end, and marked Truncated.
	MaxMessage int64
	// OnMessage, when set, is handed each message the mock accepts, as
	// it arrives, and the reports do not keep them: a long-running mock
	// saves them instead of holding them.
	OnMessage func(Message)
}

// Mock plays the server's side of a recording, for a client under test:
// the recorded greeting, then for each command the recorded reply. It is
// safe to serve several connections with; each replays from the start.
type Mock struct {
	open     func() (EntrySource, func(), error)
	count    int   // steps in the recording
	counts   []int // steps in each of its sessions
	patterns bool  // it holds a C~ pattern
	cfg      MockConfig
	tls      *tls.Config
	certPEM  []byte
	conns    atomic.Int64 // connections served, to pick each one's session
	// secrets holds --user's secret in every form a client could send
	// it in, so that a report never shows it, even where no AUTH was.
	secrets Secrets
}

// MockReport is how one client session went.
type MockReport struct {
	// Session is the connection's number, from 1, and the recorded
	// session it was played (0: there was none left for it).
	Session int
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
	// Messages are the messages accepted in this session, unless
	// [MockConfig.OnMessage] took them.
	Messages []Message
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
	if cfg.MaxMessage <= 0 {
		cfg.MaxMessage = 64 << 20
	}
	m := &Mock{open: open, cfg: cfg}
	if u := cfg.User; u != nil {
		m.secrets.Add("mock --user secret", u.Secret)
		m.secrets.Add("AUTH PLAIN credentials", "\x00"+u.Name+"\x00"+u.Secret)
	}
	greeting, err := m.survey()
	if err != nil {
		return nil, err
	}
	cert := cfg.Certificate
	if cert == nil {
		names := append([]string{"localhost"}, cfg.Hostnames...)
		if h := greetingHost(greeting); h != "" {
			names = append(names, h)
		}
		c, _, err := selfSignedCert(names, time.Now())
		if err != nil {
			return nil, err
		}
		cert = &c
	}
	m.tls = &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS10}
	m.certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})
	return m, nil
}

// Sessions is the number of sessions the recording holds, one for each
// connection in turn.
func (m *Mock) Sessions() int { return len(m.counts) }

// Strict reports whether notes count as deviations: asked for, or the
// recording holds C~ patterns.
func (m *Mock) Strict() bool { return m.cfg.Strict || m.patterns }

// CertPEM is the certificate STARTTLS presents, for a client's trust store.
func (m *Mock) CertPEM() []byte { return bytes.Clone(m.certPEM) }

// Steps is the number of replies the recording holds.
func (m *Mock) Steps() int { return m.count }

// survey reads the recording once: it counts the steps of each session,
// notes whether it holds patterns, and returns the first step, whose
// greeting names the host.
func (m *Mock) survey() (*step, error) {
	src, done, err := m.open()
	if err != nil {
		return nil, err
	}
	defer done()
	ss := &sessions{src: surveyed{src, func(e Entry) { m.patterns = m.patterns || e.Pattern }}}
	var first *step
	for more := true; more; {
		r := &stepReader{src: ss, bound: true}
		n := 0
		for {
			st, err := r.next()
			if err != nil {
				return nil, err
			}
			if st == nil {
				break
			}
			if first == nil {
				first = st
			}
			n++
		}
		m.count += n
		m.counts = append(m.counts, n)
		if more, err = ss.more(); err != nil {
			return nil, err
		}
	}
	return first, nil
}

// Serve accepts connections on ln and plays to each, in turn, one at a
// time, its session of the recording, until ctx is cancelled or ln is
// closed; with once it returns after the first connection. It returns
// the report of every connection, in order: the last maxReports of them.
func (m *Mock) Serve(ctx context.Context, ln net.Listener, once bool) ([]MockReport, error) {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var reps []MockReport
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return reps, nil
			}
			return reps, fmt.Errorf("transcripts: mock: %w", err)
		}
		if len(reps) == maxReports {
			reps = append(reps[:0], reps[1:]...)
		}
		reps = append(reps, m.ServeConn(ctx, conn))
		if once {
			return reps, nil
		}
	}
}

// maxReports bounds the reports a long-running mock keeps.
const maxReports = 1000

// ServeConn plays one client its session of the recording (the nth
// connection gets the nth) and closes conn.
func (m *Mock) ServeConn(ctx context.Context, conn net.Conn) MockReport {
	n := int(m.conns.Add(1))
	s := &mockSession{m: m, n: n, conn: conn, peer: conn.RemoteAddr().String(), patterns: patternCache{}}
	s.rep.Session = n
	s.wire(conn)
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	m.logf("%s: connected (connection %d)", s.peer, n)
	if n > len(m.counts) {
		s.tooMany()
		return s.rep
	}
	err := s.start()
	if err == nil {
		defer s.done()
		err = s.run()
	}
	if err != nil {
		s.deviate("%s", visible.Clip(err.Error(), 2*maxShown))
	}
	m.logf("%s: closed after %d of %d steps, %d deviation(s), %d note(s)",
		s.peer, s.i, m.counts[n-1], len(s.rep.Deviations), len(s.rep.Notes))
	s.rep.Steps = s.i
	return s.rep
}

// SessionSteps is the number of steps in session n, from 1.
func (m *Mock) SessionSteps(n int) int {
	if n < 1 || n > len(m.counts) {
		return 0
	}
	return m.counts[n-1]
}

// tooMany answers a connection the recording has no session for: it is
// told so with a 421 (RFC 5321 section 3.8) and the test is failed.
func (s *mockSession) tooMany() {
	have := len(s.m.counts)
	s.deviate("connection %d: the recording has only %d session(s)", s.n, have)
	s.reply([]Entry{{Kind: Server, Text: fmt.Sprintf("421 4.3.0 smtprepl mock: the recording has only %d session(s); this is connection %d", have, s.n)}})
	s.flush()
}

func (m *Mock) logf(format string, args ...any) {
	if m.cfg.Logf != nil {
		m.cfg.Logf(format, args...)
	}
}

// mockSession is one client connection.
type mockSession struct {
	m       *Mock
	n       int // the connection's number, and its session's, from 1
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
	heard   bool // the client has sent something
	// authFinal is the recorded final reply of an AUTH that --user
	// refused, kept for the client's next try.
	authFinal []Entry
	authStep  int // the step of the recorded AUTH
	keptBytes int // message data the report holds
	// What the messages of the session are received with.
	env      envelope
	authUser string
	authMech string
	tls      bool
	patterns patternCache
}

// maxCommandLine bounds a command line; RFC 5321 allows 512 octets, and
// anything past 64 KiB is not a client worth waiting for.
const maxCommandLine = 64 << 10

func (s *mockSession) wire(conn net.Conn) {
	s.conn = conn
	s.br = bufio.NewReaderSize(conn, maxCommandLine)
	s.bw = bufio.NewWriter(conn)
}

// start opens the recording at this connection's session, and does the
// handshake when the mock is TLS from the first byte.
func (s *mockSession) start() error {
	src, done, err := s.m.open()
	if err != nil {
		return fmt.Errorf("reading the recording: %w", err)
	}
	ss := &sessions{src: src}
	for i := 1; i < s.n; i++ {
		if _, err := ss.more(); err != nil {
			done()
			return fmt.Errorf("reading the recording: %w", err)
		}
	}
	s.steps, s.done = &stepReader{src: ss, bound: true, keepBody: s.m.Strict()}, done
	if s.m.cfg.ImplicitTLS {
		return s.implicitTLS()
	}
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
	switch verb := commandVerb(got); {
	case verb == "AUTH" && s.authFinal != nil:
		return s.authenticate(st, string(line)) // another try after a refusal
	case verb == "QUIT" && commandVerb(st.cmd) != "QUIT":
		s.deviate("step %d: the client sent QUIT; the recording expected %s", s.i+1, shown(st.cmd))
		return s.bye()
	case verb != commandVerb(st.cmd):
		s.deviate("step %d: got %s, expected %s (recorded: %s)", s.i+1, quoteClip(red, maxShown), visible.Clip(commandVerb(st.cmd), maxShown), shown(st.cmd))
		return s.reply(unexpected(st.cmd))
	case verb == "AUTH":
		return s.auth(st, got, red)
	}
	s.arguments(st, got, red)
	s.track(commandVerb(got), lineText(got), parseReplyLine(lineText(firstLine(st.reply))).code)
	return s.answer(st)
}

// arguments holds a command whose verb is the recorded one against the
// recorded line: a pattern must match it; another line is a note.
func (s *mockSession) arguments(st step, got Entry, red string) {
	switch {
	case st.cmd.Pattern && !s.patterns.match(patternVerbUpper(st.cmd.Text), upperVerb(got).Text):
		// Verbs are case-insensitive (RFC 5321 section 2.4): smtplib
		// sends "mail FROM:", and a pattern says "MAIL FROM:". What a
		// pattern does not match may not vary.
		s.deviate("step %d: got %s, which the recorded pattern %s does not match", s.i+1, quoteClip(red, maxShown), quoteClip("C~ "+st.cmd.Text, maxShown))
	case !st.cmd.Pattern && !sameCommand(upperVerb(st.cmd), upperVerb(got)):
		s.note("step %d: got %s, recorded %s", s.i+1, quoteClip(red, maxShown), quoteClip(display(st.cmd), maxShown))
	}
}

// auth answers an AUTH where the recording has one: --user's own check,
// or the recorded exchange when the mechanism is the recorded one.
func (s *mockSession) auth(st step, got Entry, red string) error {
	if s.m.cfg.User != nil {
		return s.authenticate(st, string(got.Bytes()))
	}
	if want, mech := recordedMech(st.cmd), recordedMech(got); want != mech && !st.cmd.Pattern {
		// The recorded exchange is another mechanism's: its 334s and its
		// 235 would not fit. The client may try the recorded one next.
		s.note("step %d: AUTH %s, recorded AUTH %s (--user checks any mechanism)", s.i+1, visible.Clip(mech, maxShown), visible.Clip(want, maxShown))
		return s.reply([]Entry{{Kind: Server, Text: "504 5.5.4 smtprepl mock: the recording has AUTH " + visible.Clip(want, maxShown)}})
	}
	s.arguments(st, got, red)
	s.authMech = recordedMech(got)
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
	var data bytes.Buffer
	stats, err := proto.ReadDotBody(s.br, &data, s.m.cfg.MaxMessage)
	if err != nil {
		return s.readFailed(err, st)
	}
	s.red.client(".\r\n")
	if !dataEnd(st.cmd) {
		s.deviate("step %d: a message body ended where the recording has %s", s.i+1, shown(st.cmd))
	}
	if s.m.Strict() { // otherwise any message is accepted, as it always was
		s.compareBody(st, data.Bytes(), stats.TooBig)
	}
	if code := parseReplyLine(lineText(firstLine(st.reply))).code; code >= 200 && code < 300 {
		s.received(data.Bytes(), stats.Bytes, stats.TooBig)
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
	if !s.heard {
		if err := s.plainProbe(); err != nil || s.closed {
			return nil, err
		}
	}
	line, err := s.br.ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		return nil, fmt.Errorf("step %d: command line longer than %d bytes", s.i+1, maxCommandLine)
	case err != nil:
		want := step{cmd: Entry{Kind: Client, Text: "an answer to the mock's AUTH challenge"}} // --user's own exchange
		if s.st != nil {
			want = *s.st
		}
		return nil, s.readFailed(err, want)
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
	s.tls = true
	st := tc.ConnectionState()
	s.m.logf("%s: TLS established: %s %s", s.peer, tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite))
	s.wire(tc)
	return nil
}

// maxKept bounds the deviations, and the notes, a report keeps.
const maxKept = 100

func (s *mockSession) deviate(format string, args ...any) {
	msg := s.m.secrets.Scrub(fmt.Sprintf(format, args...))
	s.rep.Deviations = s.keep(s.rep.Deviations, msg)
	s.m.logf("%s: deviation: %s", s.peer, msg)
}

func (s *mockSession) note(format string, args ...any) {
	if s.m.Strict() {
		s.deviate(format, args...)
		return
	}
	msg := s.m.secrets.Scrub(fmt.Sprintf(format, args...))
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

// tlsRecordHandshake is the first byte of a TLS ClientHello (RFC 8446
// section 5.1): no SMTP command starts with it.
const tlsRecordHandshake = 0x16

// plainProbe looks at the client's first byte on a plaintext session: a
// client that starts a TLS handshake waits for a ServerHello, not for a
// line, and is told, in one sentence, that it wants --tls.
func (s *mockSession) plainProbe() error {
	b, err := s.br.Peek(1)
	if err != nil {
		return nil // readLine words the end of the connection
	}
	s.heard = true
	if b[0] == tlsRecordHandshake {
		s.closed = true
		s.deviate("the client began a TLS handshake, but the recording starts in plaintext: use --tls")
	}
	return nil
}

// implicitTLS does the handshake a --tls mock begins with. A client that
// speaks plaintext there (or waits for a plaintext greeting) is told so
// in one sentence, not with the bytes it sent.
func (s *mockSession) implicitTLS() error {
	s.conn.SetReadDeadline(time.Now().Add(min(s.m.cfg.Timeout, firstByteWait)))
	b, err := s.br.Peek(1)
	switch {
	case err != nil:
		s.closed = true
		s.deviate("the client sent no TLS handshake (it waits for a plaintext greeting, or hung up), but the mock is TLS from the first byte (--tls)")
		return nil
	case b[0] != tlsRecordHandshake:
		s.closed = true
		s.deviate("the client spoke plaintext, but the mock is TLS from the first byte (--tls): the recording was made on port 465")
		return nil
	}
	// The bytes already buffered are the ClientHello: the handshake reads
	// them through br.
	tc := tls.Server(bufferedConn{s.conn, s.br}, s.m.tls)
	tc.SetDeadline(time.Now().Add(s.m.cfg.Timeout))
	if err := tc.Handshake(); err != nil {
		return fmt.Errorf("TLS handshake failed: %w", err)
	}
	tc.SetDeadline(time.Time{})
	s.tls, s.heard = true, true
	st := tc.ConnectionState()
	s.m.logf("%s: TLS established: %s %s", s.peer, tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite))
	s.wire(tc)
	return nil
}

// firstByteWait is how long a --tls mock waits for a ClientHello before
// it concludes the client waits for a plaintext greeting.
const firstByteWait = 10 * time.Second

// bufferedConn reads through a bufio.Reader that has already peeked.
type bufferedConn struct {
	net.Conn
	br *bufio.Reader
}

func (c bufferedConn) Read(p []byte) (int, error) { return c.br.Read(p) }

// patternVerbUpper upper-cases a pattern's first word when it is a plain
// verb, so that it matches the client's verb in any case; a first word
// with regexp syntax in it is left as it is.
func patternVerbUpper(p string) string {
	verb, rest := cutField(p)
	if verb == "" || strings.Trim(verb, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return p
	}
	return strings.ToUpper(verb) + rest
}
