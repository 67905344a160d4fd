package sandbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Server is the practice server: any number of listeners and sessions, one
// mailbox, one certificate. Its methods are safe for concurrent use.
type Server struct {
	cfg        Config
	dir        directory
	mailbox    *Mailbox
	maildir    *maildir // nil unless Config.Maildir
	greylist   *greylist
	inflight   *budget // message bytes of transactions in progress
	tlsConf    *tls.Config
	certPEM    []byte
	cmds       map[string]command
	verbs      []string // the command table's keys, sorted, for HELP
	mechs      []mechanism
	mailRules  map[string]paramRule
	rcptRules  map[string]paramRule
	slots      chan struct{} // one token per running session
	queued     atomic.Int64  // messages queued so far, for QueueID
	sessions   atomic.Int64  // sessions begun so far, for Event.Session
	challenges atomic.Int64  // CRAM-MD5 challenges issued, to make each unique
	closing    atomic.Bool   // Close has begun: sessions stop at their next command
	buffers    sync.Pool     // *buffers of ended sessions
	pop3       *pop3Store

	// spare hands an accepted connection to a session goroutine that has
	// ended its last session and waits for another (see worker); done
	// ends the waiting ones at Close.
	spare chan func()
	done  chan struct{}

	// authMu guards authSeen: the client addresses whose first AUTH
	// Config.AuthFailsOnce has refused.
	authMu   sync.Mutex
	authSeen map[string]bool

	mu  sync.Mutex
	lns []net.Listener
	// pop3Addr is the first POP3 listener's, for clients in this process.
	pop3Addr net.Addr
	conns    map[net.Conn]struct{}
	closed   bool
	wg       sync.WaitGroup // accept loops and sessions
}

// New prepares a server (and its certificate) without listening yet.
func New(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	cert, certPEM, err := selfSigned(cfg.Hostname, time.Now())
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:       cfg,
		dir:       newDirectory(cfg.LocalDomain, cfg.Mailboxes, cfg.Lists),
		mailbox:   NewMailbox(cfg.MailboxMessages, cfg.MailboxBytes),
		inflight:  newBudget(cfg.InFlightBytes),
		tlsConf:   &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		certPEM:   certPEM,
		mechs:     mechanisms(),
		mailRules: mailParamRules(),
		rcptRules: rcptParamRules(),
		slots:     make(chan struct{}, cfg.MaxConns),
		conns:     map[net.Conn]struct{}{},
		spare:     make(chan func()),
		done:      make(chan struct{}),
		greylist:  newGreylist(),
	}
	s.pop3 = &pop3Store{srv: s, deleted: map[string]map[string]bool{}}
	s.cmds, s.verbs = commandTable(cfg.LMTP)
	if cfg.Maildir != "" {
		if s.maildir, err = openMaildir(cfg.Maildir, cfg.Hostname); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// listenTCP listens on addr without TCP keep-alive: the idle timeout
// already ends a silent session, and keep-alive's four setsockopt calls on
// every accepted connection were a tenth of a classroom's load
// (BenchmarkSmtpSource).
func listenTCP(addr string) (net.Listener, error) {
	lc := net.ListenConfig{KeepAlive: -1}
	ln, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sandbox: listen: %w", err)
	}
	return ln, nil
}

// Listen serves plain SMTP (STARTTLS on offer) on addr, such as
// "127.0.0.1:0", in the background, and returns the address bound.
func (s *Server) Listen(addr string) (net.Addr, error) {
	ln, err := listenTCP(addr)
	if err != nil {
		return nil, err
	}
	return s.serve(ln, s.smtpHandler(s.cfg.RequireTLS))
}

// ListenTLS serves implicit TLS (RFC 8314, port 465 style) on addr.
func (s *Server) ListenTLS(addr string) (net.Addr, error) {
	ln, err := listenTCP(addr)
	if err != nil {
		return nil, err
	}
	return s.serve(tls.NewListener(ln, s.tlsConf), s.smtpHandler(s.cfg.RequireTLS))
}

// ListenSubmission serves a submission port (RFC 6409, port 587 style) on
// addr: as Listen, but STARTTLS is required before AUTH and MAIL whatever
// Config.RequireTLS says, so one server can show ports 25 and 587 side by
// side, with one mailbox.
func (s *Server) ListenSubmission(addr string) (net.Addr, error) {
	ln, err := listenTCP(addr)
	if err != nil {
		return nil, err
	}
	return s.serve(ln, s.smtpHandler(true))
}

// smtpHandler serves SMTP sessions for one kind of listener.
func (s *Server) smtpHandler(requireTLS bool) func(net.Conn) {
	return func(c net.Conn) { s.handle(c, requireTLS) }
}

// serve accepts on ln in the background; handle runs each session, and
// must call s.wg.Done and s.untrack when it ends.
func (s *Server) serve(ln net.Listener, handle func(net.Conn)) (net.Addr, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		ln.Close()
		return nil, errors.New("sandbox: server closed")
	}
	s.lns = append(s.lns, ln)
	s.wg.Add(1)
	go s.acceptLoop(ln, handle)
	return ln.Addr(), nil
}

func (s *Server) acceptLoop(ln net.Listener, handle func(net.Conn)) {
	defer s.wg.Done()
	for {
		c, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			// Out of descriptors and the like: back off instead of spinning.
			s.cfg.Logf("sandbox: accept: %v", err)
			time.Sleep(50 * time.Millisecond)
			continue
		}
		if !s.track(c) {
			c.Close()
			return
		}
		job := func() { handle(c) }
		select {
		case s.spare <- job:
		default:
			s.wg.Add(1) // track's Add is not Done yet: the count is above zero
			go s.worker(job)
		}
	}
}

// workerIdle is how long a session goroutine waits for the next
// connection before it ends.
const workerIdle = 5 * time.Second

// worker runs session, then those of connections handed over on spare
// until none comes for workerIdle. A new goroutine's stack grows by
// copying as a session deepens it, which was a tenth of the sandbox's CPU
// under a classroom's load of short sessions (BenchmarkSandboxClassroom);
// a goroutine that stays keeps its stack.
func (s *Server) worker(session func()) {
	defer s.wg.Done()
	idle := time.NewTimer(workerIdle)
	defer idle.Stop()
	for {
		session()
		idle.Reset(workerIdle)
		select {
		case session = <-s.spare:
		case <-idle.C:
			return
		case <-s.done:
			return
		}
	}
}

// ServeConn runs one session on c (a net.Pipe end, say) and returns when it
// ends. A *tls.Conn counts as TLS from the start.
func (s *Server) ServeConn(c net.Conn) {
	if !s.track(c) {
		c.Close()
		return
	}
	s.handle(c, s.cfg.RequireTLS)
}

// track registers c so Close can end it; false once the server is closed.
func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *Server) handle(c net.Conn, requireTLS bool) {
	defer s.wg.Done()
	defer s.untrack(c)
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	default:
		c.SetWriteDeadline(time.Now().Add(time.Second))
		fmt.Fprintf(c, "421 4.7.0 %s Error: too many connections\r\n", s.cfg.Hostname)
		return
	}
	sess := newSession(s, c, requireTLS)
	sess.id = s.sessions.Add(1)
	sess.serve()
	sess.release()
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
}

// Close stops the listeners, ends every session and waits for all of the
// server's goroutines. Messages already queued stay in the mailbox.
func (s *Server) Close() error {
	s.mu.Lock()
	var err error
	if !s.closed {
		s.closed = true
		s.closing.Store(true)
		close(s.done)
		for _, ln := range s.lns {
			if e := ln.Close(); e != nil && err == nil {
				err = fmt.Errorf("sandbox: close: %w", e)
			}
		}
		for c := range s.conns {
			// Close waits until the session's pending read or write
			// gives the descriptor back, which under load can take a
			// scheduling round: one by one, 200 busy sessions took
			// seconds to close, all at once they take one round.
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				c.Close()
			}()
		}
	}
	s.mu.Unlock()
	s.wg.Wait()
	if s.maildir != nil {
		s.maildir.close() // repeated Closes only repeat its error
	}
	return err
}

// Addr is the first listener's address, or nil before Listen.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.lns) == 0 {
		return nil
	}
	return s.lns[0].Addr()
}

// newBody is an empty message body drawing on the in-flight budget.
func (s *Server) newBody() *bodyBuffer { return &bodyBuffer{budget: s.inflight} }

// Mailbox holds what the server accepted.
func (s *Server) Mailbox() *Mailbox { return s.mailbox }

// CertPEM is the STARTTLS certificate, self-signed and made at New, in PEM:
// write it to a file and pass it as --cafile to verify the sandbox.
func (s *Server) CertPEM() []byte { return append([]byte(nil), s.certPEM...) }

// Config is the configuration in force, defaults filled in. Its maps and
// slices are the server's own: read them, never change them.
func (s *Server) Config() Config { return s.cfg }
