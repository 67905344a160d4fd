package sandbox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/proto"
)

const (
	loadSessions = 200
	loadMessages = 3 // per session
)

// loadMsg is one message of the load test; every field names its session
// and number, so a message delivered to the wrong place shows.
type loadMsg struct {
	Helo string
	From string
	To   []string
	Data string // as stored: unstuffed, with NUL and 8-bit bytes
}

func loadMailboxes() []string {
	names := make([]string, loadSessions)
	for i := range names {
		names[i] = fmt.Sprintf("u%03d", i)
	}
	return names
}

// loadPlan is message j of session i. BDAT sessions (mode 2) also send a
// bare LF, which DATA would not keep as sent.
func loadPlan(i, j int) loadMsg {
	var b strings.Builder
	fmt.Fprintf(&b, "Subject: session %d message %d\r\n\r\n.leading dot %d/%d\r\n..two\r\n", i, j, i, j)
	for k := range (i*7 + j*3) % 40 {
		fmt.Fprintf(&b, "line %d of %d/%d: \x00\xe9\xff\r\n", k, i, j)
	}
	if i%3 == 2 {
		b.WriteString("bare\nLF\r\n")
	}
	fmt.Fprintf(&b, "end %d/%d\r\n", i, j)
	return loadMsg{
		Helo: fmt.Sprintf("client-%d.example", i),
		From: fmt.Sprintf("s%dm%d@client.example", i, j),
		To:   []string{fmt.Sprintf("u%03d@example.test", i), fmt.Sprintf("u%03d@example.test", (i+j+1)%loadSessions)},
		Data: b.String(),
	}
}

// loadStep is one line (or exact bytes) and the reply code it wants; a
// batch is sent, pipelined, up to a step that flushes.
type loadStep struct {
	send  string
	want  int
	flush bool
}

// loadSteps sends m one command at a time (mode 0), pipelined up to DATA
// (mode 1), or pipelined whole with BDAT (mode 2).
func loadSteps(m loadMsg, mode int) []loadStep {
	steps := []loadStep{{send: "MAIL FROM:<" + m.From + ">\r\n", want: 250}}
	for _, to := range m.To {
		steps = append(steps, loadStep{send: "RCPT TO:<" + to + ">\r\n", want: 250})
	}
	if mode == 2 {
		steps = append(steps, loadStep{send: fmt.Sprintf("BDAT %d LAST\r\n%s", len(m.Data), m.Data), want: 250})
	} else {
		steps = append(steps, loadStep{send: "DATA\r\n", want: 354},
			loadStep{send: string(proto.DotStuff([]byte(m.Data))), want: 250})
	}
	for k := range steps {
		last := k == len(steps)-1
		steps[k].flush = mode == 0 || last || mode == 1 && steps[k].send == "DATA\r\n"
	}
	return steps
}

// playSteps runs the steps and returns the last reply.
func playSteps(c *proto.Client, steps []loadStep) (*proto.Reply, error) {
	var last *proto.Reply
	for k, st := range steps {
		if err := c.QueueRaw([]byte(st.send)); err != nil {
			return nil, err
		}
		if !st.flush {
			continue
		}
		if err := c.Flush(); err != nil {
			return nil, err
		}
		for _, want := range steps[firstUnread(steps, k) : k+1] {
			r, err := c.ReadReply(context.Background())
			if err != nil {
				return nil, err
			}
			if last = r; r.Code != want.want {
				return r, fmt.Errorf("%.30q: %s", want.send, r)
			}
		}
	}
	return last, nil
}

// firstUnread is where the batch ending at step k began.
func firstUnread(steps []loadStep, k int) int {
	for k > 0 && !steps[k-1].flush {
		k--
	}
	return k
}

// queuedID reads the id from "250 2.0.0 Ok: [n bytes ]queued as ID".
func queuedID(r *proto.Reply) string {
	_, id, _ := strings.Cut(r.Raw[len(r.Raw)-1], "queued as ")
	return id
}

// loadSession plays session i once start closes, after its greeting (so
// that all sessions run at once), and returns the accepted messages by id.
func loadSession(addr string, i int, greeted *sync.WaitGroup, start <-chan struct{}) (map[string]loadMsg, error) {
	c, err := proto.Dial(context.Background(), addr, proto.Options{Timeout: 30 * time.Second})
	if err != nil {
		greeted.Done()
		return nil, err
	}
	defer c.Close()
	_, err = c.ReadReply(context.Background())
	greeted.Done()
	<-start
	if err != nil {
		return nil, err
	}
	if _, err := playSteps(c, []loadStep{{send: fmt.Sprintf("EHLO client-%d.example\r\n", i), want: 250, flush: true}}); err != nil {
		return nil, err
	}
	got := map[string]loadMsg{}
	for j := range loadMessages {
		m := loadPlan(i, j)
		r, err := playSteps(c, loadSteps(m, i%3))
		if err != nil {
			return nil, fmt.Errorf("session %d message %d: %w", i, j, err)
		}
		got[queuedID(r)] = m
	}
	_, err = playSteps(c, []loadStep{{send: "QUIT\r\n", want: 221, flush: true}})
	return got, err
}

func TestLoadConcurrentSessions(t *testing.T) {
	srv, addr := testServer(t, func(c *Config) { c.MaxConns, c.Mailboxes = loadSessions, loadMailboxes() })
	var greeted, done sync.WaitGroup
	greeted.Add(loadSessions)
	start := make(chan struct{})
	results := make([]map[string]loadMsg, loadSessions)
	errs := make([]error, loadSessions)
	for i := range loadSessions {
		done.Go(func() { results[i], errs[i] = loadSession(addr, i, &greeted, start) })
	}
	greeted.Wait()
	close(start)
	done.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	want := map[string]loadMsg{}
	for _, r := range results {
		for id, m := range r {
			if _, dup := want[id]; dup {
				t.Errorf("queue id %s given twice", id)
			}
			want[id] = m
		}
	}
	if len(want) != loadSessions*loadMessages {
		t.Errorf("%d messages accepted, want %d", len(want), loadSessions*loadMessages)
	}
	if diff := cmp.Diff(want, mailboxByID(srv)); diff != "" {
		t.Errorf("mailbox differs from what was accepted (-want +got):\n%s", diff)
	}
}

// mailboxByID is the mailbox as loadMsgs; an id stored twice shows as a
// key "ID (again)".
func mailboxByID(srv *Server) map[string]loadMsg {
	got := map[string]loadMsg{}
	for _, m := range srv.Mailbox().List() {
		key := m.ID
		if _, dup := got[key]; dup {
			key += " (again)"
		}
		got[key] = loadMsg{Helo: m.Helo, From: m.From, To: m.To, Data: string(m.Data)}
	}
	return got
}

// capacityClient sends one message of size bytes (at least 40) as client
// i and returns the reply that decided it: 250 with the id, or a refusal.
func capacityClient(addr string, i, size int) (loadMsg, *proto.Reply, error) {
	c, err := proto.Dial(context.Background(), addr, proto.Options{Timeout: 30 * time.Second})
	if err != nil {
		return loadMsg{}, nil, err
	}
	defer c.Close()
	head := fmt.Sprintf("Subject: %d\r\n\r\n", i)
	m := loadMsg{Helo: "cap.example", From: fmt.Sprintf("c%d@client.example", i), To: []string{"u000@example.test"},
		Data: head + strings.Repeat("x", size-len(head)-2) + "\r\n"}
	if _, err := c.ReadReply(context.Background()); err != nil {
		return m, nil, err
	}
	steps := append([]loadStep{{send: "EHLO cap.example\r\n", want: 250}}, loadSteps(m, 0)...)
	for k, st := range steps {
		r, err := playSteps(c, []loadStep{{send: st.send, want: st.want, flush: true}})
		switch {
		case r != nil && (k == len(steps)-1 || k == 1 && err != nil):
			return m, r, nil // accepted, or refused at MAIL or after the dot
		case err != nil:
			return m, r, err
		}
	}
	return m, nil, errors.New("no steps")
}

// TestLoadCapacity runs 100 concurrent clients into a small mailbox or
// small limits. A full mailbox drops its oldest messages, so all are
// accepted and the last ones kept; over the size limit, the mailbox or the
// in-flight budget, a message gets the limit's reply.
func TestLoadCapacity(t *testing.T) {
	tests := []struct {
		name    string
		cfg     func(*Config)
		size    func(i int) int
		want    int // messages accepted
		kept    int // of which the mailbox keeps
		refusal string
	}{
		{"mailbox messages", func(c *Config) { c.MailboxMessages = 37 }, func(int) int { return 100 }, 100, 37, ""},
		// Envelopes and HELO names count too: 45 or 46 bytes (c7@ or
		// c77@client.example, u000@example.test, cap.example).
		{"mailbox bytes", func(c *Config) { c.MailboxBytes = 41*246 + 100 }, func(int) int { return 200 }, 100, 41, ""},
		{"larger than the mailbox", func(c *Config) { c.MailboxBytes = 1000 }, func(i int) int { return 100 + i%2*1000 }, 50, 6,
			"452 4.3.1 Insufficient system storage"},
		{"message size", func(c *Config) { c.MaxSize = 1000 }, func(i int) int { return 100 + i%4*500 }, 50, 50,
			"552 5.3.4 Error: message file too big"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, addr := testServer(t, func(c *Config) {
				c.MaxConns, c.Mailboxes = 100, loadMailboxes()
				tt.cfg(c)
			})
			accepted, refusals := runCapacityClients(t, addr, tt.size)
			if len(accepted) != tt.want {
				t.Errorf("%d messages accepted, want %d", len(accepted), tt.want)
			}
			for _, r := range refusals {
				if r != tt.refusal {
					t.Errorf("refused with %q, want %q", r, tt.refusal)
				}
			}
			kept := mailboxByID(srv)
			if len(kept) != tt.kept {
				t.Errorf("the mailbox keeps %d messages, want %d", len(kept), tt.kept)
			}
			for id, m := range kept {
				if diff := cmp.Diff(accepted[id], m); diff != "" {
					t.Errorf("message %s differs from what was accepted (-want +got):\n%s", id, diff)
				}
			}
		})
	}
}

// runCapacityClients runs 100 clients at once; it returns the accepted
// messages by id and the refusals' first lines.
func runCapacityClients(t *testing.T, addr string, size func(int) int) (map[string]loadMsg, []string) {
	const n = 100
	var wg sync.WaitGroup
	msgs, replies, errs := make([]loadMsg, n), make([]*proto.Reply, n), make([]error, n)
	for i := range n {
		wg.Go(func() { msgs[i], replies[i], errs[i] = capacityClient(addr, i, size(i)) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	accepted, refusals := map[string]loadMsg{}, []string{}
	for i, r := range replies {
		if r.Code == 250 {
			accepted[queuedID(r)] = msgs[i]
		} else {
			refusals = append(refusals, r.Raw[0])
		}
	}
	return accepted, refusals
}

// TestCloseUnderLoad closes the server under 200 sessions doing all sorts
// of things: Close must end them all, promptly, and leave no goroutine.
func TestCloseUnderLoad(t *testing.T) {
	before := runtime.NumGoroutine()
	srv, err := New(Config{MaxConns: loadSessions})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var ready, flowing, done sync.WaitGroup
	ready.Add(loadSessions)
	flowing.Add(loadSessions)
	start := make(chan struct{})
	errs := make([]error, loadSessions)
	for i := range loadSessions {
		done.Go(func() { errs[i] = busyClient(addr.String(), i, busyness{&ready, start, &flowing}) })
	}
	ready.Wait() // all sessions are in, then all get busy at once
	close(start)
	flowing.Wait()
	closeWithin(t, srv, 10*time.Second)
	done.Wait()
	for i, err := range errs {
		if !errors.Is(err, errServerGone) {
			t.Errorf("client %d: %v, want the server gone", i, err)
		}
	}
	waitGoroutines(t, before)
}

// closeWithin closes srv and fails if that takes longer than d.
func closeWithin(t *testing.T, srv *Server, d time.Duration) {
	t.Helper()
	closed := make(chan error, 1)
	go func() { closed <- srv.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(d):
		t.Fatalf("Close has not returned after %s", d)
	}
}

var errServerGone = errors.New("the server closed the connection")

// busyness paces busyClient: ready once its session is in, then busy at
// start, flowing once that is under way.
type busyness struct {
	ready   *sync.WaitGroup
	start   <-chan struct{}
	flowing *sync.WaitGroup
}

// busyClient keeps session i busy in one of four ways until the server
// closes it: idle, in the middle of a command line, sending a DATA body
// without end, or pipelining 2000 NOOPs.
func busyClient(addr string, i int, b busyness) error {
	ready, flowing := sync.OnceFunc(b.ready.Done), sync.OnceFunc(b.flowing.Done)
	defer ready()
	defer flowing()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	br := bufio.NewReader(c)
	c.SetDeadline(time.Now().Add(20 * time.Second)) // ends everything if Close does not
	if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, "220 ") {
		return fmt.Errorf("greeting %q: %v", line, err)
	}
	openers := []string{"", "EHLO busy.example\r\nMAIL FROM:<bob@ex", "EHLO busy.example\r\nMAIL FROM:<bob@example.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n", ""}
	if _, err := io.WriteString(c, openers[i%4]); err != nil {
		return err
	}
	ready()
	<-b.start
	switch i % 4 {
	case 2:
		return keepWriting(c, "a line of a body that never ends\r\n", flowing)
	case 3: // a pipelined batch, read all the while
		if _, err := io.WriteString(c, strings.Repeat("NOOP\r\n", 2000)); err != nil {
			return gone(err)
		}
	}
	flowing()
	_, err = io.Copy(io.Discard, br)
	return gone(err)
}

// keepWriting writes s over and over until the write fails: at most 1e6
// times, and within the connection's deadline. flowing is called once
// 8 KiB are out.
func keepWriting(c net.Conn, s string, flowing func()) error {
	chunk := []byte(strings.Repeat(s, 4096/len(s)))
	for n := range 1_000_000 {
		if n == 2 {
			flowing()
		}
		if _, err := c.Write(chunk); err != nil {
			return gone(err)
		}
	}
	return errors.New("a million writes and the server still reads")
}

// gone says whether err means the server closed the connection: EOF
// (nil from io.Copy), a reset, a broken pipe; not a deadline.
func gone(err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("connection still open: %w", err)
	}
	return errServerGone
}

// BenchmarkConcurrentSessions runs whole sessions (EHLO, one message,
// QUIT) from 8 clients per CPU at once, on loopback. B/op counts both
// sides, and the messages kept in the mailbox.
func BenchmarkConcurrentSessions(b *testing.B) {
	srv, addr := testServer(b, func(c *Config) {
		c.MailboxMessages, c.MailboxBytes, c.MaxConns = 1<<30, 1<<40, 1<<20
	})
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := oneSession(addr); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sessions/s")
	if srv.Mailbox().Len() != b.N {
		b.Errorf("mailbox holds %d messages, want %d", srv.Mailbox().Len(), b.N)
	}
}

func oneSession(addr string) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	return playDialogue(c)
}

// TestHeapBoundedWhileDropping sends fifty times as many messages as the
// mailbox keeps, from four sessions at once, and reads the live heap
// after a collection every so often: the dropped messages must be freed,
// so the heap stays within what the limits allow, whatever went through.
func TestHeapBoundedWhileDropping(t *testing.T) {
	const (
		sessions = 4
		keep     = 100
		keepB    = 1 << 20
		perSess  = 50 * keep / sessions
		size     = 2000 // bytes of data per message
	)
	srv, addr := testServer(t, func(c *Config) { c.MailboxMessages, c.MailboxBytes = keep, keepB })
	// What the limits allow: the mailbox's bytes, a Message of bookkeeping
	// for each one kept, and twice over for the array a full mailbox
	// moves along (dropOldest); each session's buffers on both sides, live
	// while it runs (the server's 32 KiB reader, 16 KiB writer and 64 KiB
	// body chunk, the client's 64 KiB writer and its reader); and 2 MiB
	// for the runtime and the test's own goroutines. Without the drops,
	// the 10 MB sent would all be live.
	bound := uint64(keepB + 2*keep*1024 + sessions*180<<10 + 2<<20)
	base := liveHeap()
	var peak uint64
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, sessions)
	for i := range sessions {
		wg.Go(func() {
			errs[i] = sendMany(addr, i, perSess, size, func(n int) {
				if n%(perSess/5) == 0 {
					h := liveHeap()
					mu.Lock()
					peak = max(peak, h)
					mu.Unlock()
				}
			})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	peak = max(peak, liveHeap())
	grew := peak - min(base, peak)
	t.Logf("%d messages of %d bytes through a mailbox of %d messages / %d KiB: live heap grew by %d KiB at most (bound %d KiB)",
		sessions*perSess, size, keep, keepB>>10, grew>>10, bound>>10)
	if got := srv.Mailbox().Len() + srv.Mailbox().Dropped(); got != sessions*perSess {
		t.Errorf("%d messages stored or dropped, want %d", got, sessions*perSess)
	}
	if grew > bound {
		t.Errorf("live heap grew by %d KiB, want at most %d KiB", grew>>10, bound>>10)
	}
}

// liveHeap is the heap in use after collections: two, since what a
// sync.Pool holds survives the first.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// sendMany sends n messages of size bytes on one session, each pipelined
// whole with BDAT, and calls after(k) once k have been accepted.
func sendMany(addr string, i, n, size int, after func(int)) error {
	c, err := proto.Dial(context.Background(), addr, proto.Options{Timeout: 30 * time.Second})
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.ReadReply(context.Background()); err != nil {
		return err
	}
	if _, err := playSteps(c, []loadStep{{send: "EHLO heap.example\r\n", want: 250, flush: true}}); err != nil {
		return err
	}
	head := fmt.Sprintf("Subject: session %d\r\n\r\n", i)
	m := loadMsg{From: "bob@example.test", To: []string{"alice@example.test"},
		Data: head + strings.Repeat("y", size-len(head)-2) + "\r\n"}
	steps := loadSteps(m, 2)
	for k := 1; k <= n; k++ {
		if _, err := playSteps(c, steps); err != nil {
			return fmt.Errorf("session %d message %d: %w", i, k, err)
		}
		after(k)
	}
	return nil
}

// BenchmarkMailboxFull delivers into a full mailbox of the default size,
// so every delivery drops the oldest message: the steady state of a
// sandbox that a class has filled.
func BenchmarkMailboxFull(b *testing.B) {
	cfg := DefaultConfig()
	m := NewMailbox(cfg.MailboxMessages, cfg.MailboxBytes)
	msg := Message{ID: "X", From: "bob@example.test", To: []string{"alice@example.test"}, Data: make([]byte, 1000)}
	for range cfg.MailboxMessages {
		m.deliver(msg)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := m.deliver(msg); err != nil {
			b.Fatal(err)
		}
	}
}
