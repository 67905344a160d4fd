package repl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/smtprepl/smtprepl/export"
	"github.com/smtprepl/smtprepl/proto/visible"
	"github.com/smtprepl/smtprepl/transcripts"
)

// runExport hands the session over: it exports the running recording,
// which holds every line so far (complete lines are written as they
// cross the wire), secrets redacted.
func runExport(_ context.Context, s *Session, args string) error {
	format, file, _ := strings.Cut(strings.TrimSpace(args), " ")
	file = strings.TrimSpace(file)
	if format == "" {
		return errors.New("usage: :export FORMAT [FILE] (FORMAT: " + formatNames() + ")")
	}
	if s.recording == nil {
		return errors.New(":export works from the session's recording: start one with :record FILE (or --record FILE), then :export")
	}
	data, err := os.ReadFile(s.recording.path)
	if err != nil {
		return fmt.Errorf("reading the recording %s: %w", visible.Clip(s.recording.path, 200), err)
	}
	t, err := transcripts.ParseBytes(data)
	if err != nil {
		return fmt.Errorf("reading the recording %s: %w", visible.Clip(s.recording.path, 200), err)
	}
	var b bytes.Buffer
	if err := export.Write(&b, format, t, s.recording.path, ""); err != nil {
		return err
	}
	if file == "" {
		s.view.output(strings.TrimRight(b.String(), "\n"))
		return nil
	}
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf(":export: %w", err)
	}
	s.view.output(fmt.Sprintf("wrote the %s export of this session to %s", format, visible.Clip(file, 200)))
	return nil
}

func formatNames() string {
	var names []string
	for _, f := range export.Formats() {
		names = append(names, f.Name)
	}
	return strings.Join(names, ", ")
}

func completeExport(_ *Session, arg string) []string {
	if strings.Contains(arg, " ") {
		format, rest, _ := strings.Cut(arg, " ")
		var out []string
		for _, f := range completeFiles(rest) {
			out = append(out, format+" "+f)
		}
		return out
	}
	var names []string
	for _, f := range export.Formats() {
		names = append(names, f.Name)
	}
	return matchPrefix(arg, names)
}
