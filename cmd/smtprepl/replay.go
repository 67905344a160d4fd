package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/sandbox"
	"github.com/smtprepl/smtprepl/proto/visible"
	"github.com/smtprepl/smtprepl/repl"
	"github.com/smtprepl/smtprepl/repl/term"
	"github.com/smtprepl/smtprepl/transcripts"
)

const replayUsage = `usage: smtprepl replay FILE [--against HOST:PORT] [--secret NAME=VALUE] [--exact] [--keep NAME] [--ignore ASPECT|NAME=REGEXP] [--list-rules] [-v] [connection flags]
Send the client side of a transcript (or a swaks or smtplib log) to a server, read the
replies and show where they differ from the recorded ones. Without
--against (or with --against sandbox), the practice server is started on
127.0.0.1, which is said on stderr; in CI (CI set, stdin not a terminal) a
missing --against is a usage error.
Exit status: 0 every reply matched, 1 some differed, 2 connection, TLS,
timeout or protocol error (also: the recording sent AUTH under TLS and this
connection is not encrypted; replay then says QUIT and stops before AUTH),
64 usage error (also: a secret the recording needs was not given and stdin
is not a terminal).
A redacted secret "<redacted: NAME>" is taken from --secret NAME=VALUE, else
from $SMTPREPL_SECRET_<NAME upper-cased, other characters as _> (e.g.
SMTPREPL_SECRET_AUTH_PLAIN_CREDENTIALS), else asked for on the terminal.
VALUE is sent as it is: the wire form, base64 for AUTH. A recording with a
wrong and then a right login takes --secret twice for the same NAME: the
values are used in order, the last for any use beyond them.`

type replayFlags struct {
	connFlags
	ruleFlags
	against   string
	secrets   listFlag
	verbose   bool
	junit     string
	json      string
	jsonLines bool
}

func parseReplayFlags(e *env, args []string) (*replayFlags, []string, error) {
	f := &replayFlags{}
	fs := newFlagSet("replay", e, replayUsage)
	f.connFlags.register(fs)
	f.ruleFlags.register(fs)
	fs.StringVar(&f.against, "against", "", "the server to replay against (default: the practice server, started on 127.0.0.1)")
	fs.Var(&f.secrets, "secret", "NAME=VALUE: send VALUE for <redacted: NAME>; repeated for one NAME, the values go in order (a wrong, then a right login), the last one for any later use")
	fs.BoolVar(&f.verbose, "v", false, "print the replayed session as a transcript first")
	fs.BoolVar(&f.jsonLines, "jsonl", false, "with -v: print the replayed session as JSON Lines (the schema of --json in a session)")
	fs.StringVar(&f.junit, "junit", "", "also write a JUnit XML report to FILE, one test case per transcript")
	fs.StringVar(&f.json, "json", "", "also write a JSON report to FILE: each transcript's differences")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return nil, nil, err
	}
	if err := f.validate(); err != nil {
		return nil, nil, err
	}
	return f, pos, nil
}

func runReplay(ctx context.Context, e *env, args []string) (int, error) {
	f, pos, err := parseReplayFlags(e, args)
	if err != nil {
		return exitUsage, err
	}
	rules, err := f.rules()
	switch {
	case err != nil:
		return exitUsage, err
	case f.list:
		return exitOK, transcripts.FormatRules(e.stdout, rules)
	case len(pos) == 0:
		return exitUsage, usagef("replay needs a transcript, several, or a directory of them")
	}
	if f.starttls {
		// The upgrade is asked for: the TLS it brings is no difference.
		rules.Ignore = append(rules.Ignore, "tls")
	}
	files, err := transcriptFiles(pos)
	if err != nil {
		return exitUsage, err
	}
	if err := f.fallback(e); err != nil {
		return exitUsage, err
	}
	addr, tlsOpts, stop, err := f.server()
	if err != nil {
		return exitUsage, err
	}
	defer stop()
	if len(files) == 1 && f.junit == "" && f.json == "" {
		res := replayOne(ctx, e, f, files[0], addr, tlsOpts, rules)
		return res.exit, res.err
	}
	return replaySuite(ctx, e, f, files, addr, tlsOpts, rules)
}

// replayOne replays one file against addr and prints its report.
func replayOne(ctx context.Context, e *env, f *replayFlags, file, addr string, tlsOpts proto.TLSOptions, rules transcripts.Rules) replayResult {
	res := replayResult{file: file}
	path, done, err := rereadable(file)
	if err != nil {
		return res.failed(exitUsage, err)
	}
	defer done()
	sv, err := surveyFile(path, file)
	if err != nil {
		return res.failed(exitUsage, err)
	}
	if sv.Pattern != 0 {
		return res.failed(exitUsage, usagef("%s", strings.TrimPrefix(sv.PatternError().Error(), "transcripts: ")))
	}
	secret, err := resolveSecrets(e, sv.Redactions, f.secrets)
	if err != nil {
		return res.failed(exitUsage, err)
	}
	fmt.Fprintf(f.reportTo(e), "replay: %d steps of %s against %s\n", sv.Steps, visible.Clip(file, 200), addr)
	res.exit, res.err = dialReplay(ctx, e, f, addr, tlsOpts, path, sv, transcripts.ReplayOptions{Secret: secret, StartTLS: f.starttls}, rules, &res)
	return res
}

func dialReplay(ctx context.Context, e *env, f *replayFlags, addr string, tlsOpts proto.TLSOptions,
	path string, sv transcripts.Survey, opts transcripts.ReplayOptions, rules transcripts.Rules, res *replayResult) (int, error) {
	c, err := proto.Dial(ctx, addr, proto.Options{Timeout: f.timeout, ImplicitTLS: f.tls, TLS: tlsOpts})
	if err != nil {
		return exitFailure, replayError(err)
	}
	defer c.Close()
	return replay(ctx, e, f, path, sv, c, opts, rules, res)
}

// surveyFile reads the recording once for what the replay must know
// first; a file that is not a transcript is found here, and named as shown.
func surveyFile(path, shown string) (transcripts.Survey, error) {
	src, err := openTranscriptAs(path, shown)
	if err != nil {
		return transcripts.Survey{}, err
	}
	defer src.Close()
	return transcripts.SurveyStream(src)
}

// replay replays the file and compares what came back with it as it
// goes, reading the file twice in step, so that neither the recording nor
// the replayed session is ever held whole; then it prints the outcome.
func replay(ctx context.Context, e *env, f *replayFlags, path string, sv transcripts.Survey,
	c *proto.Client, opts transcripts.ReplayOptions, rules transcripts.Rules, res *replayResult) (int, error) {
	play, err := openTranscript(path)
	if err != nil {
		return exitUsage, err
	}
	defer play.Close()
	want, err := openTranscript(path)
	if err != nil {
		return exitUsage, err
	}
	defer want.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	got, done := make(chan transcripts.Entry, 64), make(chan error, 1)
	var lines *transcripts.Recorder
	if f.verbose && f.jsonLines {
		lines = transcripts.NewJSONRecorder(e.stdout, nil)
	}
	go func() {
		defer close(got)
		done <- transcripts.ReplayStream(ctx, c, play, sv, opts, func(en transcripts.Entry) {
			switch {
			case lines != nil:
				feedJSON(lines, en)
			case f.verbose:
				io.WriteString(e.stdout, en.Shown()+"\n")
			}
			got <- en
		})
		if lines != nil {
			lines.Close()
		}
	}()
	var r diffReport
	st, cmpErr := transcripts.CompareStream(want, chanSource(got), rules, r.add)
	if cmpErr != nil {
		cancel() // the file failed under us: the replay has no point
	}
	for range got { // let the replay end
	}
	err = <-done
	switch {
	case cmpErr != nil:
		return exitUsage, cmpErr
	case err != nil:
		transcripts.FormatDifferences(e.stdout, reached(r.diffs))
		return exitFailure, replayError(err)
	}
	res.steps = st.Steps
	res.sum = transcripts.Summarise(r.diffs, st, rules)
	return printDifferences(f.reportTo(e), "replay", r, st, rules, e.colour(f.noColor))
}

// chanSource is the replayed session as a stream for the comparison.
type chanSource <-chan transcripts.Entry

func (c chanSource) Next() (transcripts.Entry, error) {
	en, ok := <-c
	if !ok {
		return en, io.EOF
	}
	return en, nil
}

// reached drops the steps an interrupted replay never got to.
func reached(diffs []transcripts.Difference) []transcripts.Difference {
	var out []transcripts.Difference
	for _, d := range diffs {
		if d.Got != nil || d.Why != "missing from got" {
			out = append(out, d)
		}
	}
	return out
}

// replayError words a failure for the user, with the way forward for a
// refused certificate.
func replayError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "transcripts: ")
	var ce *proto.CertError
	if errors.As(err, &ce) {
		msg += "; to go on, trust it with --cafile FILE or accept it with --insecure"
	}
	return errors.New(msg)
}

// fallback says loudly that no --against means the practice server, and
// refuses it in CI (CI set, stdin not a terminal), where a forgotten
// --against would otherwise pass a regression suite against the wrong
// server. "--against sandbox" asks for the practice server on purpose.
func (f *replayFlags) fallback(e *env) error {
	switch {
	case f.against == "sandbox":
		f.against = ""
		return nil
	case f.against != "":
		return nil
	case e.getenv("CI") != "" && !e.stdinTTY:
		return usagef("replay without --against would use the built-in practice server, which CI (CI is set) refuses: give --against HOST:PORT, or --against sandbox on purpose")
	}
	fmt.Fprintln(e.stderr, "replay: no --against given: replaying against the built-in practice server, NOT a real server (--against sandbox says so on purpose)")
	return nil
}

// server is --against, or the practice server started here, whose own
// certificate is then trusted unless --cafile or --insecure say otherwise.
func (f *replayFlags) server() (addr string, tlsOpts proto.TLSOptions, stop func(), err error) {
	tlsOpts = proto.TLSOptions{CAFile: f.cafile, Insecure: f.insecure}
	f.tlsKnobs.apply(&tlsOpts)
	if f.against != "" {
		addr, err = repl.NormaliseAddr(f.against, f.tls)
		if err != nil {
			return "", tlsOpts, nil, usagef("--against: %v", err)
		}
		return addr, tlsOpts, func() {}, nil
	}
	if f.tls {
		return "", tlsOpts, nil, usagef("--tls needs --against: the built-in sandbox speaks STARTTLS, not implicit TLS")
	}
	srv, err := sandbox.New(sandbox.DefaultConfig())
	if err != nil {
		return "", tlsOpts, nil, fmt.Errorf("starting the sandbox: %w", err)
	}
	a, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		srv.Close()
		return "", tlsOpts, nil, fmt.Errorf("starting the sandbox: %w", err)
	}
	if tlsOpts.CAFile == "" && !tlsOpts.Insecure {
		tlsOpts.RootPEM = srv.CertPEM()
	}
	return a.String(), tlsOpts, func() { srv.Close() }, nil
}

// secretEnv is the environment variable that holds the secret NAME:
// SMTPREPL_SECRET_ and NAME upper-cased, other characters than ASCII
// letters and digits as "_" ("AUTH PLAIN credentials" gives
// SMTPREPL_SECRET_AUTH_PLAIN_CREDENTIALS).
func secretEnv(name string) string {
	return "SMTPREPL_SECRET_" + strings.Map(func(r rune) rune {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return unicode.ToUpper(r)
		}
		return '_'
	}, name)
}

// resolveSecrets finds every secret the recording needs before anything is
// sent: from --secret, the environment, or the terminal. In script mode a
// missing one is a usage error (64) that names it, never a wait on stdin.
// --secret may name one secret more than once: a recording of a wrong and
// then a right login needs both values, used in the order given, the last
// for every use beyond them.
func resolveSecrets(e *env, names []string, given []string) (func(string) (string, error), error) {
	if len(names) > maxSecrets {
		return nil, usagef("the recording needs more than %d different secrets; a session has a few, so this file is not one to replay", maxSecrets)
	}
	vals := map[string][]string{}
	for _, kv := range given {
		name, val, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			return nil, usagef("--secret %q: want NAME=VALUE, e.g. --secret \"AUTH LOGIN password=c2VjcmV0\"", kv)
		}
		vals[name] = append(vals[name], val)
	}
	for _, name := range names {
		if _, ok := vals[name]; ok {
			continue
		}
		if v := e.getenv(secretEnv(name)); v != "" {
			vals[name] = []string{v}
			continue
		}
		v, err := askSecret(e, name)
		if err != nil {
			return nil, err
		}
		vals[name] = []string{v}
	}
	used := map[string]int{}
	return func(name string) (string, error) {
		vs, ok := vals[name]
		if !ok {
			return "", fmt.Errorf("no value for the secret %s", quotedName(name))
		}
		i := min(used[name], len(vs)-1)
		used[name]++
		return vs[i], nil
	}, nil
}

// maxSecrets bounds the secrets a replay asks for, one by one on the
// terminal: a hostile file could name millions.
const maxSecrets = 16

// askSecret reads a secret from the terminal without echo. The terminal is
// checked again here because a character device such as /dev/null passes
// for one in env.stdinTTY, and reading a secret from it would fail.
func askSecret(e *env, name string) (string, error) {
	f, ok := e.stdin.(*os.File)
	if !e.stdinTTY || !ok || !term.IsTerminal(f) {
		return "", usagef("the recording needs the secret %s and stdin is not a terminal: give --secret %s or set %s (the value as sent on the wire: base64 for AUTH)",
			quotedName(name), quotedName(name+"=VALUE"), visible.Clip(secretEnv(name), 200))
	}
	fmt.Fprintf(e.stderr, "%s (as sent on the wire, base64 for AUTH; not echoed): ", visible.Clip(name, 200))
	b, err := term.ReadPassword(f)
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", usagef("reading the secret %s: %v", quotedName(name), err)
	}
	return string(b), nil
}

// quotedName shows a secret's name, which comes from the file: escaped,
// bounded, in quotes.
func quotedName(name string) string { return `"` + visible.Clip(name, 200) + `"` }

// feedJSON writes one entry of the replayed session as JSON Lines: what
// went out, what came back and the events, secrets already redacted.
func feedJSON(rec *transcripts.Recorder, en transcripts.Entry) {
	switch en.Kind {
	case transcripts.Client:
		rec.Client(en.Bytes())
	case transcripts.Server:
		rec.Server(en.Bytes())
	case transcripts.Event:
		rec.Event(en.Text)
	}
}

// reportTo is where the report goes: stdout, or stderr when stdout is the
// replayed session as JSON Lines (-v --jsonl), so that it stays JSON.
func (f *replayFlags) reportTo(e *env) io.Writer {
	if f.verbose && f.jsonLines {
		return e.stderr
	}
	return e.stdout
}
