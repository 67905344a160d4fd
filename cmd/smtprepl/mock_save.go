package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/smtprepl/smtprepl/transcripts"
)

// mockRecord keeps the envelopes of the messages a mock accepted, for
// --json, and writes each message to --save DIR as it arrives.
type mockRecord struct {
	e         *env
	dir       string
	mu        sync.Mutex
	envelopes []savedEnvelope
	count     int
	failed    error // the first write that failed
}

// savedEnvelope is a message's envelope as --save and --json write it.
type savedEnvelope struct {
	transcripts.Message
	File string `json:"file,omitempty"` // the .eml beside it, under --save
}

// maxEnvelopes bounds the envelopes --json lists.
const maxEnvelopes = 10000

func (r *mockRecord) message(msg transcripts.Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.count++
	if msg.RcptTo == nil {
		msg.RcptTo = []string{} // "rcpt_to": [], not null
	}
	env := savedEnvelope{Message: msg}
	if r.dir != "" && r.failed == nil {
		base := fmt.Sprintf("session-%d-message-%d", msg.Session, r.count)
		env.File = base + ".eml"
		if err := r.save(base, env); err != nil {
			r.failed = err
			fmt.Fprintf(r.e.stderr, "mock: --save: %v\n", err)
		}
	}
	env.Data = nil // saved; --json lists envelopes only
	if len(r.envelopes) < maxEnvelopes {
		r.envelopes = append(r.envelopes, env)
	}
}

func (r *mockRecord) save(base string, env savedEnvelope) error {
	if err := os.WriteFile(filepath.Join(r.dir, base+".eml"), env.Data, 0o644); err != nil {
		return err
	}
	b, err := json.MarshalIndent(env, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(r.dir, base+".json"), append(b, '\n'), 0o644)
}

// mockJSON is the session report --json writes.
type mockJSON struct {
	Recording   string            `json:"recording"`
	Sessions    int               `json:"sessions"`
	Strict      bool              `json:"strict"`
	OK          bool              `json:"ok"`
	Unplayed    int               `json:"unplayed_sessions"`
	Connections []mockJSONSession `json:"connections"`
	Messages    []savedEnvelope   `json:"messages"`
}

type mockJSONSession struct {
	Session    int      `json:"session"`
	Steps      int      `json:"steps"`
	Recorded   int      `json:"recorded_steps"`
	Deviations []string `json:"deviations"`
	Notes      []string `json:"notes"`
	Dropped    int      `json:"dropped,omitempty"`
}

func writeMockJSON(path, name string, m *transcripts.Mock, reps []transcripts.MockReport, rec *mockRecord, sum mockSummary) error {
	out := mockJSON{Recording: name, Sessions: m.Sessions(), Strict: m.Strict(), OK: !sum.failed(), Unplayed: sum.unplayed,
		Connections: []mockJSONSession{}, Messages: rec.envelopes}
	if out.Messages == nil {
		out.Messages = []savedEnvelope{}
	}
	for _, r := range reps {
		out.Connections = append(out.Connections, mockJSONSession{Session: r.Session, Steps: r.Steps,
			Recorded: m.SessionSteps(r.Session), Deviations: nonNil(r.Deviations), Notes: nonNil(r.Notes), Dropped: r.Dropped})
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(b, '\n'))
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
