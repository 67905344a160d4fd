package sandbox

import (
	"crypto/sha256"
	"sync"
)

// greylistSize bounds the triples remembered. Each is a 32-byte hash
// whatever the addresses' length, so the list costs a few hundred KiB at
// most; past the bound the oldest is forgotten, and its triple is
// greylisted once more, as a real greylist forgets after its lifetime.
const greylistSize = 4096

// greylist remembers the (client IP, sender, recipient) triples seen, as
// postgrey does: the first attempt of each is refused with 451 4.7.1, a
// retry accepted. A real greylist also wants a delay before the retry;
// here any retry will do, so a lesson need not wait.
type greylist struct {
	mu    sync.Mutex
	seen  map[[32]byte]bool
	order [][32]byte // seen's keys, oldest first
}

func newGreylist() *greylist { return &greylist{seen: map[[32]byte]bool{}} }

// first reports whether the triple is new, and remembers it.
func (g *greylist) first(ip, from, rcpt string) bool {
	h := sha256.New()
	for _, s := range []string{ip, from, rcpt} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	var key [32]byte
	h.Sum(key[:0])
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.seen[key] {
		return false
	}
	if len(g.order) >= greylistSize {
		delete(g.seen, g.order[0])
		g.order = g.order[1:]
	}
	g.seen[key] = true
	g.order = append(g.order, key)
	return true
}

// greylisted is the refusal of a triple's first attempt, in postgrey's
// words.
func greylisted(rcpt string) *canned {
	return &canned{451, ec(4, 7, 1), "<" + clip(rcpt) + ">: Recipient address rejected: Greylisted, try again later"}
}

// firstAuth reports whether this is the first AUTH that would succeed
// from ip (Config.AuthFailsOnce), and remembers it.
func (s *Server) firstAuth(ip string) bool {
	s.authMu.Lock()
	defer s.authMu.Unlock()
	if s.authSeen == nil {
		s.authSeen = map[string]bool{}
	}
	if s.authSeen[ip] || len(s.authSeen) >= maxAuthSeen {
		return false
	}
	s.authSeen[ip] = true
	return true
}

// maxAuthSeen bounds the addresses AuthFailsOnce remembers.
const maxAuthSeen = 100000
