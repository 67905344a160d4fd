package proto

import "testing"

type pair struct {
	line  string
	reply *Reply
}

// benchSession is a session between transactions, and the pairs of one
// transaction as a pipelined script feeds them.
func benchSession() (*Session, []pair) {
	ok := NewReply(250, EnhancedCode{2, 0, 0}, "Ok")
	s := &Session{}
	s.Greeting(NewReply(220, EnhancedCode{}, "mx.example.test ESMTP"))
	s.Feed("EHLO client.example.org", NewReply(250, EnhancedCode{}, "mx.example.test", "PIPELINING", "8BITMIME"))
	return s, []pair{
		{"MAIL FROM:<bob@example.org> BODY=8BITMIME", ok},
		{"RCPT TO:<alice@example.test>", ok},
		{"RCPT TO:<carol@example.test>", ok},
		{"DATA", NewReply(354, EnhancedCode{}, "End data with <CR><LF>.<CR><LF>")},
		{".", ok},
		{"NOOP", ok},
		{"RSET", ok},
	}
}

// playPairs feeds the pairs as script mode would: it asks the role and
// whether to wait before each line, then feeds the reply.
func playPairs(s *Session, pairs []pair) {
	for _, p := range pairs {
		if s.Role(p.line) == RoleEndOfData {
			s.EndData()
		}
		_ = s.MustWait(p.line)
		_ = s.Expect(p.line)
		s.Feed(p.line, p.reply)
	}
}

// BenchmarkSessionFeed is the cost of one (line, reply) pair on the hot
// path of pipelined script mode, averaged over a transaction's verbs.
func BenchmarkSessionFeed(b *testing.B) {
	s, pairs := benchSession()
	b.ReportAllocs()
	for b.Loop() {
		playPairs(s, pairs[:1])
		playPairs(s, pairs[1:])
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pairs)), "ns/pair")
}

// BenchmarkSessionLegal is completion's question, for every verb.
func BenchmarkSessionLegal(b *testing.B) {
	s, pairs := benchSession()
	playPairs(s, pairs[:2])
	b.ReportAllocs()
	for b.Loop() {
		for i := range sessionVerbs {
			_ = s.Suggest(sessionVerbs[i].name)
		}
	}
}
