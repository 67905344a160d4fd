package proto

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/smtprepl/smtprepl/proto/visible"
)

// PipePrefix marks a Client's address as a process spoken to over its
// standard input and output (--pipe), as Postfix's sendmail -bs or
// exim -bs expect.
const PipePrefix = "pipe:"

// pipeGrace is how long a process has to exit once its stdin is closed
// (QUIT said, or the session over) before it is killed: a process that
// ignores end of input never holds the session.
const pipeGrace = 2 * time.Second

// DialPipe runs command with "sh -c" and speaks SMTP to its standard
// input and output. What the process writes to its standard error goes
// to opts.PipeStderr, a line at a time, labelled and escaped. The process
// is in a process group of its own, which Close ends.
func DialPipe(ctx context.Context, command string, opts Options) (*Client, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	start := opts.Now()
	conn, err := startPipe(command, opts.PipeStderr)
	if err != nil {
		return nil, fmt.Errorf("proto: cannot start --pipe command %s: %w", quote(command), err)
	}
	c := NewClient(conn, PipePrefix+command, opts)
	c.lastWrite = opts.Now()
	c.timings.Connect = c.lastWrite.Sub(start)
	c.event("started sh -c '" + visible.TextClip(command, 200) + "', pid " + strconv.Itoa(conn.cmd.Process.Pid) + ": SMTP on its stdin and stdout")
	return c, nil
}

// pipeConn is a process's stdin and stdout as a net.Conn. Its ends are
// os.Pipe files, which take deadlines like sockets do.
type pipeConn struct {
	r, w      *os.File // the process's stdout, and its stdin
	cmd       *exec.Cmd
	stderr    *os.File
	stderrEnd chan struct{}
	once      sync.Once
	grace     time.Duration // pipeGrace; tests shorten it
	addr      pipeAddr
}

func startPipe(command string, stderr io.Writer) (*pipeConn, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		closeAll(inR, inW)
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		closeAll(inR, inW, outR, outW)
		return nil, err
	}
	cmd := exec.Command("/bin/sh", "-c", command)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, errW
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = cmd.Start()
	closeAll(inR, outW, errW) // the process's ends are its own now
	if err != nil {
		closeAll(inW, outR, errR)
		return nil, err
	}
	p := &pipeConn{r: outR, w: inW, cmd: cmd, stderr: errR, stderrEnd: make(chan struct{}), addr: pipeAddr(command), grace: pipeGrace}
	go p.copyStderr(stderr)
	return p, nil
}

func closeAll(fs ...*os.File) {
	for _, f := range fs {
		f.Close()
	}
}

// copyStderr passes the process's standard error on, each line escaped
// and labelled so it is never taken for smtprepl's own words; an endless
// line is cut into pieces, so memory stays bounded.
// Past maxStderrBytes the rest is read and dropped, so a process that
// floods its stderr neither floods ours nor blocks on a full pipe.
func (p *pipeConn) copyStderr(w io.Writer) {
	defer close(p.stderrEnd)
	br := bufio.NewReaderSize(p.stderr, 4096)
	shown, cut := 0, false
	for {
		line, err := br.ReadSlice('\n')
		switch {
		case len(line) == 0 || w == nil:
		case shown < maxStderrBytes:
			fmt.Fprintf(w, "smtprepl: [pipe stderr] %s\n", visible.Line(line))
		case !cut:
			fmt.Fprintf(w, "smtprepl: [pipe stderr] (more than %d KiB: the rest is not shown)\n", maxStderrBytes>>10)
			cut = true
		}
		shown += len(line)
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return
		}
	}
}

const maxStderrBytes = 64 << 10

func (p *pipeConn) Read(b []byte) (int, error)  { return p.r.Read(b) }
func (p *pipeConn) Write(b []byte) (int, error) { return p.w.Write(b) }

// Close ends the process: end of input first, which a well-behaved one
// answers by exiting, and its output closed, so one that only writes gets
// SIGPIPE; after pipeGrace its whole process group is killed. Either way
// it is reaped, so no zombie is left.
func (p *pipeConn) Close() error {
	p.once.Do(func() {
		p.w.Close()
		p.r.Close()
		exited := make(chan error, 1)
		go func() { exited <- p.cmd.Wait() }()
		select {
		case <-exited:
		case <-time.After(p.grace):
			syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		// A child of the command may still hold stderr open: stop reading.
		select {
		case <-p.stderrEnd:
		case <-time.After(100 * time.Millisecond):
			p.stderr.Close()
			<-p.stderrEnd
		}
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL) // what is left of its group
	})
	return nil
}

func (p *pipeConn) LocalAddr() net.Addr  { return p.addr }
func (p *pipeConn) RemoteAddr() net.Addr { return p.addr }

func (p *pipeConn) SetDeadline(t time.Time) error {
	return errors.Join(p.r.SetReadDeadline(t), p.w.SetWriteDeadline(t))
}
func (p *pipeConn) SetReadDeadline(t time.Time) error  { return p.r.SetReadDeadline(t) }
func (p *pipeConn) SetWriteDeadline(t time.Time) error { return p.w.SetWriteDeadline(t) }

// pipeAddr names the command: the "address" of a --pipe session.
type pipeAddr string

func (a pipeAddr) Network() string { return "pipe" }
func (a pipeAddr) String() string  { return string(a) }

var _ net.Conn = (*pipeConn)(nil)

// IsPipe reports whether the client speaks to a process, not a socket:
// there is nothing on the way to encrypt, and no address to tell a proxy.
func (c *Client) IsPipe() bool { return c.conn.RemoteAddr().Network() == "pipe" }
