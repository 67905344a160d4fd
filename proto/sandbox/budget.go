package sandbox

import (
	"sync"

	"github.com/smtprepl/smtprepl/proto"
)

// chunkBytes is the unit in which message bodies are held while they
// arrive, and in which the in-flight budget counts.
const chunkBytes = 64 << 10

// budget bounds the message bytes held for transactions in progress,
// across all sessions (Config.InFlightBytes). Bodies are held in chunks
// it hands out and takes back, so that the memory is reused rather than
// left to the garbage collector: what the sandbox holds for bodies in
// flight never exceeds what the budget allows. A body's first chunk is
// granted even when the budget is spent, so that small messages still get
// through while clients hold it all with big ones; that is at most one
// chunk per session beyond the budget.
type budget struct {
	mu    sync.Mutex
	free  [][]byte // chunks given back, ready for reuse
	inUse int      // chunks handed out
	max   int      // chunks that may be in use, first chunks aside
}

func newBudget(bytes int64) *budget {
	return &budget{max: int(max(bytes/chunkBytes, 1))}
}

// take hands out an empty chunk, or nil when the budget is spent and this
// is not the body's first.
func (b *budget) take(first bool) []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !first && b.inUse >= b.max {
		return nil
	}
	b.inUse++
	if n := len(b.free); n > 0 {
		c := b.free[n-1]
		b.free[n-1] = nil
		b.free = b.free[:n-1]
		return c[:0]
	}
	return make([]byte, 0, chunkBytes)
}

// give takes chunks back. What they held is never read again: a chunk is
// handed out empty and only the bytes written since are used.
func (b *budget) give(chunks [][]byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inUse -= len(chunks)
	b.free = append(b.free, chunks...)
}

// reserve counts one chunk more against the budget for what is held
// outside bodies (a transaction's envelope), or reports that it is spent.
func (b *budget) reserve() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.inUse >= b.max {
		return false
	}
	b.inUse++
	return true
}

// unreserve gives back n chunks counted by reserve.
func (b *budget) unreserve(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inUse -= n
}

// envelopeBytes is what a message's envelope holds: addresses and
// parameters, which a transaction of 1000 recipients on 64 KiB lines could
// make as big as any body.
func envelopeBytes(from string, params []proto.Param, to []string, rcptParams [][]proto.Param) int64 {
	n := int64(len(from)) + paramBytes(params)
	for i, addr := range to {
		n += int64(len(addr))
		if i < len(rcptParams) {
			n += paramBytes(rcptParams[i])
		}
	}
	return n
}

func paramBytes(params []proto.Param) int64 {
	var n int64
	for _, p := range params {
		n += int64(len(p.Key) + len(p.Value))
	}
	return n
}

// room reports whether a body of size bytes would fit in what is left.
func (b *budget) room(size int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	left := int64(max(b.max-b.inUse, 0)+1) * chunkBytes // +1: the first chunk
	return size <= left
}

// bodyBuffer collects a message body in chunks from the budget. When the
// budget runs out, it gives back what it holds and drops the rest of the
// body (over), so that the session can read the body to its end and stay
// in step, then refuse it.
type bodyBuffer struct {
	budget *budget
	chunks [][]byte
	n      int64 // bytes held
	over   bool  // the budget ran out: the body is lost
}

func (w *bodyBuffer) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && !w.over {
		last := len(w.chunks) - 1
		if last < 0 || len(w.chunks[last]) == cap(w.chunks[last]) {
			c := w.budget.take(last < 0)
			if c == nil {
				w.over = true
				w.release()
				break
			}
			w.chunks = append(w.chunks, c)
			last++
		}
		c := w.chunks[last]
		k := copy(c[len(c):cap(c)], p)
		w.chunks[last] = c[:len(c)+k]
		w.n += int64(k)
		p = p[k:]
	}
	return n, nil
}

// Len is the number of bytes held.
func (w *bodyBuffer) Len() int64 { return w.n }

// bytes copies the body out, exactly sized: it is what the mailbox keeps
// and counts. An empty body is nil.
func (w *bodyBuffer) bytes() []byte {
	if w.n == 0 {
		return nil
	}
	data := make([]byte, 0, w.n)
	for _, c := range w.chunks {
		data = append(data, c...)
	}
	return data
}

// release gives the chunks back to the budget; the buffer is then empty.
func (w *bodyBuffer) release() {
	if w == nil || len(w.chunks) == 0 {
		return
	}
	w.budget.give(w.chunks)
	clear(w.chunks)
	w.chunks, w.n = nil, 0
}

// bareLF counts LFs not preceded by CR, as proto.ReadDotBody does for
// DATA, so both ways of sending report the same.
func (w *bodyBuffer) bareLF() int {
	n, prev := 0, byte(0)
	for _, c := range w.chunks {
		for _, b := range c {
			if b == '\n' && prev != '\r' {
				n++
			}
			prev = b
		}
	}
	return n
}
