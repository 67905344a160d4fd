package sandbox

import (
	"fmt"
	"net"
	"os"
	"path"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// relayedMailbox holds the copies of relayed messages (an authenticated
// client's mail to other domains), which a real MTA would pass on.
const relayedMailbox = "relayed"

// maxMailboxName bounds a mailbox name's length in bytes.
const maxMailboxName = 64

// maildir writes accepted messages into a Maildir tree, one file per
// recipient mailbox: ROOT/<mailbox>/new/<unique>. Every path goes through
// an os.Root, so not even a symbolic link planted in the tree leads out.
type maildir struct {
	root *os.Root
	host string // the unique names' host part, without '/' or ':'
	seq  atomic.Int64
}

func openMaildir(dir, hostname string) (*maildir, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sandbox: maildir: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("sandbox: maildir: %w", err)
	}
	host := strings.NewReplacer("/", `\057`, ":", `\072`).Replace(hostname)
	return &maildir{root: root, host: host}, nil
}

// safeMailboxName is what a mailbox name may be before it becomes a
// directory: [a-z0-9][a-z0-9._+-]{0,63}, so no separator, no leading dot
// (neither "." nor ".."), short. A loop, not a regexp: compiling that
// one cost every start of smtprepl half a millisecond.
func safeMailboxName(name string) bool {
	if name == "" || len(name) > maxMailboxName {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || !strings.ContainsRune("._+-", rune(c))) {
			return false
		}
	}
	return true
}

// mailboxes maps each recipient of msg to its mailbox, lists expanded and
// each mailbox once: the name comes from the server's directory, never
// from the client's text.
func (d directory) maildirBoxes(to []string) (names, rcpts []string) {
	seen := map[string]bool{}
	for _, rcpt := range to {
		targets, _ := d.lookup(rcpt, true)
		for _, t := range targets {
			name := ""
			switch d.classify(t) {
			case isMailbox:
				local, _, _ := splitAddress(t)
				name = strings.ToLower(local)
			case foreignDomain:
				name = relayedMailbox
			}
			if name != "" && !seen[name] {
				seen[name] = true
				names, rcpts = append(names, name), append(rcpts, rcpt)
			}
		}
	}
	return names, rcpts
}

// StoredCopy is a message as one mailbox holds it.
type StoredCopy struct {
	Mailbox string // a local mailbox's name, or "relayed" for other domains
	// Data is the sandbox's own Received: header for the recipient it
	// arrived for, then the message's data.
	Data []byte
}

// Stored is msg as the sandbox stores it, one copy per recipient mailbox
// (lists expanded), each led by a Received: header: what --maildir
// writes, and what a lesson shows at its end.
func (s *Server) Stored(msg Message) []StoredCopy {
	return stored(s.dir, s.cfg.Hostname, msg)
}

func stored(d directory, hostname string, msg Message) []StoredCopy {
	names, rcpts := d.maildirBoxes(msg.To)
	out := make([]StoredCopy, 0, len(names))
	for i, name := range names {
		data := append([]byte(receivedHeader(hostname, msg, rcpts[i])), msg.Data...)
		out = append(out, StoredCopy{Mailbox: name, Data: data})
	}
	return out
}

// write stores msg in each of its recipients' mailboxes, with its own
// Received: header for the recipient it arrived for.
func (m *maildir) write(d directory, hostname string, msg Message) error {
	for _, c := range stored(d, hostname, msg) {
		if !safeMailboxName(c.Mailbox) {
			return fmt.Errorf("sandbox: maildir: mailbox name %q is not safe as a directory name", c.Mailbox)
		}
		if err := m.deliver(c.Mailbox, c.Data); err != nil {
			return fmt.Errorf("sandbox: maildir: %s: %w", c.Mailbox, err)
		}
	}
	return nil
}

// deliver follows the Maildir convention: write into tmp/, then rename
// into new/, so a reader never sees half a message.
func (m *maildir) deliver(name string, data []byte) error {
	for _, sub := range []string{"tmp", "new", "cur"} {
		if err := m.root.MkdirAll(path.Join(name, sub), 0o700); err != nil {
			return err
		}
	}
	now := time.Now()
	unique := fmt.Sprintf("%d.M%dP%dQ%d.%s", now.Unix(), now.Nanosecond()/1000, os.Getpid(), m.seq.Add(1), m.host)
	tmp := path.Join(name, "tmp", unique)
	f, err := m.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = m.root.Rename(tmp, path.Join(name, "new", unique))
	}
	if err != nil {
		m.root.Remove(tmp)
	}
	return err
}

func (m *maildir) close() error { return m.root.Close() }

// receivedHeader is the trace header a real MTA adds (RFC 5321 §4.4), in
// Postfix's layout, with the protocol names of RFC 3848 and RFC 6531.
// The HELO name and the address are the client's text: anything that
// could end the header or its comment becomes '?'.
func receivedHeader(hostname string, msg Message, rcpt string) string {
	return fmt.Sprintf("Received: from %s (unknown [%s])\r\n\tby %s (smtprepl sandbox) with %s id %s\r\n\tfor <%s>; %s\r\n",
		headerText(msg.Helo), headerText(msg.Client), hostname, msg.Protocol, msg.ID,
		headerText(rcpt), msg.Received.Format("Mon, 02 Jan 2006 15:04:05 -0700 (MST)"))
}

// headerText keeps client text inside one header line and its comment:
// controls, parentheses, backslashes and invalid UTF-8 become '?', and
// it is cut at 200 bytes.
func headerText(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i >= 200 {
			b.WriteString("...")
			break
		}
		if r < 0x20 || r == 0x7f || r == '(' || r == ')' || r == '\\' || r == utf8.RuneError || (r >= 0x80 && r < 0xa0) {
			r = '?'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// clientIP is the address part of a connection's remote address.
func clientIP(a net.Addr) string {
	if a == nil {
		return "unknown"
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// protocolName is the "with" of the Received: header: SMTP after HELO;
// after EHLO ESMTP, or UTF8SMTP for an SMTPUTF8 transaction, then S for
// TLS and A for AUTH (RFC 3848, RFC 6531).
func protocolName(ehlo, utf8, tls, auth bool) string {
	if !ehlo {
		return "SMTP"
	}
	p := "ESMTP"
	if utf8 {
		p = "UTF8SMTP"
	}
	if tls {
		p += "S"
	}
	if auth {
		p += "A"
	}
	return p
}
