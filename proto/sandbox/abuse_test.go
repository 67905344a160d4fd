package sandbox

import (
	"bufio"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/proto"
)

// Each abuse case plays one abusive client and checks Postfix's answer to
// it, while a well-behaved client, connected at the same time, completes a
// whole transaction. Afterwards the abused session must have ended on its
// own, and once the server is closed no goroutine may be left.

type abuseCase struct {
	name string
	cfg  func(*Config)
	// abuse plays the abusive client; it calls good.run while the abuse is
	// under way.
	abuse func(t *testing.T, addr string, good *goodClient)
}

func TestAbusiveClients(t *testing.T) { runAbuse(t, abuseCases()) }

// TestAbusiveClientsTimeouts holds the cases that wait for IdleTimeout.
func TestAbusiveClientsTimeouts(t *testing.T) { runAbuse(t, timeoutCases()) }

func runAbuse(t *testing.T, cases []abuseCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			srv, addr := testServer(t, tc.cfg)
			good := &goodClient{t: t, addr: addr}
			tc.abuse(t, addr, good)
			if !good.done {
				t.Fatal("the case never ran the well-behaved client")
			}
			good.check(srv)
			waitSessions(t, srv)
			srv.Close()
			waitGoroutines(t, before)
		})
	}
}

// goodClient is the well-behaved client of an abuse case.
type goodClient struct {
	t    *testing.T
	addr string
	c    *proto.Client
	done bool
}

// connect dials and reads the greeting, if not done yet.
func (g *goodClient) connect() {
	if g.c == nil {
		g.c = dial(g.t, g.addr, proto.Options{})
	}
}

// run sends one message and QUIT; it must be called from the test's
// goroutine.
func (g *goodClient) run() {
	g.connect()
	for _, line := range []string{"EHLO good.example", "MAIL FROM:<good@example.test>", "RCPT TO:<alice@example.test>", "DATA"} {
		if r := cmd(g.t, g.c, line); r.Code != 250 && r.Code != 354 {
			g.t.Fatalf("well-behaved client, %s: %s", line, r)
		}
	}
	expect(g.t, g.c, "raw:From: good\r\n\r\nwell behaved\r\n.\r\n", 250, "2.0.0")
	expect(g.t, g.c, "QUIT", 221, "2.0.0")
	g.done = true
}

// check finds the well-behaved message, once, and whole.
func (g *goodClient) check(srv *Server) {
	n := 0
	for _, m := range srv.Mailbox().List() {
		if m.From == "good@example.test" {
			n++
			if string(m.Data) != "From: good\r\n\r\nwell behaved\r\n" {
				g.t.Errorf("well-behaved message stored as %q", m.Data)
			}
		}
	}
	if n != 1 {
		g.t.Errorf("well-behaved message stored %d times, want once", n)
	}
}

// waitSessions waits until srv has no session left: the abused one must
// end on its own, not by Close.
func waitSessions(t *testing.T, srv *Server) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for live := liveConns(srv); live > 0; live = liveConns(srv) {
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions still running", live)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func liveConns(srv *Server) int {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return len(srv.conns)
}

// rawClient is an abusive client: exact bytes out, reply lines in. Its
// methods fail the test, so only the test goroutine calls them; helpers
// running beside it use conn directly.
type rawClient struct {
	t    *testing.T
	conn net.Conn
	br   *bufio.Reader
}

// dialRaw connects and wants a first line starting with greeting.
func dialRaw(t *testing.T, addr, greeting string) *rawClient {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	r := &rawClient{t: t, conn: c, br: bufio.NewReader(c)}
	if line := r.reply(); !strings.HasPrefix(line, greeting) {
		t.Fatalf("greeting %q, want %q", line, greeting)
	}
	return r
}

func (r *rawClient) send(s string) {
	r.t.Helper()
	r.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(r.conn, s); err != nil {
		r.t.Fatalf("sending %.40q: %v", s, err)
	}
}

// reply reads one reply and returns its last line.
func (r *rawClient) reply() string {
	r.t.Helper()
	r.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for range 100 {
		line, err := r.br.ReadString('\n')
		if err != nil {
			r.t.Fatalf("reading a reply: %v after %q", err, line)
		}
		if line = strings.TrimSuffix(line, "\r\n"); len(line) < 4 || line[3] != '-' {
			return line
		}
	}
	r.t.Fatal("a reply of more than 100 lines")
	return ""
}

// expect reads one reply per want and compares their last lines.
func (r *rawClient) expect(want ...string) {
	r.t.Helper()
	got := make([]string, len(want))
	for i := range want {
		got[i] = r.reply()
	}
	if diff := cmp.Diff(want, got); diff != "" {
		r.t.Errorf("replies (-want +got):\n%s", diff)
	}
}

// setup sends lines one at a time, wanting 250 (354 for DATA).
func (r *rawClient) setup(lines ...string) {
	r.t.Helper()
	for _, line := range lines {
		r.send(line + "\r\n")
		if got := r.reply(); !strings.HasPrefix(got, "250 ") && !strings.HasPrefix(got, "354 ") {
			r.t.Fatalf("%s: %s", line, got)
		}
	}
}

// expectClosed wants the server to have closed the connection.
func (r *rawClient) expectClosed() {
	r.t.Helper()
	r.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if line, err := r.br.ReadString('\n'); !errors.Is(gone(err), errServerGone) || err == nil {
		r.t.Errorf("after the last reply: %q, %v; want the connection closed", line, err)
	}
}

var abuserTx = []string{"EHLO abuser.example", "MAIL FROM:<bob@example.test>", "RCPT TO:<alice@example.test>", "DATA"}

const timedOut = "421 4.4.2 sandbox.smtprepl.test Error: timeout exceeded"

func totalAlloc() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

// flood writes chunk over and over: at least least bytes and until stop
// is closed, at most most bytes. Its error is what ended it early.
func flood(c net.Conn, chunk []byte, least, most int64, stop <-chan struct{}) (int64, error) {
	var n int64
	for n < most {
		select {
		case <-stop:
			if n >= least {
				return n, nil
			}
		default:
		}
		c.SetWriteDeadline(time.Now().Add(10 * time.Second))
		k, err := c.Write(chunk)
		if n += int64(k); err != nil {
			return n, err
		}
	}
	return n, nil
}

// drip writes one byte per tick until stop is closed or a write fails, at
// most 500 bytes: each read on the server side stays well within
// IdleTimeout, the line never ends.
func drip(c net.Conn, every time.Duration, stop <-chan struct{}) error {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for range 500 {
		select {
		case <-stop:
			return nil
		case <-tick.C:
		}
		if _, err := c.Write([]byte("x")); err != nil {
			return nil // the server hung up
		}
	}
	return errors.New("dripped 500 bytes and the session goes on")
}

// goFlood floods c with chunk (at least 32 MiB, and until stop is closed)
// then writes tail, in the background.
func goFlood(c net.Conn, chunk string, stop <-chan struct{}, tail string) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := flood(c, []byte(chunk), 32<<20, 1<<30, stop)
		if err == nil {
			_, err = io.WriteString(c, tail)
		}
		done <- err
	}()
	return done
}

// notBuffered fails if more than 8 MiB were allocated since before, while
// 32 MiB or more were streamed: the server kept what it should drop.
func notBuffered(t *testing.T, before uint64) {
	t.Helper()
	if grown := totalAlloc() - before; grown > 8<<20 {
		t.Errorf("%d MiB allocated while at least 32 MiB streamed: the server buffers what it should drop", grown>>20)
	}
}

func abuseCases() []abuseCase {
	return []abuseCase{
		{name: "endless line", abuse: abuseEndlessLine},
		{name: "endless DATA", cfg: func(c *Config) { c.MaxSize = 64 << 10 }, abuse: abuseEndlessData},
		{name: "too many errors", abuse: abuseErrors},
		{name: "too many connections", cfg: func(c *Config) { c.MaxConns = 4 }, abuse: abuseConnections},
		{name: "huge number of RCPTs", abuse: abuseRecipients},
		{name: "binary garbage and NUL", abuse: abuseGarbage},
		{name: "DATA over the in-flight budget", cfg: func(c *Config) { c.InFlightBytes, c.MaxSize = 256<<10, 1<<30 }, abuse: abuseBudget},
	}
}

// abuseEndlessLine sends a line without end: the 500 must come while it
// goes on, and the line must be dropped as it comes, not kept.
func abuseEndlessLine(t *testing.T, addr string, good *goodClient) {
	r := dialRaw(t, addr, "220 ")
	before := totalAlloc()
	stop := make(chan struct{})
	done := goFlood(r.conn, strings.Repeat("x", 64<<10), stop, "\r\nQUIT\r\n")
	r.expect("500 5.5.2 Error: line too long")
	good.run()
	close(stop)
	if err := <-done; err != nil {
		t.Fatalf("streaming the line: %v", err)
	}
	r.expect("221 2.0.0 Bye")
	notBuffered(t, before)
	r.expectClosed()
}

// abuseEndlessData sends a body far over SIZE: 552 after the dot, and no
// more kept than SIZE.
func abuseEndlessData(t *testing.T, addr string, good *goodClient) {
	r := dialRaw(t, addr, "220 ")
	r.setup(abuserTx...)
	before := totalAlloc()
	stop := make(chan struct{})
	done := goFlood(r.conn, strings.Repeat("a body line, which will be far over SIZE\r\n", 1000), stop, ".\r\nQUIT\r\n")
	good.run()
	close(stop)
	if err := <-done; err != nil {
		t.Fatalf("streaming the body: %v", err)
	}
	r.expect("552 5.3.4 Error: message file too big", "221 2.0.0 Bye")
	notBuffered(t, before)
	r.expectClosed()
}

// abuseBudget streams a body far over the in-flight budget (but under
// SIZE), made of command lines: the well-behaved client's small message
// still gets through, the body is dropped as it comes, the dot gets 452
// 4.3.1, and not one body line is taken for a command.
func abuseBudget(t *testing.T, addr string, good *goodClient) {
	r := dialRaw(t, addr, "220 ")
	r.setup(abuserTx...)
	before := totalAlloc()
	stop := make(chan struct{})
	done := goFlood(r.conn, strings.Repeat("NOOP\r\nQUIT\r\n", 1000), stop, ".\r\nNOOP\r\nQUIT\r\n")
	good.run()
	close(stop)
	if err := <-done; err != nil {
		t.Fatalf("streaming the body: %v", err)
	}
	r.expect("452 4.3.1 Insufficient system storage", "250 2.0.0 Ok", "221 2.0.0 Bye")
	notBuffered(t, before)
	r.expectClosed()
}

const tooManyErrors = "421 4.7.0 sandbox.smtprepl.test Error: too many errors"

// abuseErrors pipelines 25 unknown commands: 20 answers, then 421.
func abuseErrors(t *testing.T, addr string, good *goodClient) {
	r := dialRaw(t, addr, "220 ")
	r.send(strings.Repeat("FOO\r\n", 25))
	good.run()
	want := make([]string, 20, 21)
	for i := range want {
		want[i] = "500 5.5.2 Error: command not recognized"
	}
	r.expect(append(want, tooManyErrors)...)
	r.expectClosed()
}

// abuseConnections opens one connection more than MaxConns allows, beside
// the well-behaved client: that one gets 421, the others carry on.
func abuseConnections(t *testing.T, addr string, good *goodClient) {
	var held []*rawClient
	for range 3 {
		held = append(held, dialRaw(t, addr, "220 "))
	}
	good.connect()
	extra := dialRaw(t, addr, "421 4.7.0 sandbox.smtprepl.test Error: too many connections")
	extra.expectClosed()
	good.run()
	for _, h := range held {
		h.send("NOOP\r\nQUIT\r\n")
		h.expect("250 2.0.0 Ok", "221 2.0.0 Bye")
	}
}

// abuseRecipients pipelines 5000 RCPTs: 1000 accepted, then 452s, of
// which the first 1000 do not count as errors (a big batch is not abuse)
// but the next 20 do, and the session ends.
func abuseRecipients(t *testing.T, addr string, good *goodClient) {
	r := dialRaw(t, addr, "220 ")
	r.setup("EHLO abuser.example", "MAIL FROM:<bob@example.test>")
	done := make(chan struct{})
	go func() { // the write fails once the server hangs up: no matter
		defer close(done)
		r.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(r.conn, strings.Repeat("RCPT TO:<alice@example.test>\r\n", 5000))
	}()
	good.run()
	var got []run
	for range 1000 + 1020 + 1 {
		got = addRun(got, r.reply())
	}
	want := []run{{"250 2.1.5 Ok", 1000}, {"452 4.5.3 Error: too many recipients", 1020}, {tooManyErrors, 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("replies (-want +got):\n%s", diff)
	}
	r.expectClosed()
	<-done
}

// run is a reply and how many times in a row it came.
type run struct {
	Line string
	N    int
}

func addRun(runs []run, line string) []run {
	if n := len(runs); n > 0 && runs[n-1].Line == line {
		runs[n-1].N++
		return runs
	}
	return append(runs, run{line, 1})
}

// abuseGarbage sends binary lines (NUL, invalid UTF-8, a TLS hello, CRs,
// an overlong one): each is refused with 500 5.5.2 until MaxErrors.
func abuseGarbage(t *testing.T, addr string, good *goodClient) {
	r := dialRaw(t, addr, "220 ")
	r.send(strings.Join(garbageLines(25), ""))
	good.run()
	var got []run
	for range 20 {
		line := r.reply()
		if strings.HasPrefix(line, "500 5.5.2 ") {
			line = "500 5.5.2 ..."
		}
		got = addRun(got, line)
	}
	got = addRun(got, r.reply())
	if diff := cmp.Diff([]run{{"500 5.5.2 ...", 20}, {tooManyErrors, 1}}, got); diff != "" {
		t.Errorf("replies (-want +got):\n%s", diff)
	}
	r.expectClosed()
}

// garbageLines makes n lines of garbage, the same every time.
func garbageLines(n int) []string {
	lines := []string{"\x00\r\n", "MAIL\x00FROM:<bob@example.test>\r\n", "\xff\xfe\xfd\xfc\r\n",
		"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n", "EHLO \x00\x01\x02\r\n", "\r\r\r\n",
		strings.Repeat("\x00\xff", 40<<10) + "\r\n"}
	x := uint64(1)
	for len(lines) < n {
		b := make([]byte, 1+len(lines)*7%200)
		for i := range b {
			x = x*6364136223846793005 + 1442695040888963407
			if b[i] = byte(x >> 56); b[i] == '\n' {
				b[i] = 0
			}
		}
		lines = append(lines, string(b)+"\r\n")
	}
	return lines
}

func timeoutCases() []abuseCase {
	short := func(c *Config) { c.IdleTimeout = 500 * time.Millisecond }
	return []abuseCase{
		{name: "body that never ends", cfg: short, abuse: func(t *testing.T, addr string, good *goodClient) {
			r := dialRaw(t, addr, "220 ")
			r.setup(abuserTx...)
			r.send("Subject: stalled\r\n\r\nhalf a li")
			good.run()
			r.expect(timedOut)
			r.expectClosed()
		}},
		{name: "slowloris command", cfg: short, abuse: slowloris("EHLO abuser.example", "NOOP ")},
		{name: "slowloris DATA", cfg: short, abuse: slowloris(abuserTx[0], abuserTx[1], abuserTx[2], abuserTx[3], "Subject: slow\r\n\r\n")},
		{name: "slowloris BDAT", cfg: func(c *Config) { short(c); c.MinDataRate = 1 << 30 },
			abuse: slowloris(abuserTx[0], abuserTx[1], abuserTx[2], "BDAT 100000 LAST\r\n")},
		{name: "never reads", cfg: short, abuse: abuseNeverReads},
	}
}

// slowloris sets up with all lines but the last, sends the last one
// unfinished, then drips one byte every 50 ms: every read stays well
// within IdleTimeout, so only a deadline on the whole line ends it.
func slowloris(lines ...string) func(*testing.T, string, *goodClient) {
	return func(t *testing.T, addr string, good *goodClient) {
		r := dialRaw(t, addr, "220 ")
		r.setup(lines[:len(lines)-1]...)
		r.send(lines[len(lines)-1])
		stop := make(chan struct{})
		done := make(chan error, 1)
		go func() { done <- drip(r.conn, 50*time.Millisecond, stop) }()
		good.run()
		r.expect(timedOut)
		close(stop)
		if err := <-done; err != nil {
			t.Error(err)
		}
		r.expectClosed()
	}
}

// abuseNeverReads pipelines EHLOs without end and never reads a reply:
// the server's writes must time out and the session end, which the
// client sees as its writes failing.
func abuseNeverReads(t *testing.T, addr string, good *goodClient) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.(*net.TCPConn).SetReadBuffer(4 << 10) // fill up sooner
	done := make(chan error, 1)
	go func() {
		_, err := flood(c, []byte(strings.Repeat("EHLO flood.example\r\n", 200)), 1<<30, 1<<30, nil)
		done <- err
	}()
	good.run()
	if err := <-done; !errors.Is(gone(err), errServerGone) || err == nil {
		t.Errorf("flooding: %v, want the server to hang up", err)
	}
}

// TestRecipientLimit: RCPTs over MaxRecipients get 452 and DATA still
// delivers to those accepted (RFC 5321 §4.5.3.1.10); only after as many
// again do the 452s count towards MaxErrors.
func TestRecipientLimit(t *testing.T) {
	const ok, full, data = "250 2.1.5 Ok", "452 4.5.3 Error: too many recipients", "354 End data with <CR><LF>.<CR><LF>"
	tests := []struct {
		name  string
		rcpts int
		want  []run // to the RCPTs and DATA, pipelined
	}{
		{"at the limit", 3, []run{{ok, 3}, {data, 1}}},
		{"over the limit", 5, []run{{ok, 3}, {full, 2}, {data, 1}}},
		{"overshoot used up", 8, []run{{ok, 3}, {full, 5}, {tooManyErrors, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, addr := testServer(t, func(c *Config) { fixedClock(c); c.MaxRecipients, c.MaxErrors = 3, 2 })
			r := dialRaw(t, addr, "220 ")
			r.setup("EHLO me.example", "MAIL FROM:<bob@example.test>")
			r.send(strings.Repeat("RCPT TO:<alice@example.test>\r\n", tt.rcpts) + "DATA\r\n")
			var got []run
			for _, w := range tt.want {
				for range w.N {
					got = addRun(got, r.reply())
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("replies (-want +got):\n%s", diff)
			}
			if tt.want[len(tt.want)-1].Line != data {
				r.expectClosed()
				return
			}
			r.send("hi\r\n.\r\n")
			r.expect("250 2.0.0 Ok: queued as Q1")
			if to := srv.Mailbox().List()[0].To; len(to) != 3 {
				t.Errorf("delivered to %d recipients, want 3", len(to))
			}
		})
	}
}

// TestLineDeadline follows line ends across reads: a line in progress
// must end within IdleTimeout of its first byte, a BDAT chunk by its own
// deadline; between lines only the idle timer runs.
func TestLineDeadline(t *testing.T) {
	const idle = time.Minute
	tests := []struct {
		name   string
		reads  []string
		chunk  bool // a BDAT chunk is being read
		inLine bool
	}{
		{"nothing read", nil, false, false},
		{"whole lines", []string{"NOOP\r\nNOOP\r\n"}, false, false},
		{"a line begun", []string{"NOOP\r\nNO"}, false, true},
		{"a line goes on", []string{"NO", "O", ""}, false, true},
		{"a line ends", []string{"NO", "OP\r\n"}, false, false},
		{"a BDAT chunk", []string{"binary"}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &session{cfg: &Config{IdleTimeout: idle}}
			var first time.Time
			for _, read := range tt.reads {
				s.noteLines([]byte(read))
				if first.IsZero() {
					first = s.lineStart
				}
			}
			later := time.Now().Add(30 * time.Second)
			want := later.Add(idle)
			switch {
			case tt.chunk:
				s.chunkDue = later.Add(time.Second)
				want = s.chunkDue
			case tt.inLine:
				want = first.Add(idle) // from the line's first byte
			}
			if got := s.readDeadline(later); !got.Equal(want) || s.lineStart.IsZero() == tt.inLine {
				t.Errorf("deadline %v after the reads (line begun %v), want %v", got.Sub(later), s.lineStart, want.Sub(later))
			}
		})
	}
}
