package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/smtprepl/smtprepl/proto/visible"
	"github.com/smtprepl/smtprepl/transcripts"
)

const mockUsage = `usage: smtprepl mock FILE [--listen ADDR] [--once] [--write-cert FILE] [--timeout DURATION]
Play the server's side of a transcript (or a swaks log) for a client under
test: the recorded greeting, then the recorded reply to each command.
Commands are matched by verb; other arguments are reported, not refused; an
unexpected verb is answered 503; any message body is accepted; STARTTLS
uses a certificate made at start. QUIT is always answered 221, so that a
client can leave cleanly, even after a deviation. Each connection replays
from the start, one at a time. Deviations go to stderr. With --once, exit after one session:
0 if the client followed the recording, 1 if it deviated.`

type mockFlags struct {
	listen, certOut string
	once            bool
	timeout         time.Duration
}

func runMock(ctx context.Context, e *env, args []string) (int, error) {
	var f mockFlags
	fs := newFlagSet("mock", e, mockUsage)
	fs.StringVar(&f.listen, "listen", "127.0.0.1:2525", "address to listen on")
	fs.BoolVar(&f.once, "once", false, "exit after one session: 0 if the client followed the recording, 1 if not")
	fs.StringVar(&f.certOut, "write-cert", "", "write the STARTTLS certificate (PEM) to FILE, for the client to trust")
	fs.DurationVar(&f.timeout, "timeout", 5*time.Minute, "how long to wait for the client at each step")
	pos, err := parseInterleaved(fs, args)
	switch {
	case err != nil:
		return exitUsage, err
	case len(pos) != 1:
		return exitUsage, usagef("mock needs one transcript, got %d argument(s)", len(pos))
	case f.timeout <= 0:
		return exitUsage, usagef("--timeout must be positive, got %s", f.timeout)
	}
	// The file is read again for each session, never held whole.
	path, done, err := rereadable(pos[0])
	if err != nil {
		return exitUsage, err
	}
	defer done()
	open := func() (transcripts.EntrySource, func(), error) {
		src, err := openTranscriptAs(path, pos[0])
		if err != nil {
			return nil, nil, err
		}
		return src, func() { src.Close() }, nil
	}
	// Every argument the mock logs is already escaped and bounded.
	m, err := transcripts.NewMockStream(open, transcripts.MockConfig{Timeout: f.timeout, Logf: func(format string, args ...any) {
		fmt.Fprintf(e.stderr, "mock: "+format+"\n", args...)
	}})
	if err != nil {
		return exitUsage, err
	}
	return serveMock(ctx, e, &f, m, pos[0])
}

func serveMock(ctx context.Context, e *env, f *mockFlags, m *transcripts.Mock, name string) (int, error) {
	// Listen first: a mock that cannot listen must not replace the
	// certificate a running mock's clients trust.
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return exitFailure, fmt.Errorf("mock cannot listen on %s: %w", f.listen, err)
	}
	defer ln.Close()
	if f.certOut != "" {
		if err := writeFileAtomic(f.certOut, m.CertPEM()); err != nil {
			return exitFailure, fmt.Errorf("--write-cert: %w", err)
		}
	}
	fmt.Fprintf(e.stdout, "smtprepl mock listening on %s, playing %s (%d steps). Ctrl-C stops it.\n", ln.Addr(), visible.Clip(name, 200), m.Steps())
	rep, err := m.Serve(ctx, ln, f.once)
	if err != nil || !f.once || ctx.Err() != nil {
		return exitOK, err
	}
	if len(rep.Deviations) == 0 {
		fmt.Fprintf(e.stdout, "mock: the client followed the recording (%d of %d steps, %d note(s))\n", rep.Steps, m.Steps(), len(rep.Notes))
		return exitOK, nil
	}
	fmt.Fprintf(e.stdout, "mock: the client deviated from the recording (%d of %d steps played):\n", rep.Steps, m.Steps())
	for _, d := range rep.Deviations {
		fmt.Fprintf(e.stdout, "  - %s\n", d)
	}
	if rep.Dropped > 0 {
		fmt.Fprintf(e.stdout, "  … and %d more deviation(s) or note(s), on stderr\n", rep.Dropped)
	}
	return exitReplies, nil
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it into place, so that a reader sees the old file or the new, never half.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, there is nothing to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
