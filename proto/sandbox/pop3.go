package sandbox

import (
	"crypto/subtle"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/smtprepl/smtprepl/proto/pop3/pop3d"
)

// POP3 over the mailbox: each local mailbox logs in with its own name and
// Config.MailboxPassword and reads the messages addressed to it; an AUTH
// user (student) logs in with its own password and reads every message,
// the sandbox's whole mailbox. Deletions are per login name, so alice
// deleting a message sent to her and bob leaves bob's copy, as two
// mailboxes of a real server would.

// pop3Store is the pop3d.Backend over a Server's mailbox.
type pop3Store struct {
	srv     *Server
	mu      sync.Mutex
	deleted map[string]map[string]bool // login -> queue ids it deleted
}

var _ pop3d.Backend = (*pop3Store)(nil)

func (p *pop3Store) Login(user, pass string) (pop3d.Maildrop, bool) {
	// alice@example.test logs in as alice, as mail clients that take the
	// address for the user name expect (Dovecot's auth_username_format %Ln).
	user = strings.TrimSuffix(strings.ToLower(user), "@"+p.srv.dir.domain)
	cfg := p.srv.cfg
	want, all := cfg.Users[user], true
	if _, ok := cfg.Users[user]; !ok {
		want, all = cfg.MailboxPassword, false
		if !p.srv.dir.mailboxes[user] {
			return nil, false
		}
	}
	if subtle.ConstantTimeCompare([]byte(pass), []byte(want)) != 1 {
		return nil, false
	}
	return &maildrop{store: p, user: user, all: all}, true
}

// maildrop is one login's view of the mailbox.
type maildrop struct {
	store *pop3Store
	user  string
	all   bool // an AUTH user: every message
}

func (m *maildrop) Messages() []pop3d.Message {
	p, srv := m.store, m.store.srv
	msgs := srv.mailbox.List()
	p.mu.Lock()
	defer p.mu.Unlock()
	gone := p.deleted[m.user]
	live := map[string]bool{}
	var out []pop3d.Message
	for i := range msgs {
		msg := &msgs[i]
		live[msg.ID] = true
		rcpt, ok := m.recipient(msg)
		if !ok || gone[msg.ID] {
			continue
		}
		out = append(out, pop3d.Message{UID: msg.ID, Trace: m.trace(msg, rcpt), Data: msg.Data})
	}
	for id := range gone {
		if !live[id] {
			delete(gone, id) // dropped from the mailbox since: forget it
		}
	}
	return out
}

// recipient is the address msg came to this login by: the login's own
// mailbox, or for an AUTH user the first recipient.
func (m *maildrop) recipient(msg *Message) (string, bool) {
	if m.all && len(msg.To) > 0 {
		return msg.To[0], true
	}
	own := m.user + "@" + m.store.srv.dir.domain
	for _, to := range msg.To {
		if strings.EqualFold(to, own) {
			return to, true
		}
	}
	return "", false
}

// trace is what delivery into a mailbox adds, as Dovecot's LMTP does:
// Return-Path, Delivered-To, and the sandbox's Received: header.
func (m *maildrop) trace(msg *Message, rcpt string) []byte {
	srv := m.store.srv
	return fmt.Appendf(nil, "Return-Path: <%s>\r\nDelivered-To: %s\r\n%s",
		headerText(msg.From), headerText(rcpt), receivedHeader(srv.cfg.Hostname, *msg, rcpt))
}

func (m *maildrop) Delete(ids []string) {
	p := m.store
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.deleted[m.user] == nil {
		p.deleted[m.user] = map[string]bool{}
	}
	for _, id := range ids {
		p.deleted[m.user][id] = true
		p.removeIfGone(id)
	}
}

// removeIfGone takes a message out of the sandbox once every local
// mailbox it was delivered to has deleted it, as a real server's disk
// has no copy left then; a message for no local mailbox (relayed) goes
// when an AUTH user, who reads everything, deletes it. p.mu is held.
func (p *pop3Store) removeIfGone(id string) {
	msg, ok := p.srv.mailbox.Get(id)
	if !ok {
		return
	}
	var owners []string
	for _, to := range msg.To {
		if local, _, _ := splitAddress(to); p.srv.dir.classify(to) == isMailbox {
			owners = append(owners, strings.ToLower(local))
		}
	}
	if len(owners) == 0 {
		for user := range p.srv.cfg.Users {
			owners = append(owners, strings.ToLower(user))
		}
	}
	for _, o := range owners {
		if !p.deleted[o][id] {
			return
		}
	}
	p.srv.mailbox.remove(id)
}

// ListenPOP3 serves POP3 (RFC 1939, STLS with the sandbox's certificate)
// over the mailbox on addr, in the background, and returns the address.
func (s *Server) ListenPOP3(addr string) (net.Addr, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sandbox: listen: %w", err)
	}
	s.mu.Lock()
	if s.pop3Addr == nil {
		s.pop3Addr = ln.Addr()
	}
	s.mu.Unlock()
	return s.serve(ln, s.handlePOP3)
}

// POP3Addr is the first POP3 listener's address, or nil before ListenPOP3.
func (s *Server) POP3Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pop3Addr
}

// ServePOP3Conn runs one POP3 session on c and returns when it ends.
func (s *Server) ServePOP3Conn(c net.Conn) {
	if !s.track(c) {
		c.Close()
		return
	}
	s.handlePOP3(c)
}

func (s *Server) handlePOP3(c net.Conn) {
	defer s.wg.Done()
	defer s.untrack(c)
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	default:
		fmt.Fprintf(c, "-ERR [SYS/TEMP] Too many connections\r\n")
		return
	}
	id, remote := s.sessions.Add(1), c.RemoteAddr().String()
	cfg := pop3d.Config{Greeting: "smtprepl sandbox POP3 ready.", TLS: s.tlsConf, Backend: s.pop3,
		IdleTimeout: s.cfg.IdleTimeout, Transcript: s.cfg.Transcript}
	if s.cfg.Events != nil {
		kinds := pop3Kinds()
		cfg.Events = func(ev pop3d.Event) {
			s.cfg.Events(Event{Session: id, Remote: remote, Kind: kinds[ev.Kind], Text: ev.Text, Commands: ev.Commands})
		}
	}
	pop3d.Serve(c, cfg)
}

// pop3Kinds maps pop3d's events onto the log's.
func pop3Kinds() map[pop3d.EventKind]EventKind {
	return map[pop3d.EventKind]EventKind{
		pop3d.EventConnect: EventConnect, pop3d.EventTLS: EventTLS, pop3d.EventLogin: EventPOP3Login,
		pop3d.EventRetrieve: EventPOP3Retrieve, pop3d.EventDelete: EventPOP3Delete, pop3d.EventClose: EventClose,
		pop3d.EventClient: EventClient, pop3d.EventServer: EventServer,
	}
}
