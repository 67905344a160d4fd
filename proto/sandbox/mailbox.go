package sandbox

import (
	"context"
	"errors"
	"runtime"
	"slices"
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
	Client   string    // the client's IP address
	// Protocol names the session for the Received: header: SMTP, ESMTP,
	// ESMTPS, ESMTPSA, UTF8SMTPS... (RFC 3848, RFC 6531).
	Protocol string
	// BareLF counts LFs not preceded by CR: kept as data, never taken as a
	// line end, and worth showing (SMTP smuggling starts with them).
	BareLF int
	Params []proto.Param // MAIL FROM parameters (SIZE, BODY, RET, ...)
	// RcptParams[i] holds the parameters (NOTIFY, ORCPT) of To[i].
	RcptParams [][]proto.Param
}

// Mailbox holds accepted messages in arrival order, bounded in count and
// bytes: a delivery drops the oldest messages to make room, so memory stays
// bounded and the mailbox never fills up for good. It is safe for
// concurrent use.
type Mailbox struct {
	mu       sync.Mutex
	msgs     []Message
	sizes    []int64 // of msgs: data and envelope bytes
	bytes    int64   // the sum of sizes
	maxMsgs  int
	maxBytes int64
	dropped  int // messages dropped to make room
	removed  int // messages every recipient mailbox deleted over POP3
	// copying serializes copying bodies in and collecting what was
	// dropped (see store); it is taken before mu.
	copying sync.Mutex
	garbage int64 // bytes dropped since the last collection
	// changed is closed and replaced on every delivery, which wakes all
	// waiters at once without a goroutine per waiter.
	changed chan struct{}
}

var errMailboxFull = errors.New("sandbox: mailbox full")

// NewMailbox makes an empty mailbox holding at most maxMsgs messages
// (at least one) and maxBytes bytes of message data and envelopes.
func NewMailbox(maxMsgs int, maxBytes int64) *Mailbox {
	return &Mailbox{maxMsgs: max(maxMsgs, 1), maxBytes: maxBytes, changed: make(chan struct{})}
}

// Room reports whether a message of size bytes (data and envelope) can be
// stored, dropping older ones if need be: whether it is no larger than the
// whole mailbox.
func (m *Mailbox) Room(size int64) bool { return size <= m.maxBytes }

// deliver stores msg, dropping the oldest messages to make room, or fails
// with errMailboxFull when msg alone is larger than the mailbox.
func (m *Mailbox) deliver(msg Message) error {
	size := messageBytes(msg)
	if !m.Room(size) {
		return errMailboxFull
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	drop := 0
	for bytes := m.bytes; len(m.msgs)-drop >= m.maxMsgs || bytes+size > m.maxBytes; drop++ {
		bytes -= m.sizes[drop]
	}
	m.dropOldest(drop)
	m.msgs = append(m.msgs, msg)
	m.sizes = append(m.sizes, size)
	m.bytes += size
	close(m.changed)
	m.changed = make(chan struct{})
	return nil
}

// store delivers msg with the body copied out of body. A mailbox that
// drops as fast as the network brings mail makes garbage at that rate, and
// the collector, paced by GOGC and counting what is allocated while it
// marks as live, lets the heap grow far past its budgets. So bodies are
// copied in one at a time, and once half the mailbox's bytes have been
// dropped, the collection runs before the next copy: memory then stays
// near the budgets, whatever the rate.
func (m *Mailbox) store(msg Message, body *bodyBuffer) (Message, error) {
	if !m.Room(body.Len() + messageBytes(msg)) {
		return msg, errMailboxFull
	}
	m.copying.Lock()
	defer m.copying.Unlock()
	msg.Data = body.bytes()
	body.release()
	err := m.deliver(msg)
	m.mu.Lock()
	collect := m.garbage > m.maxBytes/2
	if collect {
		m.garbage = 0
	}
	m.mu.Unlock()
	if collect {
		runtime.GC()
	}
	return msg, err
}

// dropOldest drops the n oldest messages. The slots are cleared so that
// the dropped data can be collected; copying keeps the array from growing.
func (m *Mailbox) dropOldest(n int) {
	if n == 0 {
		return
	}
	for _, size := range m.sizes[:n] {
		m.bytes -= size
		m.garbage += size
	}
	kept := copy(m.msgs, m.msgs[n:])
	clear(m.msgs[kept:])
	m.msgs = m.msgs[:kept]
	m.sizes = m.sizes[:copy(m.sizes, m.sizes[n:])]
	m.dropped += n
}

// messageBytes is what msg counts against the mailbox's bytes: its data
// and its envelope. The HELO name, up to a command line long, is kept with
// every message, so it counts too; the few bytes beyond are per message,
// bounded by MailboxMessages.
func messageBytes(msg Message) int64 {
	return int64(len(msg.Data)+len(msg.Helo)) + envelopeBytes(msg.From, msg.Params, msg.To, msg.RcptParams)
}

// remove takes the message with queue id id out of the mailbox, once
// every mailbox it was delivered to has deleted it over POP3; false when
// it is not there (dropped since, or removed already).
func (m *Mailbox) remove(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := slices.IndexFunc(m.msgs, func(msg Message) bool { return msg.ID == id })
	if i < 0 {
		return false
	}
	m.bytes -= m.sizes[i]
	m.garbage += m.sizes[i]
	m.msgs = slices.Delete(m.msgs, i, i+1) // clears the freed slot, for the collector
	m.sizes = slices.Delete(m.sizes, i, i+1)
	m.removed++
	return true
}

// Removed is the number of messages taken out because every mailbox
// they were delivered to deleted them over POP3.
func (m *Mailbox) Removed() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.removed
}

// Dropped is the number of messages dropped to make room for newer ones.
func (m *Mailbox) Dropped() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.dropped
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
// error. Tests use it instead of sleeping after the final reply; n must
// be within the mailbox's capacity, since older messages are dropped.
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
