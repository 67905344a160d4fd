package proto

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/smtprepl/smtprepl/proto/visible"
)

// Options configure a Client; the zero value dials plaintext with a 60 s
// per-reply timeout and verifies certificates against the system roots.
type Options struct {
	Timeout     time.Duration // dial, TLS handshake, and each whole reply
	ImplicitTLS bool          // TLS from the first byte (port 465, RFC 8314)
	TLS         TLSOptions
	Tap         Tap
	Limits      Limits
	// BeforeWait runs before each wait for a reply: a caller that buffers
	// its output flushes it there, so output is never behind the dialogue
	// yet costs no system call per line.
	BeforeWait func()
	// Now is the clock timings are read from; nil is time.Now (tests
	// inject their own, so timings are the same on every run).
	Now func() time.Time
	// LocalAddr is the address to connect from, an IP literal with an
	// optional port (ParseLocalAddr); nil lets the system choose.
	LocalAddr *net.TCPAddr
	// KeepAlive sends TCP keep-alive probes, for a connection that may
	// sit idle at a prompt. Off otherwise: a client whose every wait is
	// bounded by Timeout has no use for them, and the four socket options
	// they take are a visible part of a one-message session's cost.
	KeepAlive bool
	// Proxy, when set, is a PROXY protocol header to send first, before
	// the greeting is read (and before TLS, with ImplicitTLS).
	Proxy *ProxyOptions
	// PipeStderr receives a --pipe process's standard error (DialPipe),
	// from a goroutine of its own: one write per line, so an *os.File
	// shared with other output is safe.
	PipeStderr io.Writer
}

// ProxyOptions say what PROXY header to send. A zero address is the
// connection's own: the local end as source, the server as destination.
type ProxyOptions struct {
	Version      int // 1 (text) or 2 (binary)
	Source, Dest netip.AddrPort
}

// ProxyError is a PROXY header that could not be sent: Built false, it
// could not be made (no address to put in it; swaks's exit 35), true, it
// could not be written (swaks's 36).
type ProxyError struct {
	Built bool
	Err   error
}

func (e *ProxyError) Error() string { return e.Err.Error() }
func (e *ProxyError) Unwrap() error { return e.Err }

// Timings are how long the connection's steps took: where the time of a
// session went.
type Timings struct {
	Connect time.Duration // dialling, until the connection was up
	// Reply is the last reply's: from the last write (or the connection
	// or handshake, for a greeting) until the reply was complete.
	Reply time.Duration
}

// Client is one SMTP client connection. It is not safe for concurrent use:
// a session is a strict sequence of commands and replies.
type Client struct {
	conn    net.Conn
	addr    string
	r       *Reader
	bw      *bufio.Writer
	tw      *tapWriter
	opts    Options
	tlsInfo *TLSInfo
	closed  bool
	timings Timings
	// lastWrite is when the client last flushed, or the connection or
	// handshake finished: where a reply's time starts.
	lastWrite time.Time
}

const defaultTimeout = 60 * time.Second

// UnixPrefix marks an address as a Unix socket path: unix:/run/smtp.sock.
const UnixPrefix = "unix:"

// Dial connects to addr (host:port, or unix:/path for a Unix socket). It
// does not read the greeting.
func Dial(ctx context.Context, addr string, opts Options) (*Client, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = defaultTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	start := opts.Now()
	d := net.Dialer{Timeout: opts.Timeout, KeepAlive: -1}
	if opts.KeepAlive {
		d.KeepAlive = 0 // Go's default probes
	}
	network, dialAddr := "tcp", addr
	if path, ok := strings.CutPrefix(addr, UnixPrefix); ok {
		network, dialAddr = "unix", path
	}
	if opts.LocalAddr != nil && network == "tcp" {
		d.LocalAddr = opts.LocalAddr
	}
	conn, err := d.DialContext(ctx, network, dialAddr)
	if err != nil {
		return nil, connectError(addr, err)
	}
	c := NewClient(conn, addr, opts)
	c.lastWrite = opts.Now()
	c.timings.Connect = c.lastWrite.Sub(start)
	c.event(connectedEvent(conn, addr, opts.LocalAddr != nil))
	if opts.Proxy != nil {
		if err := c.sendProxy(*opts.Proxy); err != nil {
			conn.Close()
			return nil, err
		}
	}
	if opts.ImplicitTLS {
		if _, err := c.handshake(ctx); err != nil {
			conn.Close()
			return nil, &HandshakeError{err}
		}
	}
	return c, nil
}

// connectError says why addr could not be reached. A connection to port 25
// that times out is most often blocked on the way out, not refused by the
// server: ISPs, campuses and cloud providers drop outbound port 25 to stop
// spam from infected machines, so the sentence says so.
func connectError(addr string, err error) error {
	var ne net.Error
	if _, port, _ := net.SplitHostPort(addr); port == "25" && errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("proto: cannot connect to %s (port 25 is often blocked outbound by ISPs, campus and cloud networks; "+
			"a mail client submits on 587 or 465 instead): %w", visible.Clip(addr, 200), err)
	}
	return fmt.Errorf("proto: cannot connect to %s: %w", visible.Clip(addr, 200), err)
}

// NewClient wraps an established connection (tests use net.Pipe).
func NewClient(conn net.Conn, addr string, opts Options) *Client {
	if opts.Timeout <= 0 {
		opts.Timeout = defaultTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &Client{conn: conn, addr: addr, opts: opts}
	c.lastWrite = opts.Now()
	c.wire(conn)
	return c
}

// wire (re)builds the reader and writer over conn, tapping both.
func (c *Client) wire(conn net.Conn) {
	c.r = NewReaderLimits(conn, c.opts.Limits)
	c.r.OnLine = func(raw []byte) { c.emit(Received, raw) }
	c.tw = &tapWriter{w: deadlineWriter{conn: conn, timeout: c.opts.Timeout}}
	if c.opts.Tap != nil {
		c.tw.tap = func(line []byte) { c.emit(Sent, line) }
	}
	c.bw = bufio.NewWriterSize(c.tw, 64<<10)
}

func (c *Client) emit(kind LineKind, data []byte) {
	if c.opts.Tap != nil {
		c.opts.Tap(TapLine{Kind: kind, Data: data, TLS: c.tlsInfo != nil})
	}
}

func (c *Client) event(text string) { c.emit(Event, []byte(text)) }

// Addr is the host:port this client dialled.
func (c *Client) Addr() string { return c.addr }

// RemoteAddr is the address connected to: whether the server is on this
// machine decides whether credentials in clear deserve a warning.
func (c *Client) RemoteAddr() net.Addr { return c.conn.RemoteAddr() }

// TLS describes the TLS session, or nil for plaintext.
func (c *Client) TLS() *TLSInfo { return c.tlsInfo }

// Timings are how long connecting and the last reply took.
func (c *Client) Timings() Timings { return c.timings }

// Timeout is the per-reply deadline in force.
func (c *Client) Timeout() time.Duration { return c.opts.Timeout }

// ReadReply reads one whole reply within the timeout: the deadline is for
// the whole reply, so a server dripping bytes cannot hold the session.
// Cancelling ctx abandons the wait (Ctrl-C in the REPL), leaving the
// connection open; what arrived is kept, and the next ReadReply resumes.
func (c *Client) ReadReply(ctx context.Context) (*Reply, error) {
	if c.closed {
		return nil, errConnClosed
	}
	if c.r.ReplyBuffered() {
		// Nothing to wait for, so no deadline to arm and no output to flush.
		reply, err := c.r.ReadReply()
		if err != nil {
			return nil, c.readErr(ctx, err)
		}
		c.timings.Reply = c.opts.Now().Sub(c.lastWrite)
		return reply, nil
	}
	var reply *Reply
	err := c.wait(ctx, func() (err error) {
		reply, err = c.r.ReadReply()
		return err
	})
	if err != nil {
		return nil, err
	}
	c.timings.Reply = c.opts.Now().Sub(c.lastWrite)
	return reply, nil
}

// ReadLine reads one line, without its ending, within the timeout, for a
// protocol whose replies are framed otherwise than SMTP's (POP3: the
// caller knows whether a lone "." ends them). The line is the caller's.
func (c *Client) ReadLine(ctx context.Context) ([]byte, error) {
	if c.closed {
		return nil, errConnClosed
	}
	if c.r.lineBuffered() {
		// A long answer comes in big segments: most lines are here
		// already, and need no deadline armed for them.
		l, err := c.r.readLine()
		if err != nil {
			return nil, c.readErr(ctx, err)
		}
		return append([]byte(nil), l...), nil
	}
	var line []byte
	err := c.wait(ctx, func() error {
		l, err := c.r.readLine()
		line = append([]byte(nil), l...)
		return err
	})
	if err != nil {
		return nil, err
	}
	c.timings.Reply = c.opts.Now().Sub(c.lastWrite)
	return line, nil
}

// wait runs read under the reply deadline, abandoned when ctx is.
func (c *Client) wait(ctx context.Context, read func() error) error {
	if c.opts.BeforeWait != nil {
		c.opts.BeforeWait()
	}
	c.conn.SetReadDeadline(time.Now().Add(c.opts.Timeout))
	cancelled := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		c.conn.SetReadDeadline(time.Unix(1, 0))
		close(cancelled)
	})
	err := read()
	if !stop() {
		<-cancelled // else its deadline could land on the next read
	}
	if err != nil {
		return c.readErr(ctx, err)
	}
	return nil
}

// readErr says why a read failed; only a malformed reply or a wait that
// ended (a timeout, a cancelled context) leaves the connection usable.
func (c *Client) readErr(ctx context.Context, err error) error {
	var pe *ProtocolError
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded) && ctx.Err() != nil:
		return fmt.Errorf("proto: wait for the reply abandoned: %w", ctx.Err())
	case errors.Is(err, os.ErrDeadlineExceeded):
		return &TimeoutError{Waited: c.opts.Timeout, Partial: c.r.LinesSoFar()}
	case errors.Is(err, ErrClosed):
		c.markClosed()
		return err
	case errors.Is(err, syscall.ECONNRESET):
		c.markClosed()
		return fmt.Errorf("proto: the server reset the connection (it closed without reading everything we sent): %w", ErrClosed)
	case errors.As(err, &pe):
		return err
	}
	c.markClosed()
	return fmt.Errorf("proto: reading the reply failed, the connection is gone: %w", err)
}

// errConnClosed is what a closed Client answers; it matches ErrClosed.
var errConnClosed error = &closedError{"proto: the connection is closed"}

func (c *Client) markClosed() { c.markClosedBecause("connection closed by server") }

// markClosedBecause notes, once, that the connection is over and why.
func (c *Client) markClosedBecause(event string) {
	if !c.closed {
		c.closed = true
		c.event(event)
	}
}

// Send writes one command line plus CRLF and flushes it.
func (c *Client) Send(line string) error {
	if err := c.Queue(line); err != nil {
		return err
	}
	return c.Flush()
}

// Queue writes a line without flushing: RFC 2920 pipelining sends a batch
// in one segment.
func (c *Client) Queue(line string) error {
	if err := ValidateLine(line); err != nil {
		return err
	}
	return c.QueueRaw([]byte(line + "\r\n"))
}

// QueueRaw writes exact bytes (a replayed C= line, a smuggling lesson);
// nothing is validated or added, by design.
func (c *Client) QueueRaw(b []byte) error {
	if c.closed {
		return errConnClosed
	}
	if _, err := c.bw.Write(b); err != nil {
		return c.writeErr(err)
	}
	return nil
}

// Flush sends what Queue buffered.
func (c *Client) Flush() error {
	if err := c.bw.Flush(); err != nil {
		return c.writeErr(err)
	}
	c.tw.flushPartial()
	c.lastWrite = c.opts.Now()
	return nil
}

func (c *Client) writeErr(err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		// Part of a line may have gone out, and bufio keeps the error for
		// good: nothing sensible can follow on this connection.
		c.conn.Close()
		c.markClosedBecause("connection closed: the server stopped reading")
		return fmt.Errorf("proto: server stopped reading: nothing could be sent for %s, so the connection was closed", c.opts.Timeout)
	}
	c.markClosed()
	return fmt.Errorf("proto: sending failed, the connection is gone: %w", err)
}

// Cmd sends one line and reads its reply.
func (c *Client) Cmd(ctx context.Context, line string) (*Reply, error) {
	if err := c.Send(line); err != nil {
		return nil, err
	}
	return c.ReadReply(ctx)
}

// Body returns a writer for a DATA body (after a 354). Close sends
// CRLF.CRLF; then read the reply. The body is streamed, never held whole.
func (c *Client) Body() (*BodyWriter, error) {
	if c.closed {
		return nil, errConnClosed
	}
	if err := c.Flush(); err != nil {
		return nil, err
	}
	return &BodyWriter{DotWriter: NewDotWriter(c.bw), c: c}, nil
}

// BodyWriter is a DotWriter over the client's own buffer, so the end of a
// body and a pipelined batch after it can share one segment.
type BodyWriter struct {
	*DotWriter
	c *Client
}

// Close writes CRLF.CRLF and sends everything.
func (b *BodyWriter) Close() error {
	if err := b.DotWriter.Close(); err != nil {
		return b.c.writeErr(err)
	}
	b.c.tw.flushPartial()
	return nil
}

// End writes CRLF.CRLF but leaves it buffered: RFC 2920 lets the next
// transaction's commands follow in the same write (Client.Flush sends).
func (b *BodyWriter) End() error {
	if err := b.DotWriter.end(); err != nil {
		return b.c.writeErr(err)
	}
	return nil
}

// Write passes message text on, naming a dead connection like Send does.
func (b *BodyWriter) Write(p []byte) (int, error) {
	n, err := b.DotWriter.Write(p)
	if err != nil {
		return n, b.c.writeErr(err)
	}
	return n, nil
}

// deadlineWriter renews the write deadline for every write to the
// connection, so a 100 MiB body is bounded by progress, not by its total
// time, and a server that stops reading is noticed within the timeout.
type deadlineWriter struct {
	conn    net.Conn
	timeout time.Duration
}

func (d deadlineWriter) Write(p []byte) (int, error) {
	d.conn.SetWriteDeadline(time.Now().Add(d.timeout))
	return d.conn.Write(p)
}

var _ io.Writer = deadlineWriter{}

// Close says goodbye at the TCP level; QUIT is the caller's business.
// Closing a connection the server already closed is not an error.
func (c *Client) Close() error {
	c.markClosedBecause("connection closed")
	if err := c.conn.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}

// Closed reports whether the connection is known to be gone.
func (c *Client) Closed() bool { return c.closed }

// connectedEvent names the peer, and our own address when the user
// chose it.
func connectedEvent(conn net.Conn, addr string, local bool) string {
	text := "connected to " + visible.Clip(remoteName(conn, addr), 200)
	if local && conn.LocalAddr().Network() == "tcp" {
		text += " from " + conn.LocalAddr().String()
	}
	return text
}

// ParseLocalAddr reads --local-addr: an IP literal, [IPv6], IP:PORT or
// [IPv6]:PORT. Names are refused: which of a name's addresses is ours
// would be a guess.
func ParseLocalAddr(s string) (*net.TCPAddr, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		host, port = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"), "0"
	}
	ip := net.ParseIP(host)
	n, perr := strconv.Atoi(port)
	if ip == nil || perr != nil || n < 0 || n > 65535 {
		return nil, fmt.Errorf("\"%s\" is not a local address: write an IP address, optionally with :PORT ([IPv6]:PORT)", visible.Clip(s, 100))
	}
	return &net.TCPAddr{IP: ip, Port: n}, nil
}

// remoteName is the peer's address, or for a Unix socket (whose peer has
// no name) the path dialled.
func remoteName(conn net.Conn, addr string) string {
	if conn.RemoteAddr().Network() == "unix" {
		return addr
	}
	return conn.RemoteAddr().String()
}

// sendProxy writes the PROXY header straight to the connection, ahead of
// everything: it is not an SMTP line, so the transcript shows it as an
// event, version 2 in hex.
func (c *Client) sendProxy(p ProxyOptions) error {
	h := ProxyHeader{Version: p.Version, Source: p.Source, Dest: p.Dest}
	if !h.Source.IsValid() {
		h.Source = addrPortOf(c.conn.LocalAddr())
	}
	if !h.Dest.IsValid() {
		h.Dest = addrPortOf(c.conn.RemoteAddr())
	}
	if !h.Source.IsValid() || !h.Dest.IsValid() {
		return &ProxyError{Err: fmt.Errorf("proto: a %s connection has no IP addresses for the PROXY header: give --proxy-source and --proxy-dest", c.conn.RemoteAddr().Network())}
	}
	b, err := h.Marshal()
	if err != nil {
		return &ProxyError{Err: err}
	}
	c.conn.SetWriteDeadline(time.Now().Add(c.opts.Timeout))
	defer c.conn.SetWriteDeadline(time.Time{})
	if _, err := c.conn.Write(b); err != nil {
		return &ProxyError{Built: true, Err: fmt.Errorf("proto: sending the PROXY header: %w", err)}
	}
	c.event(h.Describe(b))
	return nil
}

func addrPortOf(a net.Addr) netip.AddrPort {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.AddrPort()
	}
	return netip.AddrPort{}
}
