//go:build linux

package sandbox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// The attack of issue 11: every connection the sandbox allows parks about
// 9.5 MiB of a DATA body that has not ended, then more knock at the door,
// then the parked ones end their messages and send more, through the
// mailbox. The sandbox must stay within memRSSLimit resident all along.
const (
	memClients  = 100              // DefaultConfig's MaxConns
	memExtra    = 20               // connections over the limit
	memPark     = 19 << 19         // 9.5 MiB parked per client
	memMore     = 5 << 19          // 2.5 MiB more per client, in a whole message
	memRSSLimit = 256 << 20        // peak resident set of the sandbox process
	memDeadline = 60 * time.Second // every connection of the test
)

// memLine is a body line of the attack: RFC 5321's longest.
var memLine = []byte(strings.Repeat(strings.Repeat("x", 998)+"\r\n", 64))

// TestMemoryUnderAttack runs the real "smtprepl sandbox", built without
// the race detector whatever this test is built with, reads the attack's
// replies, and asks the OS for the process's peak resident memory.
func TestMemoryUnderAttack(t *testing.T) {
	bin := buildSmtprepl(t)
	sb := startSandboxProcess(t, bin)
	replies, err := memAttack(sb.addr)
	peak := sb.stop(t)
	t.Logf("sandbox peak RSS %d MiB under %d clients × %.1f MiB parked, then %.1f MiB more each",
		peak>>20, memClients, float64(memPark)/(1<<20), float64(memMore)/(1<<20))
	if err != nil {
		t.Fatal(err)
	}
	for reply, n := range replies {
		t.Logf("%4d × %s", n, reply)
	}
	if peak > memRSSLimit {
		t.Errorf("peak RSS %d MiB, want at most %d MiB", peak>>20, memRSSLimit>>20)
	}
	checkAttackReplies(t, replies)
}

// TestMemoryUnderEnvelopeAttack: the login is public and may relay, so
// every connection the sandbox allows authenticates and parks a
// transaction of memRcpts recipients on 60 KB lines, 6 MB of envelope each.
func TestMemoryUnderEnvelopeAttack(t *testing.T) {
	sb := startSandboxProcess(t, buildSmtprepl(t))
	replies, conns, err := envelopeAttack(sb.addr)
	peak := sb.stop(t)
	for _, c := range conns {
		if c != nil {
			c.conn.Close()
		}
	}
	t.Logf("sandbox peak RSS %d MiB under %d clients × %d recipients of 60 KB", peak>>20, memClients, memRcpts)
	for reply, n := range replies {
		t.Logf("%5d × %s", n, reply)
	}
	if err != nil {
		t.Fatal(err)
	}
	if peak > memRSSLimit {
		t.Errorf("peak RSS %d MiB, want at most %d MiB", peak>>20, memRSSLimit>>20)
	}
	if replies["250 2.1.5 Ok"]+replies[noStorageReply] < memClients*min(memRcpts, 20) {
		t.Errorf("too few recipients answered: %v", replies)
	}
}

// envelopeAttack runs relay on every connection the sandbox allows, at
// once, and counts the replies; the connections stay open.
func envelopeAttack(addr string) (map[string]int, []*attacker, error) {
	replies := map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, memClients)
	conns := make([]*attacker, memClients)
	for i := range memClients {
		wg.Go(func() {
			got, err := relay(addr, &conns[i])
			mu.Lock()
			defer mu.Unlock()
			for _, r := range got {
				replies[r]++
			}
			errs[i] = err
		})
	}
	wg.Wait()
	return replies, conns, errors.Join(errs...)
}

const memRcpts = 100

// relay authenticates, opens a transaction and sends memRcpts long
// recipients, pipelined; it returns the replies to them. The session may
// end on too many refusals, which the client sees as its writes failing.
func relay(addr string, keep **attacker) ([]string, error) {
	a, greeting, err := dialAttacker(addr)
	if err != nil {
		return nil, err
	}
	*keep = a
	open := "EHLO relay.example\r\nAUTH PLAIN AHN0dWRlbnQAc2VjcmV0\r\nMAIL FROM:<bob@example.test>\r\n"
	if _, err := a.conn.Write([]byte(open)); err != nil {
		return nil, err
	}
	var got []string
	for range 3 {
		r, err := a.reply()
		if err != nil || !strings.HasPrefix(r, "2") {
			return got, fmt.Errorf("after %q: %q, %v", greeting, r, err)
		}
	}
	go a.conn.Write([]byte(strings.Repeat("RCPT TO:<"+strings.Repeat("x", 60000)+"@far.example>\r\n", memRcpts)))
	for range memRcpts {
		r, err := a.reply()
		if err != nil {
			break // hung up after too many refusals
		}
		got = append(got, r)
	}
	return got, nil
}

// checkAttackReplies: over the limit, 421; after a message, 250 or the
// 452 of a full budget; and after either, the session is still in step.
func checkAttackReplies(t *testing.T, replies map[string]int) {
	t.Helper()
	if n := replies[tooManyConns]; n != memExtra {
		t.Errorf("%d of %d connections over the limit got %q", n, memExtra, tooManyConns)
	}
	if n := replies["250 2.0.0 Ok: queued"] + replies[noStorageReply]; n != 2*memClients {
		t.Errorf("%d messages answered 250 or 452, want %d", n, 2*memClients)
	}
	if n := replies["221 2.0.0 Bye"]; n != memClients {
		t.Errorf("%d sessions said Bye, want %d: not in step", n, memClients)
	}
}

const (
	tooManyConns   = "421 4.7.0 sandbox.smtprepl.test Error: too many connections"
	noStorageReply = "452 4.3.1 Insufficient system storage"
)

// buildSmtprepl builds cmd/smtprepl into the test's directory.
func buildSmtprepl(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "smtprepl")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/smtprepl/smtprepl/cmd/smtprepl").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

type sandboxProcess struct {
	cmd    *exec.Cmd
	addr   string
	stderr strings.Builder
}

var listeningOn = regexp.MustCompile(`listening on (\S+) `)

func startSandboxProcess(t *testing.T, bin string) *sandboxProcess {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*memDeadline)
	t.Cleanup(cancel)
	sb := &sandboxProcess{cmd: exec.CommandContext(ctx, bin, "sandbox", "--listen", "127.0.0.1:0")}
	sb.cmd.Stderr = &sb.stderr
	out, err := sb.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.cmd.Process.Kill(); sb.cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	m := listeningOn.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("sandbox printed %q (%v), want its address; stderr:\n%s", line, err, sb.stderr.String())
	}
	sb.addr = m[1]
	return sb
}

// stop reads the sandbox's peak RSS, then interrupts it as Ctrl-C would.
// The peak is the kernel's VmHWM of the running process: the ru_maxrss of
// wait4 would not do, since it also counts the parent's memory, which the
// child shares between fork and exec.
func (sb *sandboxProcess) stop(t *testing.T) int64 {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", sb.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	var kib int64
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			fmt.Sscanf(v, "%d kB", &kib)
		}
	}
	if kib == 0 {
		t.Fatalf("no VmHWM in /proc/%d/status:\n%s", sb.cmd.Process.Pid, status)
	}
	if err := sb.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := sb.cmd.Wait(); err != nil {
		t.Fatalf("sandbox: %v; stderr:\n%s", err, sb.stderr.String())
	}
	return kib << 10
}

// memAttack plays the attack and counts the replies that decided each
// step (texts cut after "queued", whose ids differ).
func memAttack(addr string) (map[string]int, error) {
	clients := make([]*attacker, memClients)
	errs := make([]error, memClients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() { clients[i], errs[i] = park(addr) })
	}
	wg.Wait()
	defer func() {
		for _, c := range clients {
			if c != nil {
				c.conn.Close()
			}
		}
	}()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("parking: %w", err)
	}
	replies := map[string]int{}
	if err := knock(addr, replies); err != nil {
		return nil, err
	}
	got := make([][]string, memClients)
	for i, c := range clients {
		wg.Go(func() { got[i], errs[i] = c.finish() })
	}
	wg.Wait()
	for _, g := range got {
		for _, r := range g {
			r, _, _ = strings.Cut(r, " as ")
			replies[r]++
		}
	}
	return replies, errors.Join(errs...)
}

// attacker is one connection of the attack.
type attacker struct {
	conn net.Conn
	br   *bufio.Reader
}

func dialAttacker(addr string) (*attacker, string, error) {
	c, err := net.DialTimeout("tcp", addr, memDeadline)
	if err != nil {
		return nil, "", err
	}
	c.SetDeadline(time.Now().Add(memDeadline))
	a := &attacker{conn: c, br: bufio.NewReader(c)}
	greeting, err := a.reply()
	return a, greeting, err
}

// reply reads one reply and returns its last line.
func (a *attacker) reply() (string, error) {
	for range 100 {
		line, err := a.br.ReadString('\n')
		if err != nil {
			return "", fmt.Errorf("reading a reply: %w after %q", err, line)
		}
		if line = strings.TrimSuffix(line, "\r\n"); len(line) < 4 || line[3] != '-' {
			return line, nil
		}
	}
	return "", errors.New("a reply of more than 100 lines")
}

// transaction opens one, pipelined, and returns the replies; DATA's 354
// comes last.
func (a *attacker) transaction(ehlo bool) ([]string, error) {
	cmds := "MAIL FROM:<bob@example.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n"
	n := 3
	if ehlo {
		cmds, n = "EHLO attacker.example\r\n"+cmds, 4
	}
	if _, err := a.conn.Write([]byte(cmds)); err != nil {
		return nil, err
	}
	var got []string
	for range n {
		r, err := a.reply()
		if err != nil {
			return got, err
		}
		got = append(got, r)
	}
	if !strings.HasPrefix(got[n-1], "354 ") {
		return got, fmt.Errorf("opening a transaction: %q", got)
	}
	return got, nil
}

// park opens a transaction and sends memPark bytes of body, no end.
func park(addr string) (*attacker, error) {
	a, greeting, err := dialAttacker(addr)
	if err == nil && !strings.HasPrefix(greeting, "220 ") {
		err = fmt.Errorf("greeting %q", greeting)
	}
	if err == nil {
		_, err = a.transaction(true)
	}
	if err == nil {
		_, err = flood(a.conn, memLine, 0, memPark, nil)
	}
	return a, err
}

// knock opens memExtra connections more, each of which must be refused.
func knock(addr string, replies map[string]int) error {
	for range memExtra {
		a, greeting, err := dialAttacker(addr)
		if err != nil {
			return fmt.Errorf("over the limit: %w", err)
		}
		a.conn.Close()
		replies[greeting]++
	}
	return nil
}

// finish ends the parked message, sends memMore bytes more as a second
// one, and quits; it returns the replies to both messages and QUIT.
func (a *attacker) finish() ([]string, error) {
	var got []string
	step := func(send []byte) error {
		if _, err := a.conn.Write(send); err != nil {
			return err
		}
		r, err := a.reply()
		got = append(got, r)
		return err
	}
	if err := step([]byte(".\r\n")); err != nil {
		return got, err
	}
	if _, err := a.transaction(false); err != nil {
		return got, err
	}
	if _, err := flood(a.conn, memLine, 0, memMore, nil); err != nil {
		return got, err
	}
	if err := step([]byte(".\r\n")); err != nil {
		return got, err
	}
	return got, step([]byte("QUIT\r\n"))
}
