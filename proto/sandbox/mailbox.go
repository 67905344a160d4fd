package sandbox

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/smtprepl/smtprepl/proto"
)

// Message is one accepted message. Once stored it is never modified, so
// its slices may be shared; callers must treat them as read-only.
type Message struct {
	ID   string   // the queue id given in "250 2.0.0 Ok: queued as ID"
	From string   // reverse-path without brackets; "" for <>
	To   []string // forward-paths in RCPT order (unqualified ones qualified)
	// Data is the body exactly as received after unstuffing (DATA) or as
	// sent (BDAT): no trace header is added, so tests can compare bytes.
	Data     []byte
	Received time.Time // Config.Clock at the final reply
	Helo     string    // the HELO/EHLO argument in force
	TLS      bool      // the transaction ran inside TLS
	AuthUser string    // "" unless AUTH succeeded
	// BareLF counts LFs not preceded by CR: kept as data, never taken as a
	// line end, and worth showing (SMTP smuggling starts with them).
	BareLF int
	Params []proto.Param // MAIL FROM parameters (SIZE, BODY, RET, ...)
	// RcptParams[i] holds the parameters (NOTIFY, ORCPT) of To[i].
	RcptParams [][]proto.Param
}

// Mailbox holds accepted messages in arrival order, bounded in count and
// bytes. It is safe for concurrent use.
type Mailbox struct {
	mu       sync.Mutex
	msgs     []Message
	bytes    int64
	maxMsgs  int
	maxBytes int64
	// changed is closed and replaced on every delivery, which wakes all
	// waiters at once without a goroutine per waiter.
	changed chan struct{}
}

var errMailboxFull = errors.New("sandbox: mailbox full")

// NewMailbox makes an empty mailbox holding at most maxMsgs messages and
// maxBytes bytes of message data.
func NewMailbox(maxMsgs int, maxBytes int64) *Mailbox {
	return &Mailbox{maxMsgs: maxMsgs, maxBytes: maxBytes, changed: make(chan struct{})}
}

// Room reports whether one more message of size bytes would fit.
func (m *Mailbox) Room(size int64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.roomLocked(size)
}

func (m *Mailbox) roomLocked(size int64) bool {
	return len(m.msgs) < m.maxMsgs && m.bytes+size <= m.maxBytes
}

// deliver stores msg, or fails with errMailboxFull.
func (m *Mailbox) deliver(msg Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.roomLocked(int64(len(msg.Data))) {
		return errMailboxFull
	}
	m.msgs = append(m.msgs, msg)
	m.bytes += int64(len(msg.Data))
	close(m.changed)
	m.changed = make(chan struct{})
	return nil
}

// List returns the messages in arrival order.
func (m *Mailbox) List() []Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Message(nil), m.msgs...)
}

// Get returns the message with queue id id.
func (m *Mailbox) Get(id string) (Message, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := len(m.msgs) - 1; i >= 0; i-- {
		if m.msgs[i].ID == id {
			return m.msgs[i], true
		}
	}
	return Message{}, false
}

// Len is the number of messages held.
func (m *Mailbox) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.msgs)
}

// Wait returns once the mailbox holds at least n messages, or with ctx's
// error. Tests use it instead of sleeping after the final reply.
func (m *Mailbox) Wait(ctx context.Context, n int) error {
	for {
		m.mu.Lock()
		have, changed := len(m.msgs), m.changed
		m.mu.Unlock()
		if have >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
