package sandbox

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/proto"
)

// eventLog gathers a server's events as "kind text" lines.
type eventLog struct {
	mu    sync.Mutex
	lines []string
	done  chan struct{}
}

func (l *eventLog) add(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	text := e.Text
	if e.Kind == EventMessage {
		text = fmt.Sprintf("%s from <%s> to %d, %d bytes", e.Message.ID, e.Message.From, len(e.Message.To), len(e.Message.Data))
	}
	if e.Kind == EventClose {
		text = fmt.Sprintf("%s (%d commands, %d messages)", text, e.Commands, e.Messages)
	}
	l.lines = append(l.lines, fmt.Sprintf("#%d %d %s", e.Session, e.Kind, text))
	if e.Kind == EventClose {
		close(l.done)
	}
}

// TestEvents runs one session and reads what a live log would hear: with
// Transcript, every line both ways, AUTH's credentials withheld.
func TestEvents(t *testing.T) {
	for _, transcript := range []bool{false, true} {
		t.Run(fmt.Sprintf("transcript %v", transcript), func(t *testing.T) {
			log := &eventLog{done: make(chan struct{})}
			_, addr := testServer(t, func(c *Config) {
				fixedClock(c)
				c.Events, c.Transcript = log.add, transcript
			})
			c := dial(t, addr, proto.Options{})
			cmd(t, c, "EHLO me.example")
			expect(t, c, "AUTH PLAIN AHN0dWRlbnQAc2VjcmV0", 235, "2.7.0")
			expect(t, c, "AUTH LOGIN", 503, "5.5.1")
			expect(t, c, "MAIL FROM:<bob@example.test>", 250, "2.1.0")
			expect(t, c, "RCPT TO:<alice@example.test>", 250, "2.1.5")
			expect(t, c, "DATA", 354, "")
			expect(t, c, "raw:Subject: hi\r\n\r\nhello\r\n.\r\n", 250, "2.0.0")
			expect(t, c, "QUIT", 221, "2.0.0")
			<-log.done
			want := []string{"#1 0 plain", "#1 1 EHLO me.example", "#1 3 student", "#1 4 Q1 from <bob@example.test> to 1, 22 bytes",
				"#1 5 QUIT (7 commands, 1 messages)"}
			if transcript {
				want = strings.Split("#1 0 plain|#1 7 220 sandbox.smtprepl.test ESMTP smtprepl sandbox|#1 6 EHLO me.example|#1 1 EHLO me.example|"+
					"#1 7 250-sandbox.smtprepl.test|#1 7 250-PIPELINING|#1 7 250-SIZE 10485760|#1 7 250-VRFY|#1 7 250-STARTTLS|"+
					"#1 7 250-AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256 XOAUTH2 OAUTHBEARER|#1 7 250-ENHANCEDSTATUSCODES|#1 7 250-8BITMIME|#1 7 250-DSN|#1 7 250-SMTPUTF8|#1 7 250 CHUNKING|"+
					"#1 6 AUTH PLAIN <secret withheld>|#1 3 student|#1 7 235 2.7.0 Authentication successful|"+
					"#1 6 AUTH LOGIN|#1 7 503 5.5.1 Error: already authenticated|"+
					"#1 6 MAIL FROM:<bob@example.test>|#1 7 250 2.1.0 Ok|#1 6 RCPT TO:<alice@example.test>|#1 7 250 2.1.5 Ok|"+
					"#1 6 DATA|#1 7 354 End data with <CR><LF>.<CR><LF>|#1 6 (the message text: 22 bytes, then \".\")|"+
					"#1 4 Q1 from <bob@example.test> to 1, 22 bytes|#1 7 250 2.0.0 Ok: queued as Q1|#1 6 QUIT|#1 7 221 2.0.0 Bye|"+
					"#1 5 QUIT (7 commands, 1 messages)", "|")
			}
			log.mu.Lock()
			defer log.mu.Unlock()
			if diff := cmp.Diff(want, log.lines); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEventsWithholdAuthAnswers: the answers to 334 never reach a
// transcript, only the "*" that cancels.
func TestEventsWithholdAuthAnswers(t *testing.T) {
	log := &eventLog{done: make(chan struct{})}
	_, addr := testServer(t, func(c *Config) { c.Events, c.Transcript = log.add, true })
	c := dial(t, addr, proto.Options{})
	cmd(t, c, "EHLO me.example")
	expect(t, c, "AUTH LOGIN", 334, "")
	expect(t, c, "c3R1ZGVudA==", 334, "")
	expect(t, c, "c2VjcmV0", 235, "2.7.0")
	c.Close()
	<-log.done
	log.mu.Lock()
	defer log.mu.Unlock()
	all := strings.Join(log.lines, "\n")
	if strings.Contains(all, "c3R1ZGVudA") || strings.Contains(all, "c2VjcmV0") || strings.Count(all, "<secret withheld>") != 2 {
		t.Errorf("events:\n%s", all)
	}
	if !strings.HasSuffix(all, " 5 the client hung up (2 commands, 0 messages)") {
		t.Errorf("events end %q, want the client hung up", all[strings.LastIndexByte(all, '\n')+1:])
	}
}
