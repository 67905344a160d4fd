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

// wireLog keeps the current connection's lines, scrubbed as the tap
// scrubs them, so that a recording started mid-session can begin at the
// greeting: a transcript that starts in the middle does not replay. The
// bytes are kept in one buffer and bounded: past maxWireLog it lets go
// and says so (a session that sent a big message, typically).
type wireLog struct {
	data  []byte
	lines []wireLine
	over  bool
}

// wireLine is one kept line: its kind and where its bytes end in data.
type wireLine struct {
	kind proto.LineKind
	tls  bool
	end  int
}

// maxWireLog is how much of a session a late :record can still write.
const maxWireLog = 1 << 20

func (w *wireLog) add(l proto.TapLine) {
	if w.over {
		return
	}
	if len(w.data)+len(l.Data)+16*len(w.lines) > maxWireLog {
		*w = wireLog{over: true}
		return
	}
	w.data = append(w.data, l.Data...) // the tap's bytes are not ours to keep
	w.lines = append(w.lines, wireLine{l.Kind, l.TLS, len(w.data)})
}

// each calls f with every line kept, in order.
func (w *wireLog) each(f func(proto.TapLine)) {
	start := 0
	for _, l := range w.lines {
		f(proto.TapLine{Kind: l.kind, TLS: l.tls, Data: w.data[start:l.end:l.end]})
		start = l.end
	}
}

// StartRecording writes the session to path: from its start when the
// connection's lines are still kept, from now on otherwise. It says which.
func (s *Session) StartRecording(path string) (string, error) {
	if err := s.startRecording(path); err != nil {
		return "", err
	}
	switch {
	case !s.Connected() || len(s.wireLog.lines) == 0 && !s.wireLog.over:
		return "recording to " + path, nil
	case s.wireLog.over:
		return fmt.Sprintf("recording to %s from now on: this session is past %d MiB, more than smtprepl keeps, "+
			"so the recording starts mid-session and replays only against a server in the same state", path, maxWireLog>>20), nil
	}
	s.wireLog.each(s.recording.tap)
	return fmt.Sprintf("recording to %s from the start of this session (%d lines so far), so it replays", path, len(s.wireLog.lines)), nil
}

func (s *Session) startRecording(path string) error {
	s.StopRecording()
	if s.cfg.OnRecording != nil {
		s.cfg.OnRecording()
	}
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
