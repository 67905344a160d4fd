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
//	S: 250 ok           a reply line; a complete reply goes to Receive, which
//	                    pairs it with the oldest line still owed one
//	C: MAIL FROM:<a>    a line the client sends (Send): the model says how
//	                    many replies it gets (none for message text)
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
			if n := p.s.Owed(); n > 0 || len(p.reply) > 0 {
				t.Errorf("the transcript ends with %d replies owed or a reply unfinished", n)
			}
		})
	}
}

// player feeds one transcript through a Session.
type player struct {
	t     *testing.T
	s     *Session
	at    int      // line number, for messages
	reply []string // the lines of a reply not yet complete
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
	switch role := p.s.Role(line); role {
	case RoleRefusedText, RoleRefusedAnswer, RoleNone:
		p.t.Errorf("line %d: %q would not be sent: role %s in phase %s", p.at, line, role, p.s.Phase())
		return
	}
	p.s.Send(line)
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
	p.s.Receive(r)
}

func (p *player) event(name string) {
	switch {
	case name == "tls":
		p.s.TLSEstablished()
	case name == "closed":
		p.s.ConnectionClosed()
	case name == "restart":
		p.s.Restart()
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
