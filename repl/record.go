package repl

import (
	"fmt"
	"os"
	"time"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/transcripts"
)

// recording is a transcript file fed from the tap, so what is recorded is
// exactly what crossed the wire, with secrets redacted as it is written.
type recording struct {
	path string
	file *os.File
	rec  *transcripts.Recorder
}

// StartRecording writes the session from now on to path.
func (s *Session) StartRecording(path string) error {
	s.StopRecording()
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	meta := []transcripts.KV{{Key: "server", Value: s.cfg.Addr}, {Key: "recorded", Value: time.Now().UTC().Format(time.RFC3339)}}
	rec := transcripts.NewRecorder(f, meta...)
	rec.UseSecrets(s.sec.set) // a recording started after AUTH still knows its secrets
	s.recording = &recording{path: path, file: f, rec: rec}
	return nil
}

// StopRecording closes the transcript file, if any.
func (s *Session) StopRecording() error {
	r := s.recording
	if r == nil {
		return nil
	}
	s.recording = nil
	if err := r.rec.Close(); err != nil {
		r.file.Close()
		return fmt.Errorf("recording %s: %w", r.path, err)
	}
	return r.file.Close()
}

// tap feeds a wire line to the recording, if one is running.
func (r *recording) tap(l proto.TapLine) {
	if r != nil {
		FeedRecorder(r.rec, l)
	}
}

// Close ends the connection and any recording.
func (s *Session) Close() error {
	err := s.StopRecording()
	if s.client != nil {
		s.client.Close()
	}
	s.flushView()
	return err
}
