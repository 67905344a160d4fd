package repl

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/repl/internal/repltest"
	"github.com/smtprepl/smtprepl/transcripts"
)

// The script transcripts in testdata/script are txtar archives: the
// comment says what the case shows, "flags" may say "pipeline",
// "lmtp" (--lmtp against the LMTP sandbox), "lmtp-server" (the LMTP
// sandbox without --lmtp) and "short-timeout" (300 ms instead of 3 s),
// "quit-after=STAGE" or "drop-after=STAGE" (a stop-point), "secret:
// VALUE" (the password :auth is given), "scram-nonce: NONCE" (SCRAM's
// client nonce), "xclient NAME=VALUE,..." (--xclient), "server"
// (when present) is a scripted server's replies in order, else the
// practice server answers; "input" is the script. The rest is what must
// come out: "output" (stdout, ports masked), "received" (every line the
// server received, read on the wire by a proxy) and "result".
// go test ./repl -run TestScriptTranscripts -update rewrites them.
func TestScriptTranscripts(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "script", "*.txtar"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no script transcripts: %v", err)
	}
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			a := transcripts.ParseTxtar(data)
			got := playScriptCase(t, a)
			checkCase(t, path, a, got, []string{"flags", "server", "input"}, []string{"output", "received", "result"})
		})
	}
}

func section(a *transcripts.Archive, name string) string {
	for _, f := range a.Files {
		if f.Name == name {
			return string(f.Data)
		}
	}
	return ""
}

// checkCase compares the sections a case produced (got) with the
// archive's, or with -update rewrites the archive: its comment and the
// sections it gives (given), then those produced.
func checkCase(t *testing.T, path string, a *transcripts.Archive, got map[string]string, given, produced []string) {
	t.Helper()
	if *update {
		out := &transcripts.Archive{Comment: a.Comment}
		for _, f := range a.Files {
			if slices.Contains(given, f.Name) {
				out.Files = append(out.Files, f)
			}
		}
		for _, name := range produced {
			out.Files = append(out.Files, transcripts.File{Name: name, Data: []byte(got[name])})
		}
		if err := os.WriteFile(path, transcripts.FormatTxtar(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	for _, name := range produced {
		if diff := cmp.Diff(section(a, name), got[name]); diff != "" {
			t.Errorf("%s: %s differs (-want +got):\n%s", path, name, diff)
		}
	}
}

var portRE = regexp.MustCompile(`127\.0\.0\.1:\d+`)

// playScriptCase runs the case's script through a recording proxy to its
// server and returns the sections that must match.
func playScriptCase(t *testing.T, a *transcripts.Archive) map[string]string {
	t.Helper()
	var target string
	flags := section(a, "flags")
	srv := startSandbox(t)
	lmtp := slices.Contains(strings.Fields(flags), "lmtp")
	if lmtp || slices.Contains(strings.Fields(flags), "lmtp-server") {
		srv = repltest.StartLMTPSandbox(t)
	}
	if replies := section(a, "server"); replies != "" {
		target = startScriptedServer(t, replies)
	} else {
		target = srv.Addr().String()
	}
	proxy, received := startRecordingProxy(t, target)
	cfg := Config{Addr: proxy, Timeout: 3 * time.Second, Pipeline: strings.Contains(flags, "pipeline"), LMTP: lmtp}
	if strings.Contains(flags, "short-timeout") {
		cfg.Timeout = 300 * time.Millisecond
	}
	for _, f := range strings.Fields(flags) {
		name, value, _ := strings.Cut(f, "=")
		if name == "quit-after" || name == "drop-after" {
			stage, err := ParseStage(value)
			if err != nil {
				t.Fatal(err)
			}
			cfg.StopAfter, cfg.DropAfter = stage, name == "drop-after"
		}
	}
	for line := range strings.Lines(flags) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "secret: "); ok {
			cfg.AuthSecret = NewSecret(v, "the case's flags")
		}
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "scram-nonce: "); ok {
			cfg.SCRAMNonce = v
		}
	}
	cfg.XClient = xclientFlag(t, flags)
	var out, errOut bytes.Buffer
	s := NewScriptSession(cfg, &out, &errOut)
	ctx := context.Background()
	err := s.Start(ctx)
	if err == nil {
		err = s.RunScript(ctx, strings.NewReader(section(a, "input")))
	}
	s.Close()
	result := fmt.Sprintf("failed: %v\n", s.Failed())
	if err != nil {
		result += fmt.Sprintf("error: %T: %v\n", err, err)
	}
	if section(a, "server") == "" {
		result += fmt.Sprintf("messages stored: %d\n", srv.Mailbox().Len())
	}
	return map[string]string{
		"output":   portRE.ReplaceAllString(out.String(), "127.0.0.1:PORT"),
		"received": received(),
		"result":   portRE.ReplaceAllString(result, "127.0.0.1:PORT"),
	}
}

// xclientFlag reads a flags line "xclient NAME=VALUE,...", as --xclient
// takes them.
func xclientFlag(t *testing.T, flags string) []proto.XClientAttr {
	for _, line := range strings.Split(flags, "\n") {
		if spec, ok := strings.CutPrefix(line, "xclient "); ok {
			attrs, err := proto.ParseXClientAttrs(strings.Split(spec, ","))
			if err != nil {
				t.Fatal(err)
			}
			return attrs
		}
	}
	return nil
}

// startRecordingProxy forwards one connection to target and keeps what
// the client sent; received waits for the connection to end and returns
// it, one line per line received.
func startRecordingProxy(t *testing.T, target string) (addr string, received func() string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var buf bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		up, err := net.Dial("tcp", target)
		if err != nil {
			return
		}
		defer up.Close()
		go func() { io.Copy(c, up); c.Close() }()
		io.Copy(io.MultiWriter(up, &buf), c)
	}()
	return ln.Addr().String(), func() string {
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("the proxied connection did not end")
			return ""
		}
		return strings.ReplaceAll(buf.String(), "\r\n", "\n")
	}
}

// startScriptedServer plays replies in order: the first is the greeting,
// then one per line received. A reply is its lines up to one whose code is
// followed by a space. After a 354 the server reads message text up to
// the lone "." before its next reply. With no reply left it answers 502;
// "close" hangs up instead of replying, "hang" stops answering.
func startScriptedServer(t *testing.T, script string) string {
	t.Helper()
	replies := splitReplies(script)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		serveScripted(c, replies)
	}()
	return ln.Addr().String()
}

func serveScripted(c net.Conn, replies []string) {
	br := bufio.NewReader(c)
	for i := 0; ; i++ {
		reply := "502 5.5.2 the scripted server has no reply left\r\n"
		if i < len(replies) {
			reply = replies[i]
		}
		if reply == "close\r\n" {
			return
		}
		if reply == "hang\r\n" {
			io.Copy(io.Discard, br) // until the client gives up
			return
		}
		if _, err := io.WriteString(c, reply); err != nil {
			return
		}
		if strings.HasPrefix(reply, "221") {
			return
		}
		if strings.HasPrefix(reply, "354") {
			if !skipToDot(br) {
				return
			}
			continue
		}
		if _, err := br.ReadString('\n'); err != nil {
			return
		}
	}
}

func skipToDot(br *bufio.Reader) bool {
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return false
		}
		if line == ".\r\n" {
			return true
		}
	}
}

func splitReplies(script string) []string {
	var replies []string
	var cur strings.Builder
	for _, line := range strings.Split(strings.TrimRight(script, "\n"), "\n") {
		cur.WriteString(line + "\r\n")
		if len(line) < 4 || line[3] != '-' {
			replies = append(replies, cur.String())
			cur.Reset()
		}
	}
	return replies
}
