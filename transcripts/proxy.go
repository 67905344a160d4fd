package transcripts

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/smtprepl/smtprepl/proto"
)

// ProxyConfig says where a Proxy forwards and how it records.
type ProxyConfig struct {
	// Upstream is the server's host:port; UpstreamTLS verifies it (its
	// ServerName and RootCAs, or InsecureSkipVerify).
	Upstream    string
	UpstreamTLS *tls.Config
	// Cert is what the proxy shows the client when TLS starts, for
	// STARTTLS and for Implicit: TLS is ended on both sides, so the
	// dialogue inside it can be recorded.
	Cert tls.Certificate
	// Implicit: both sides speak TLS from the first byte (port 465).
	Implicit bool
	// Timeout bounds every wait for either side.
	Timeout time.Duration
	// Open gives the transcript for connection n (1, 2, ...), and its name.
	Open func(n int) (io.WriteCloser, string, error)
	// Logf reports what happens, already escaped; nil logs nothing.
	Logf func(format string, args ...any)
}

// Proxy sits between a client and a server and records their dialogue as
// a transcript, AUTH secrets redacted as --record does.
type Proxy struct{ cfg ProxyConfig }

// NewProxy checks cfg.
func NewProxy(cfg ProxyConfig) (*Proxy, error) {
	if cfg.Upstream == "" || cfg.Open == nil {
		return nil, errors.New("transcripts: a proxy needs an upstream and somewhere to record")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Minute
	}
	if cfg.UpstreamTLS == nil {
		host, _, _ := net.SplitHostPort(cfg.Upstream)
		cfg.UpstreamTLS = &tls.Config{ServerName: host}
	}
	return &Proxy{cfg: cfg}, nil
}

func (p *Proxy) logf(format string, args ...any) {
	if p.cfg.Logf != nil {
		p.cfg.Logf(format, args...)
	}
}

// Serve accepts connections until ctx ends (or after one, with once),
// each proxied and recorded in turn.
func (p *Proxy) Serve(ctx context.Context, ln net.Listener, once bool) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	for n := 1; ; n++ {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("transcripts: proxy: %w", err)
		}
		if err := p.ServeConn(ctx, c, n); err != nil {
			p.logf("connection %d: %v", n, err)
		}
		if once {
			return nil
		}
	}
}

// maxProxyLine bounds one line either side sends: RFC 5321 allows 1000
// octets with its CRLF; real servers take more, but not megabytes.
const maxProxyLine = 64 << 10

// ServeConn proxies one client connection and records it as session n.
func (p *Proxy) ServeConn(ctx context.Context, client net.Conn, n int) error {
	defer client.Close()
	w, name, err := p.cfg.Open(n)
	if err != nil {
		return fmt.Errorf("transcripts: proxy: %w", err)
	}
	defer w.Close()
	rec := NewRecorder(w, KV{Key: "server", Value: p.cfg.Upstream}, KV{Key: "recorded", Value: time.Now().UTC().Format(time.RFC3339)},
		KV{Key: "proxy", Value: client.RemoteAddr().String()})
	defer rec.Close()
	d := net.Dialer{Timeout: p.cfg.Timeout}
	up, err := d.DialContext(ctx, "tcp", p.cfg.Upstream)
	if err != nil {
		rec.Event("proxy: cannot connect to " + p.cfg.Upstream)
		return fmt.Errorf("transcripts: proxy: %w", err)
	}
	defer up.Close()
	rec.Event("connected to " + up.RemoteAddr().String())
	if p.cfg.Implicit {
		tc := tls.Client(up, p.cfg.UpstreamTLS)
		if err := p.handshake(tc); err != nil {
			rec.Event("proxy: TLS with the server failed")
			return fmt.Errorf("transcripts: proxy: TLS with %s: %w", p.cfg.Upstream, err)
		}
		sc := tls.Server(client, &tls.Config{Certificates: []tls.Certificate{p.cfg.Cert}})
		if err := p.handshake(sc); err != nil {
			rec.Event("proxy: TLS with the client failed")
			return fmt.Errorf("transcripts: proxy: TLS with the client: %w", err)
		}
		up, client = tc, sc
		tlsEvents(rec, tc)
	}
	p.logf("connection %d from %s, recording to %s", n, client.RemoteAddr(), name)
	s := &proxySession{p: p, rec: rec, client: client, up: up, cr: bufio.NewReaderSize(client, 4096), ur: bufio.NewReaderSize(up, 4096),
		upgraded: make(chan upgrade, 1)}
	s.run(ctx)
	p.logf("connection %d closed after %d line(s) from the client", n, s.clientLines)
	return nil
}

func (p *Proxy) handshake(c *tls.Conn) error {
	c.SetDeadline(time.Now().Add(p.cfg.Timeout))
	defer c.SetDeadline(time.Time{})
	return c.Handshake()
}

// proxySession is one client and its server, each direction copied by its
// own goroutine, both feeding one model of where the dialogue stands.
// Each goroutine keeps the connections it uses; after STARTTLS the
// server-to-client one hands the client side's new ones over through
// upgraded.
type proxySession struct {
	p   *Proxy
	rec *Recorder
	mu  sync.Mutex // guards model, tlsPending and conns
	// model is where the dialogue stands, fed by both directions.
	model wireModel
	// tlsPending: the client said STARTTLS and waits for its answer.
	tlsPending bool
	conns      []net.Conn // every connection opened, closed at the end
	client, up net.Conn   // at the start
	cr, ur     *bufio.Reader
	upgraded   chan upgrade
	// clientLines counts what the client sent, for the log.
	clientLines int
}

// upgrade is what the client-to-server copier needs after STARTTLS:
// nil conns when the server refused it (go on in plaintext); ok false
// when TLS failed and the session is over.
type upgrade struct {
	ok         bool
	client, up net.Conn
	cr         *bufio.Reader
}

func (s *proxySession) run(ctx context.Context) {
	s.conns = []net.Conn{s.client, s.up}
	done := make(chan struct{}, 2)
	go func() { s.clientToServer(s.client, s.up, s.cr); done <- struct{}{} }()
	go func() { s.serverToClient(s.client, s.up, s.ur); done <- struct{}{} }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	// One side is gone: so is the session.
	s.mu.Lock()
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	<-done
	s.rec.Event("connection closed")
}

func (s *proxySession) readLine(r *bufio.Reader, c net.Conn) ([]byte, error) {
	c.SetReadDeadline(time.Now().Add(s.p.cfg.Timeout))
	var line []byte
	for {
		part, err := r.ReadSlice('\n')
		line = append(line, part...)
		if len(line) > maxProxyLine {
			return nil, fmt.Errorf("a line over %d KiB", maxProxyLine>>10)
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return line, err
		}
	}
}

func (s *proxySession) clientToServer(client, up net.Conn, cr *bufio.Reader) {
	for {
		line, err := s.readLine(cr, client)
		if len(line) > 0 {
			text := strings.TrimRight(string(line), "\r\n")
			s.mu.Lock()
			role := s.model.clientLine(text, text == "." && strings.HasSuffix(string(line), "\r\n"))
			verb, arg := proto.SplitVerb(text)
			starttls := role == proto.RoleCommand && strings.EqualFold(verb, "STARTTLS")
			if starttls {
				s.tlsPending = true
			}
			s.mu.Unlock()
			if starttls && cr.Buffered() > 0 {
				s.rec.Client(line)
				s.rec.Event(fmt.Sprintf("proxy: the client sent %d byte(s) after STARTTLS, before the handshake: closed", cr.Buffered()))
				return
			}
			s.clientLines++
			s.rec.Client(line)
			if _, werr := up.Write(line); werr != nil {
				return
			}
			if role == proto.RoleCommand && strings.EqualFold(verb, "BDAT") && !s.copyChunk(cr, up, arg) {
				return
			}
			if starttls {
				u, open := <-s.upgraded
				if !open || !u.ok {
					return
				}
				if u.client != nil {
					client, up, cr = u.client, u.up, u.cr
				}
			}
		}
		if err != nil {
			return
		}
	}
}

// copyChunk forwards BDAT's chunk, which is bytes, not lines.
func (s *proxySession) copyChunk(cr *bufio.Reader, up net.Conn, arg string) bool {
	size, _, _ := strings.Cut(strings.TrimSpace(arg), " ")
	n, err := strconv.ParseInt(size, 10, 64)
	if err != nil || n < 0 {
		return true // the server refuses it; there is no chunk
	}
	buf := make([]byte, 32<<10)
	for n > 0 {
		k, err := cr.Read(buf[:min(int64(len(buf)), n)])
		if k > 0 {
			s.rec.Client(buf[:k])
			if _, werr := up.Write(buf[:k]); werr != nil {
				return false
			}
			n -= int64(k)
		}
		if err != nil {
			return false
		}
	}
	return true
}

func (s *proxySession) serverToClient(client, up net.Conn, ur *bufio.Reader) {
	defer close(s.upgraded)
	for {
		line, err := s.readLine(ur, up)
		if len(line) > 0 {
			s.mu.Lock()
			phase, done := s.model.serverLine(strings.TrimRight(string(line), "\r\n"))
			answered := done && s.tlsPending && s.model.waiting == 0
			if answered {
				s.tlsPending = false
			}
			s.mu.Unlock()
			s.rec.Server(line)
			switch {
			case answered && phase == proto.PhaseHandshake:
				u := s.startTLS(line, client, up, ur)
				s.upgraded <- u
				if !u.ok {
					return
				}
				client, up, ur = u.client, u.up, bufio.NewReaderSize(u.up, 4096)
				continue
			case answered:
				if _, werr := client.Write(line); werr != nil {
					return
				}
				s.upgraded <- upgrade{ok: true} // refused: go on in plaintext
				continue
			}
			if _, werr := client.Write(line); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// startTLS ends TLS on both sides after the server's 220 to STARTTLS:
// with the server first (so a server that fails it is not hidden from the
// client), then the 220 to the client and the handshake with it.
func (s *proxySession) startTLS(reply []byte, client, up net.Conn, ur *bufio.Reader) upgrade {
	if ur.Buffered() > 0 {
		s.rec.Event(fmt.Sprintf("proxy: the server sent %d byte(s) after its 220 to STARTTLS: closed", ur.Buffered()))
		return upgrade{}
	}
	tc := tls.Client(up, s.p.cfg.UpstreamTLS)
	if err := s.p.handshake(tc); err != nil {
		s.rec.Event("proxy: TLS with the server failed: " + err.Error())
		client.Write([]byte("454 4.7.0 TLS not available: the proxy's handshake with the server failed\r\n"))
		return upgrade{}
	}
	if _, err := client.Write(reply); err != nil {
		return upgrade{}
	}
	sc := tls.Server(client, &tls.Config{Certificates: []tls.Certificate{s.p.cfg.Cert}})
	if err := s.p.handshake(sc); err != nil {
		s.rec.Event("proxy: TLS with the client failed: " + err.Error())
		return upgrade{}
	}
	tlsEvents(s.rec, tc)
	s.mu.Lock()
	s.model.s.TLSEstablished()
	s.conns = append(s.conns, tc, sc)
	s.mu.Unlock()
	return upgrade{ok: true, client: sc, up: tc, cr: bufio.NewReaderSize(sc, 4096)}
}

// tlsEvents records the server side's TLS as --record does: the session,
// then the certificate, which a replay compares.
func tlsEvents(rec *Recorder, tc *tls.Conn) {
	info := proto.InfoFromState(tc.ConnectionState())
	rec.Event("TLS established: " + info.Version + " " + info.Cipher)
	rec.Event(proto.CertificateEvent(info))
}
