package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/smtprepl/smtprepl/proto/visible"
	"github.com/smtprepl/smtprepl/transcripts"
)

const mockUsage = `usage: smtprepl mock FILE [--listen ADDR] [--once] [--tls] [--write-cert FILE] [--strict]
                     [--user NAME (--user-password-env VAR | --user-password-file FILE)]
                     [--save DIR] [--json FILE] [--timeout DURATION]
Play the server's side of a transcript (or a swaks log) for a client under
test: the recorded greeting, then the recorded reply to each command.
Commands are matched by verb; other arguments are notes, and with --strict
(or when the transcript holds C~ patterns) deviations; an unexpected verb
is answered 503. STARTTLS, and --tls (TLS from the first byte, as on port
465), use a certificate made at start. QUIT is always answered 221. The
nth connection plays the transcript's nth session ("=== connected to" after
the dialogue starts one); more connections than sessions get 421.
--user checks AUTH itself (PLAIN, LOGIN, CRAM-MD5 with a fresh challenge):
wrong credentials get 535 5.7.8. --save writes each message accepted as
.eml with its envelope as .json; --json writes the session report.
Exit status: with --once, after one session, 0 if the client followed the
recording and 1 if it deviated; without it, when stopped (Ctrl-C,
SIGTERM), 0 if every session followed and 1 if one deviated or a recorded
session got no connection; 2 listen or write error; 64 usage error.`

type mockFlags struct {
	listen, certOut, saveDir, jsonOut string
	user, passEnv, passFile           string
	once, strict, tls                 bool
	timeout                           time.Duration
}

func parseMockFlags(e *env, args []string) (*mockFlags, []string, error) {
	f := &mockFlags{}
	fs := newFlagSet("mock", e, mockUsage)
	fs.StringVar(&f.listen, "listen", "127.0.0.1:2525", "address to listen on")
	fs.BoolVar(&f.once, "once", false, "exit after one session: 0 if the client followed the recording, 1 if not")
	fs.BoolVar(&f.tls, "tls", false, "TLS from the first byte (implicit TLS, port 465)")
	fs.StringVar(&f.certOut, "write-cert", "", "write the TLS certificate (PEM) to FILE, for the client to trust")
	fs.BoolVar(&f.strict, "strict", false, "every difference from the recording is a deviation")
	fs.StringVar(&f.user, "user", "", "NAME: check AUTH against this user (the secret from --user-password-env or --user-password-file)")
	fs.StringVar(&f.passEnv, "user-password-env", "", "VAR: take --user's secret from this environment variable")
	fs.StringVar(&f.passFile, "user-password-file", "", "FILE: take --user's secret from this file (its first line)")
	fs.StringVar(&f.saveDir, "save", "", "DIR: write each message accepted as .eml, its envelope as .json")
	fs.StringVar(&f.jsonOut, "json", "", "FILE: write the session report as JSON")
	fs.DurationVar(&f.timeout, "timeout", 5*time.Minute, "how long to wait for the client at each step")
	pos, err := parseInterleaved(fs, args)
	switch {
	case err != nil:
		return nil, nil, err
	case len(pos) != 1:
		return nil, nil, usagef("mock needs one transcript, got %d argument(s)", len(pos))
	case f.timeout <= 0:
		return nil, nil, usagef("--timeout must be positive, got %s", f.timeout)
	}
	return f, pos, nil
}

func runMock(ctx context.Context, e *env, args []string) (int, error) {
	f, pos, err := parseMockFlags(e, args)
	if err != nil {
		return exitUsage, err
	}
	user, err := f.mockUser(e)
	if err != nil {
		return exitUsage, err
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
	rec := &mockRecord{e: e, dir: f.saveDir}
	// Every argument the mock logs is already escaped and bounded.
	m, err := transcripts.NewMockStream(open, transcripts.MockConfig{Timeout: f.timeout, Strict: f.strict,
		User: user, ImplicitTLS: f.tls, OnMessage: rec.message,
		Logf: func(format string, args ...any) { fmt.Fprintf(e.stderr, "mock: "+format+"\n", args...) }})
	if err != nil {
		return exitUsage, err
	}
	if f.saveDir != "" {
		if err := os.MkdirAll(f.saveDir, 0o755); err != nil {
			return exitFailure, fmt.Errorf("--save: %w", err)
		}
	}
	return serveMock(ctx, e, f, m, pos[0], rec)
}

// mockUser is --user with its secret, from the environment or a file; a
// secret on the command line is accepted with a warning, since ps and
// the shell's history show it.
func (f *mockFlags) mockUser(e *env) (*transcripts.MockUser, error) {
	if f.user == "" {
		if f.passEnv != "" || f.passFile != "" {
			return nil, usagef("--user-password-env and --user-password-file need --user NAME")
		}
		return nil, nil
	}
	name, secret, inline := strings.Cut(f.user, ":")
	sources := btoi(inline) + btoi(f.passEnv != "") + btoi(f.passFile != "")
	switch {
	case name == "":
		return nil, usagef("--user needs a user name")
	case sources == 0:
		return nil, usagef("--user %s needs its secret: --user-password-env VAR or --user-password-file FILE", visible.Clip(name, 100))
	case sources > 1:
		return nil, usagef("--user takes its secret from one place: NAME:SECRET, --user-password-env or --user-password-file")
	case inline:
		fmt.Fprintln(e.stderr, "mock: warning: a secret in --user NAME:SECRET shows in ps and in the shell's history; use --user-password-env or --user-password-file")
	case f.passEnv != "":
		if secret = e.getenv(f.passEnv); secret == "" {
			return nil, usagef("--user-password-env: $%s is empty or not set", visible.Clip(f.passEnv, 100))
		}
	default:
		b, err := os.ReadFile(f.passFile)
		if err != nil {
			return nil, usagef("--user-password-file: %v", err)
		}
		secret, _, _ = strings.Cut(string(b), "\n")
		if secret = strings.TrimSuffix(secret, "\r"); secret == "" {
			return nil, usagef("--user-password-file: %s holds no secret on its first line", visible.Clip(f.passFile, 200))
		}
	}
	return &transcripts.MockUser{Name: name, Secret: secret}, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func serveMock(ctx context.Context, e *env, f *mockFlags, m *transcripts.Mock, name string, rec *mockRecord) (int, error) {
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
	tlsNote := ""
	if f.tls {
		tlsNote = ", TLS from the first byte"
	}
	fmt.Fprintf(e.stdout, "smtprepl mock listening on %s, playing %s (%d steps, %d session(s)%s). Ctrl-C stops it.\n",
		ln.Addr(), visible.Clip(name, 200), m.Steps(), m.Sessions(), tlsNote)
	reps, err := m.Serve(ctx, ln, f.once)
	if err != nil {
		return exitFailure, err
	}
	var sum mockSummary
	if f.once {
		sum = summariseOnce(e.stdout, m, reps)
	} else {
		sum = summarise(e.stdout, m, reps)
	}
	if f.jsonOut != "" {
		if err := writeMockJSON(f.jsonOut, name, m, reps, rec, sum); err != nil {
			return exitFailure, fmt.Errorf("--json: %w", err)
		}
	}
	if rec.failed != nil {
		return exitFailure, fmt.Errorf("--save: %w", rec.failed)
	}
	if sum.failed() {
		return exitReplies, nil
	}
	return exitOK, nil
}

// mockSummary is how the sessions went, as the exit status sees it.
type mockSummary struct {
	deviated int // connections that deviated
	unplayed int // recorded sessions no connection came for
}

func (s mockSummary) failed() bool { return s.deviated > 0 || s.unplayed > 0 }

// summariseOnce reports the one session of --once.
func summariseOnce(w io.Writer, m *transcripts.Mock, reps []transcripts.MockReport) mockSummary {
	if len(reps) == 0 {
		return mockSummary{} // stopped before anyone came
	}
	rep := reps[0]
	if len(rep.Deviations) == 0 {
		fmt.Fprintf(w, "mock: the client followed the recording (%d of %d steps, %d note(s))\n", rep.Steps, m.SessionSteps(rep.Session), len(rep.Notes))
		return mockSummary{}
	}
	fmt.Fprintf(w, "mock: the client deviated from the recording (%d of %d steps played):\n", rep.Steps, m.SessionSteps(rep.Session))
	listDeviations(w, rep, "  ")
	return mockSummary{deviated: 1}
}

// summarise reports every connection of a mock that was stopped, and the
// recorded sessions no connection came for.
func summarise(w io.Writer, m *transcripts.Mock, reps []transcripts.MockReport) mockSummary {
	var sum mockSummary
	for _, rep := range reps {
		if len(rep.Deviations) > 0 {
			sum.deviated++
		}
	}
	played := 0
	for _, rep := range reps {
		played = max(played, rep.Session)
	}
	sum.unplayed = max(0, m.Sessions()-played)
	fmt.Fprintf(w, "mock: stopped after %d connection(s) for %d recorded session(s): %d followed, %d deviated\n",
		len(reps), m.Sessions(), len(reps)-sum.deviated, sum.deviated)
	for _, rep := range reps {
		if len(rep.Deviations) == 0 {
			fmt.Fprintf(w, "  connection %d: followed the recording (%d of %d steps, %d note(s))\n", rep.Session, rep.Steps, m.SessionSteps(rep.Session), len(rep.Notes))
			continue
		}
		fmt.Fprintf(w, "  connection %d: deviated (%d of %d steps played):\n", rep.Session, rep.Steps, m.SessionSteps(rep.Session))
		listDeviations(w, rep, "    ")
	}
	if sum.unplayed > 0 {
		fmt.Fprintf(w, "mock: %d recorded session(s) got no connection (sessions %d to %d): a client that should have come back (a retry?) did not\n",
			sum.unplayed, played+1, m.Sessions())
	}
	return sum
}

func listDeviations(w io.Writer, rep transcripts.MockReport, indent string) {
	for _, d := range rep.Deviations {
		fmt.Fprintf(w, "%s- %s\n", indent, d)
	}
	if rep.Dropped > 0 {
		fmt.Fprintf(w, "%s… and %d more deviation(s) or note(s), on stderr\n", indent, rep.Dropped)
	}
}
