package proto

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The files in testdata/session are dialogues fed through the model, with
// what it must say after each step. The notation:
//
//	S: 250 ok           a reply line; a complete reply answers the oldest
//	                    line still owed one (the greeting when none is)
//	C: MAIL FROM:<a>    a line the client sends; the model says how many
//	                    replies it gets (none for message text)
//	X: Subject: hi      a script line the model must call refused: skipped
//	! tls               an event: tls, closed, out of step, restart, lmtp
//	= mail EHLO ...     the State's summary now
//	? MAIL RSET ...     the verbs Tab offers now, in table order
//	wait: DATA NOOP     the verbs among those offered that must wait
//	# ...               a comment (each file starts with its RFC)
func TestSessionTranscripts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "session", "*.txt"))
	if err != nil || len(files) < 8 {
		t.Fatalf("want at least 8 session transcripts, found %d (%v)", len(files), err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			p := &player{t: t, s: &Session{}}
			for i, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
				p.at = i + 1
				p.step(line)
			}
			if len(p.owed) > 0 || len(p.reply) > 0 {
				t.Errorf("the transcript ends with replies owed to %v or a reply unfinished", p.owed)
			}
		})
	}
}

// player feeds one transcript through a Session.
type player struct {
	t     *testing.T
	s     *Session
	at    int      // line number, for messages
	owed  []owed   // lines sent and still owed replies, oldest first
	reply []string // the lines of a reply not yet complete
}

type owed struct {
	line    string
	replies int
}

func (p *player) step(line string) {
	tag, rest, _ := strings.Cut(line, " ")
	switch tag {
	case "", "#":
	case "S:":
		p.server(rest)
	case "C:":
		p.client(rest)
	case "X:":
		p.skipped(rest)
	case "!":
		p.event(rest)
	case "=":
		if got := p.s.State().String(); got != rest {
			p.t.Errorf("line %d: state %q, want %q", p.at, got, rest)
		}
	case "?":
		if got := strings.Join(offered(p.s), " "); got != rest {
			p.t.Errorf("line %d: Tab offers %q, want %q", p.at, got, rest)
		}
	case "wait:":
		if got := strings.Join(waiting(p.s), " "); got != rest {
			p.t.Errorf("line %d: must wait %q, want %q", p.at, got, rest)
		}
	default:
		p.t.Fatalf("line %d: unknown notation %q", p.at, line)
	}
}

func (p *player) client(line string) {
	role := p.s.Role(line)
	switch role {
	case RoleRefusedText, RoleRefusedAnswer, RoleNone:
		p.t.Errorf("line %d: %q would not be sent: role %s in phase %s", p.at, line, role, p.s.Phase())
		return
	}
	n := p.s.Expect(line)
	if role == RoleEndOfData {
		p.s.EndData()
	}
	if n > 0 {
		p.owed = append(p.owed, owed{line, n})
	}
}

func (p *player) skipped(line string) {
	if role := p.s.Role(line); role != RoleRefusedText && role != RoleRefusedAnswer {
		p.t.Errorf("line %d: %q should be refused, the model says %s", p.at, line, role)
	}
	p.s.Skip(line)
}

func (p *player) server(line string) {
	p.reply = append(p.reply, line)
	if len(line) > 3 && line[3] == '-' {
		return
	}
	r, err := ParseReply(p.reply)
	p.reply = nil
	if err != nil {
		p.t.Fatalf("line %d: %v", p.at, err)
	}
	if len(p.owed) == 0 {
		p.s.Feed("", r)
		return
	}
	p.s.Feed(p.owed[0].line, r)
	if p.owed[0].replies--; p.owed[0].replies == 0 {
		p.owed = p.owed[1:]
	}
}

func (p *player) event(name string) {
	switch {
	case name == "tls":
		p.s.TLSEstablished()
	case name == "closed":
		p.s.ConnectionClosed()
	case name == "restart":
		p.s.Restart()
		p.owed = nil
	case name == "lmtp":
		p.s = NewLMTPSession()
	case strings.HasPrefix(name, "out of step: "):
		p.s.MarkOutOfStep(strings.TrimPrefix(name, "out of step: "))
	default:
		p.t.Fatalf("line %d: unknown event %q", p.at, name)
	}
}

// offered lists the verbs Tab would offer, in table order.
func offered(s *Session) []string {
	var out []string
	for _, v := range sessionVerbs {
		if s.Suggest(v.name) {
			out = append(out, v.name)
		}
	}
	return out
}

// waiting lists the offered verbs that must wait for their reply.
func waiting(s *Session) []string {
	var out []string
	for _, v := range offered(s) {
		if s.MustWait(v) {
			out = append(out, v)
		}
	}
	return out
}
