package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/smtprepl/smtprepl/export"
	"github.com/smtprepl/smtprepl/proto/visible"
	"github.com/smtprepl/smtprepl/transcripts"
)

const exportUsage = `usage: smtprepl export TRANSCRIPT --as FORMAT [--server HOST:PORT] [-o FILE]
Turn a recorded session into something another person or program runs.
FORMAT is one of:
%s
Secrets stay redacted: the exports read the user from $SMTP_USER, the
password from $SMTP_PASSWORD and a CA from $SMTP_CAFILE when they run.`

// maxExported bounds the transcript an export reads whole.
const maxExported = 16 << 20

func exportFormats() string {
	var b strings.Builder
	for _, f := range export.Formats() {
		fmt.Fprintf(&b, "  %-8s %s\n", f.Name, f.Summary)
	}
	return strings.TrimRight(b.String(), "\n")
}

func runExport(_ context.Context, e *env, args []string) (int, error) {
	var as, server, out string
	fs := newFlagSet("export", e, fmt.Sprintf(exportUsage, exportFormats()))
	fs.StringVar(&as, "as", "", "the format: swaks, curl, python, go, mermaid or eml")
	fs.StringVar(&server, "server", "", "send to HOST:PORT instead of the server the transcript names")
	fs.StringVar(&out, "o", "", "write to FILE instead of standard output")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return exitUsage, err
	}
	switch {
	case len(pos) != 1:
		return exitUsage, usagef("export needs one transcript, got %d argument(s)", len(pos))
	case as == "":
		return exitUsage, usagef("--as FORMAT is needed: one of swaks, curl, python, go, mermaid, eml")
	}
	t, err := readTranscriptFile(pos[0])
	if err != nil {
		return exitUsage, err
	}
	var b bytes.Buffer
	if err := export.Write(&b, as, t, pos[0], server); err != nil {
		if strings.HasPrefix(err.Error(), "no export called") {
			return exitUsage, usagef("--as: %v", err)
		}
		return exitFailure, fmt.Errorf("exporting %s: %w", visible.Clip(pos[0], 200), err)
	}
	if out == "" {
		_, err = e.stdout.Write(b.Bytes())
		return exitOK, err
	}
	mode := os.FileMode(0o644)
	if as == "swaks" || as == "curl" || as == "python" {
		mode = 0o755
	}
	if err := os.WriteFile(out, b.Bytes(), mode); err != nil {
		return exitFailure, fmt.Errorf("writing %s: %w", visible.Clip(out, 200), err)
	}
	return exitOK, nil
}

// readTranscriptFile reads a whole transcript (or swaks or curl -v log),
// bounded, naming the file in errors.
func readTranscriptFile(path string) (*transcripts.Transcript, error) {
	f, err := openTranscript(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.f.Stat()
	if err == nil && fi.Size() > maxExported {
		return nil, fmt.Errorf("the transcript %s is over %d MiB: too big to export", f.name, maxExported>>20)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the transcript %s: %w", f.name, err)
	}
	t, err := transcripts.ParseBytes(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", f.name, strings.TrimPrefix(err.Error(), "transcripts: "))
	}
	return t, nil
}
