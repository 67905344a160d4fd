package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
)

// The test binary runs smtprepl itself when told to, so that a test can
// measure one command's peak memory from outside, as the OS counts it.
func init() {
	if os.Getenv("SMTPREPL_TEST_MAIN") == "1" {
		code := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
		if hwm, err := os.ReadFile("/proc/self/status"); err == nil {
			// The Go heap's size too, which the race detector's shadow
			// memory does not swell.
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			hwm = fmt.Appendf(hwm, "HeapSys:\t%d kB\n", ms.HeapSys>>10)
			os.WriteFile(os.Getenv("SMTPREPL_TEST_STATUS"), hwm, 0o600)
		}
		os.Exit(code)
	}
}

// A hostile file is a transcript a stranger wrote. Each case says what
// diff (or replay) must do with it: the exit code, one sentence or report
// line naming the problem, and at most maxOut bytes of output whatever
// the file's size.
type hostileFile struct {
	name    string
	files   [2]string // A and B; B "" compares A with itself
	args    []string  // extra flags
	exit    int
	phrase  string // in stderr when exit is 64, else in stdout
	maxOut  int
	command string // "diff" unless said
	fileA   string // the first file's name, when it matters
}

func hostileFiles() []hostileFile {
	const mib = 1 << 20
	head := "S: 220 x\nC: NOOP\n"
	tail := "C: QUIT\nS: 221 bye\n"
	reply := func(r string) string { return head + r + "\n" + tail }
	return []hostileFile{
		{name: "a 56 MiB line in no notation", files: [2]string{strings.Repeat("X", 56*mib) + "\n"},
			exit: exitUsage, phrase: "line 1: unknown line prefix", maxOut: 1024},
		{name: "16 MiB reply lines that differ at the end", files: [2]string{
			reply("S: 250 " + strings.Repeat("z", 16*mib)), reply("S: 250 " + strings.Repeat("z", 16*mib-1) + "y")},
			args: []string{"--exact"}, exit: exitReplies, phrase: "first differ at byte 16777220", maxOut: 4096},
		{name: "a 16 MB S= line of escaped NULs", files: [2]string{
			reply(`S= "` + strings.Repeat(`\x00`, 4*mib) + `"`), reply("S: 250 ok")},
			args: []string{"--exact"}, exit: exitReplies, phrase: "(4194304 bytes in all)", maxOut: 8192},
		{name: "a 16 MiB command line", files: [2]string{
			"S: 220 x\nC: NOOP " + strings.Repeat("n", 16*mib) + "\nS: 250 ok\n", "S: 220 x\nC: NOOP\nS: 250 ok\n"},
			exit: exitReplies, phrase: "command: first differ at byte 5", maxOut: 4096},
		{name: "a carriage return inside a 20 MiB line", files: [2]string{"S: 220 " + strings.Repeat("r\r", 10*mib) + "\n"},
			exit: exitUsage, phrase: "line 1: carriage return inside a line", maxOut: 2048},
		{name: "bad quoting in a long S= line", files: [2]string{`S= "` + strings.Repeat(`\q`, 4*mib) + "\n"},
			exit: exitUsage, phrase: "line 1: bad quoting", maxOut: 1024},
		{name: "terminal escapes in a reply", files: [2]string{
			reply("S: 250 \x1b]52;c;cHduZWQ=\a\x1b[2J\u202eevil\u0085"), reply("S: 250 ok")},
			args: []string{"--exact"}, exit: exitReplies, phrase: `\x1b]52;c;cHduZWQ=\a\x1b[2J\u202eevil\u0085`, maxOut: 2048},
		{name: "terminal escapes in a command", files: [2]string{
			"S: 220 x\nC: NOOP \x1b]8;;http://evil.test\a\x9b\nS: 250 ok\n", "S: 220 x\nC: NOOP\nS: 250 ok\n"},
			exit: exitReplies, phrase: `NOOP \x1b]8;;http://evil.test\a\x9b`, maxOut: 2048},
		{name: "terminal escapes in a line in no notation", files: [2]string{"#\n\x1b]0;pwned\a\x1b[?1049h\n"},
			exit: exitUsage, phrase: `line 2: unknown line prefix (want C:, S:, C=, S=, C~, ===, # or ...): "\x1b]0;pwned\a\x1b[?1049h"`, maxOut: 512},
		{name: "a 1 MiB C~ pattern", files: [2]string{"S: 220 x\nC~ NOOP " + strings.Repeat("(a|b)*", mib/6) + "\nS: 250 ok\n"},
			exit: exitUsage, phrase: "line 2: a C~ pattern is longer than 4096 bytes", maxOut: 1024},
		{name: "a C~ pattern with terminal escapes", files: [2]string{"S: 220 x\nC~ NOOP \x1b]0;pwned\a\nS: 250 ok\n"},
			exit: exitUsage, phrase: `line 2: a C~ pattern holds control characters`, maxOut: 1024},
		{name: "a reply of 100000 lines", files: [2]string{
			reply(strings.Repeat("S: 250-x\n", 100000) + "S: 250 end"), reply("S: 250 ok")},
			exit: exitReplies, phrase: "… (100001 lines in all)", maxOut: 4096},
		{name: "replies of a million lines that differ past the lines kept", files: [2]string{
			reply(strings.Repeat("S: 250-x\n", 1000000) + "S: 250 end"), reply(strings.Repeat("S: 250-x\n", 999999) + "S: 250-y\nS: 250 end")},
			args: []string{"--exact"}, exit: exitReplies, phrase: "lines 10001 to 1000001: some differ", maxOut: 4096},
		{name: "20000 steps that all differ", files: [2]string{
			"S: 220 x\n" + strings.Repeat("C: NOOP\nS: 250 ok\n", 20000), "S: 220 x\n" + strings.Repeat("C: NOOP\nS: 550 no\n", 20000)},
			exit: exitReplies, phrase: "and 19000 more differing steps, not shown", maxOut: 256 << 10},
		{name: "a swaks log with a 16 MiB line", files: [2]string{
			"<-  220 x\n -> NOOP\n<-  250 " + strings.Repeat("s", 16*mib) + "\n", "S: 220 x\nC: NOOP\nS: 250 ok\n"},
			args: []string{"--exact"}, exit: exitReplies, phrase: "first differ at byte 5", maxOut: 4096},
		{name: "terminal escapes in a command, replayed with -v", command: "replay", args: []string{"-v"},
			files: [2]string{"S: 220 x\nC: NOOP \x1b]0;pwned\a\n# \x1b[2J\u202e\nS: 250 2.0.0 ok\nC: QUIT\nS: 221 2.0.0 bye\n"},
			exit:  exitOK, phrase: "C= \"NOOP \\x1b]0;pwned\\a\\r\\n\"", maxOut: 2048},
		{name: "terminal escapes in a file name", fileA: "evil\x1b]0;pwned\a.txt", files: [2]string{"X\n", "S: 220 x\n"},
			exit: exitUsage, phrase: `evil\x1b]0;pwned\x07.txt: line 1`, maxOut: 512},
		{name: "a long secret name with escapes, replayed", command: "replay",
			files: [2]string{"S: 220 x\nC: AUTH PLAIN <redacted: \x1b[2J" + strings.Repeat("n", mib) + ">\nS: 235 ok\n"},
			exit:  exitUsage, phrase: `the recording needs the secret "\x1b[2Jnnn`, maxOut: 2048},
		{name: "a million lines of preamble before a swaks log", files: [2]string{
			strings.Repeat("  > dump\n", 1000000) + " -> NOOP\n"},
			exit: exitUsage, phrase: "line 1: unknown line prefix", maxOut: 512},
	}
}

func TestHostileFiles(t *testing.T) {
	dir := t.TempDir()
	for i, tc := range hostileFiles() {
		t.Run(tc.name, func(t *testing.T) {
			var paths []string
			for j, content := range tc.files {
				if content == "" {
					paths = append(paths, paths[0])
					continue
				}
				p := filepath.Join(dir, fmt.Sprintf("%d-%d.txt", i, j))
				if j == 0 && tc.fileA != "" {
					p = filepath.Join(dir, tc.fileA)
				}
				if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
				paths = append(paths, p)
			}
			args := append([]string{"diff"}, paths...)
			if tc.command == "replay" {
				args = []string{"replay", paths[0], "--against", "sandbox"}
			}
			var stdout, stderr bytes.Buffer
			code := run(append(args, tc.args...), strings.NewReader(""), &stdout, &stderr)
			checkHostileOutput(t, tc, code, stdout.String(), stderr.String())
		})
	}
}

// checkHostileOutput holds the promises: the exit code, the output's
// bound, the phrase, one sentence on stderr, and no byte a terminal acts on.
func checkHostileOutput(t *testing.T, tc hostileFile, code int, stdout, stderr string) {
	t.Helper()
	if code != tc.exit {
		t.Errorf("exit %d, want %d\nstderr: %s\nstdout:\n%s", code, tc.exit, tail(stderr, 2000), tail(stdout, 2000))
	}
	if n := len(stdout) + len(stderr); n > tc.maxOut {
		t.Errorf("%d bytes of output, want at most %d", n, tc.maxOut)
	}
	where := stdout
	if tc.exit == exitUsage {
		where = stderr
		if strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("stderr = %q, want one sentence", tail(stderr, 2000))
		}
	}
	if !strings.Contains(where, tc.phrase) {
		t.Errorf("output lacks %q:\nstdout: %s\nstderr: %s", tc.phrase, tail(stdout, 2000), tail(stderr, 2000))
	}
	for _, out := range []string{stdout, stderr} {
		if i := terminalControl(out); i >= 0 {
			t.Errorf("raw control at byte %d: %q", i, out[max(0, i-20):min(len(out), i+20)])
		}
	}
}

// terminalControl finds a byte or rune a terminal could act on, other than
// the newline that ends a line of the report.
func terminalControl(s string) int {
	for i, r := range s {
		switch {
		case r == '\n':
		case r == utf8.RuneError, r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return i
		}
	}
	return -1
}

// TestMillionLinesMemory runs diff, and replay against the practice
// server, on transcripts of a million lines in a child process, and asks
// the OS for its peak resident memory (VmHWM; the rusage of a child
// started with vfork counts the parent's memory too): files are read as
// streams, so memory is bounded by their longest exchange.
func TestMillionLinesMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes files of 20 MB")
	}
	one, err := os.ReadFile(testdata + "rfc5321-d1-typical.txt")
	if err != nil {
		t.Fatal(err)
	}
	// Pipelined batches of a thousand NOOPs: a million lines in 500 round trips.
	batch := strings.Repeat("C: NOOP\n", 1000) + strings.Repeat("S: 250 2.0.0 Ok\n", 1000)
	dir := t.TempDir()
	tests := []struct {
		name, file, want string
		command          []string
	}{
		{"diff", string(bytes.Repeat(one, 1000000/bytes.Count(one, []byte("\n"))+1)), "steps match", []string{"diff", "FILE", "FILE"}},
		{"replay", "S: 220 x\nC: EHLO me\nS: 250 x\n" + strings.Repeat(batch, 500), "1 of 500002 steps differ", []string{"replay", "FILE", "--against", "sandbox"}},
		{"commands never answered", strings.Repeat("C: NOOP\n", 1000000), "all 1000000 steps match", []string{"diff", "FILE", "FILE"}},
		{"replies nobody asked for", strings.Repeat("S: 250 ok\n", 1000000), "all 1000000 steps match", []string{"diff", "FILE", "FILE"}},
		{"one reply of a million lines", strings.Repeat("S: 250-x\n", 1000000) + "S: 250 x\n", "all 1 steps match", []string{"diff", "--exact", "FILE", "FILE"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".txt")
			if err := os.WriteFile(path, []byte(tc.file), 0o600); err != nil {
				t.Fatal(err)
			}
			var args []string
			for _, a := range tc.command {
				args = append(args, strings.ReplaceAll(a, "FILE", path))
			}
			status := filepath.Join(dir, tc.name+".status")
			cmd := exec.Command(os.Args[0], args...)
			cmd.Env = append(os.Environ(), "SMTPREPL_TEST_MAIN=1", "SMTPREPL_TEST_STATUS="+status)
			out, _ := cmd.CombinedOutput()
			if !strings.Contains(string(out), tc.want) {
				t.Fatalf("%s said %q, want %q", tc.name, tail(string(out), 500), tc.want)
			}
			peak := peakMiB(t, status)
			t.Logf("%s of %d lines: peak resident memory %d MiB", tc.name, strings.Count(tc.file, "\n"), peak)
			// The race detector's shadow memory counts in what the OS
			// reports; holding a million entries would still pass 250.
			limit := 100
			if raceDetector {
				limit = 160
			}
			if peak > limit {
				t.Errorf("peak resident memory %d MiB, want at most %d", peak, limit)
			}
		})
	}
}

// TestLongLineMemory runs diff --exact in a child process on two
// transcripts each holding one 16 MiB reply written as 64 MB of escaped
// NULs, differing at the end: memory grows with the longest line, a small
// factor of it. Each file's line is kept in the pieces it was read in,
// never joined, and unquoted once at its exact size; the two replies are
// compared as bytes, never quoted again whole. (Before: 401 to 442 MiB.)
func TestLongLineMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes files of 128 MB")
	}
	const n = 16 << 20
	dir := t.TempDir()
	head := "S: 220 x\nC: NOOP\nS= \"250 "
	files := []string{
		head + strings.Repeat(`\x00`, n) + `\r\n"` + "\n",
		head + strings.Repeat(`\x00`, n-1) + `\x01\r\n"` + "\n",
	}
	args := []string{"diff", "--exact"}
	for i, f := range files {
		p := filepath.Join(dir, fmt.Sprintf("%d.txt", i))
		if err := os.WriteFile(p, []byte(f), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	status := filepath.Join(dir, "status")
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "SMTPREPL_TEST_MAIN=1", "SMTPREPL_TEST_STATUS="+status)
	out, _ := cmd.CombinedOutput()
	peak, what := peakMiB(t, status), "peak resident memory"
	if raceDetector {
		// Its shadow memory grows with the heap, several times over.
		peak, what = statusMiB(t, status, "HeapSys:"), "Go heap obtained from the OS"
	}
	t.Logf("two 64 MB lines of escaped NULs (16 MiB each unquoted): %s %d MiB", what, peak)
	if peak > 256 {
		t.Errorf("%s %d MiB, want at most 256", what, peak)
	}
	// Where they differ is counted in the reply's bytes, as for S: lines.
	if want := "first differ at byte 16777220"; !strings.Contains(string(out), want) || len(out) > 4096 {
		t.Errorf("diff said %q (%d bytes), want %q in at most 4 KiB", tail(string(out), 300), len(out), want)
	}
}

// peakMiB reads VmHWM from a copy of /proc/PID/status.
func peakMiB(t *testing.T, status string) int {
	t.Helper()
	return statusMiB(t, status, "VmHWM:")
}

// statusMiB reads the line key ("VmHWM:") of a copy of /proc/PID/status.
func statusMiB(t *testing.T, status, key string) int {
	t.Helper()
	b, err := os.ReadFile(status)
	if err != nil {
		t.Skipf("no /proc/self/status from the child: %v", err)
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, key); ok {
			var kib int
			fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kib)
			return kib >> 10
		}
	}
	t.Fatalf("no %s in %s", key, b)
	return 0
}

// A recording made under TLS, replayed against a server that refuses
// STARTTLS today (or a man in the middle that strips it): the replay stops
// before AUTH, says QUIT, and exits 2, and the secret never goes out.
func TestReplayNeverSendsRecordedTLSSecretsInClear(t *testing.T) {
	const secret = "AHN0dWRlbnQAc2VjcmV0"
	head := "S: 220 evil.test ESMTP\nC: EHLO me\nS: 250-evil.test\nS: 250 STARTTLS\nC: STARTTLS\nS: 220 go ahead\n" +
		"=== TLS established: TLSv1.3 TLS_AES_128_GCM_SHA256\nC: EHLO me\nS: 250-evil.test\nS: 250 AUTH PLAIN\n"
	tail := "S: 235 2.7.0 ok\nC: QUIT\nS: 221 bye\n"
	tests := []struct {
		name, recording string
		args            []string
	}{
		{"redacted AUTH PLAIN", head + "C: AUTH PLAIN <redacted: AUTH PLAIN credentials>\n" + tail,
			[]string{"--secret", "AUTH PLAIN credentials=" + secret}},
		{"AUTH PLAIN written out in the file", head + "C: AUTH PLAIN " + secret + "\n" + tail, nil},
		{"AUTH LOGIN, pipelined with the EHLO", strings.Replace(head, "C: EHLO me\nS: 250-evil.test\nS: 250 AUTH PLAIN\n",
			"C: EHLO me\nC: AUTH LOGIN\nS: 250-evil.test\nS: 250 AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: c3R1ZGVudA==\nS: 334 UGFzc3dvcmQ6\nC: "+secret+"\n", 1) + tail, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "tls.txt")
			os.WriteFile(path, []byte(tc.recording), 0o600)
			got := make(chan string, 1)
			addr := serveOnce(t, func(c net.Conn, stop <-chan struct{}) {
				var heard strings.Builder
				defer func() { got <- heard.String() }()
				br := bufio.NewReader(c)
				c.SetDeadline(time.Now().Add(5 * time.Second))
				io.WriteString(c, "220 evil.test ESMTP\r\n")
				for {
					line, err := br.ReadString('\n')
					heard.WriteString(line)
					switch verb, _, _ := strings.Cut(strings.TrimSpace(line), " "); {
					case err != nil:
						return
					case verb == "EHLO":
						io.WriteString(c, "250-evil.test\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS\r\n")
					case verb == "STARTTLS":
						io.WriteString(c, "454 4.7.0 TLS not available due to local problem\r\n")
					case verb == "QUIT":
						io.WriteString(c, "221 bye\r\n")
						return
					default:
						io.WriteString(c, "235 2.7.0 thank you\r\n")
					}
				}
			})
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"replay", path, "--against", addr}, tc.args...), strings.NewReader(""), &stdout, &stderr)
			heard := <-got
			if strings.Contains(heard, "AUTH") || strings.Contains(heard, secret) || !strings.HasSuffix(heard, "QUIT\r\n") {
				t.Errorf("the server heard %q; want no AUTH, no secret, and a QUIT at the end", heard)
			}
			msg := strings.TrimSpace(stderr.String())
			if code != exitFailure || strings.Contains(msg, "\n") || !strings.Contains(msg, "no secret was sent in clear") ||
				!strings.Contains(msg, `STARTTLS was answered "454 4.7.0 TLS not available due to local problem"`) {
				t.Errorf("exit %d, stderr %q; want exit 2 and one sentence saying the secret was kept", code, msg)
			}
		})
	}
}

// TestReplayFromAPipe: replay reads its file more than once, so a pipe,
// which gives its text once, is copied first; a file naming more secrets
// than a session has is refused before anything is asked or sent.
func TestReplayFromAPipe(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		io.WriteString(f, "S: 220 x\nC: NOOP\nS: 250 2.0.0 ok\nC: QUIT\nS: 221 2.0.0 bye\n")
		f.Close()
	}()
	code, out, errOut := runCmd(t, "", "replay", fifo, "--against", "sandbox")
	if code != exitOK || !strings.Contains(out, "replay: all 3 steps match") {
		t.Errorf("exit %d, want 0 and all 3 steps matched\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	many := filepath.Join(t.TempDir(), "many.txt")
	var b strings.Builder
	b.WriteString("S: 220 x\n")
	for i := range 1000 {
		fmt.Fprintf(&b, "C: AUTH PLAIN <redacted: secret %d>\nS: 535 no\n", i)
	}
	os.WriteFile(many, []byte(b.String()), 0o600)
	code, _, errOut = runCmd(t, "", "replay", many, "--against", "sandbox")
	if code != exitUsage || !strings.Contains(errOut, "needs more than 16 different secrets") {
		t.Errorf("exit %d, stderr %q; want 64 and a sentence about too many secrets", code, errOut)
	}
}

// TestMockEscapes: what mock prints of its file and of its client is
// escaped, and a QUIT after a deviation still gets its 221.
func TestMockEscapes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.txt")
	os.WriteFile(path, []byte("S: 220 x\nC: EHLO \x1b]0;file\a\nS: 250 ok\nC: MAIL FROM:<>\nS: 250 ok\nC: QUIT\nS: 221 bye\n"), 0o600)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var stdout, stderr bytes.Buffer
	exit := make(chan int, 1)
	go func() {
		exit <- run([]string{"mock", path, "--once", "--listen", addr, "--timeout", "5s"}, strings.NewReader(""), &stdout, &stderr)
	}()
	var conn net.Conn
	for deadline := time.Now().Add(5 * time.Second); conn == nil && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		conn, _ = net.Dial("tcp", addr)
	}
	if conn == nil {
		t.Fatal("mock did not listen")
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(conn)
	var heard []string
	for _, line := range []string{"", "HELO \x1b[2J\x9b\u202e", "QUIT"} {
		if line != "" {
			io.WriteString(conn, line+"\r\n")
		}
		reply, _ := br.ReadString('\n')
		heard = append(heard, reply)
	}
	code := <-exit
	want := []string{"220 x\r\n", "503 5.5.1 Error: expected EHLO (recorded: EHLO \\x1b]0;file\\x07)\r\n", "221 2.0.0 Bye\r\n"}
	if strings.Join(heard, "") != strings.Join(want, "") {
		t.Errorf("the client heard %q, want %q", heard, want)
	}
	out := stdout.String() + stderr.String()
	if code != exitReplies || !strings.Contains(out, `got "HELO \x1b[2J\x9b\u202e"`) {
		t.Errorf("exit %d, want 1 and the client's line escaped:\n%s", code, out)
	}
	if i := terminalControl(out); i >= 0 {
		t.Errorf("raw control at byte %d: %q", i, out[max(0, i-20):min(len(out), i+20)])
	}
}
