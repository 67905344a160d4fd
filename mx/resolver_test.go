package mx_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/mx"
	"github.com/smtprepl/smtprepl/mx/mxtest"
	"golang.org/x/net/dns/dnsmessage"
)

// scripted answers each query with what its script returns: any number
// of raw replies, so that a test can send what no honest server would.
type scripted struct {
	Addr string
	mu   sync.Mutex
	seen []dnsmessage.Message // queries, in order
	tcp  int
}

func startScripted(t *testing.T, script func(q dnsmessage.Message, tcp bool) [][]byte) *scripted {
	t.Helper()
	pc, ln := mxtest.ListenUDPAndTCP(t)
	s := &scripted{Addr: pc.LocalAddr().String()}
	read := func(b []byte, tcp bool) [][]byte {
		var q dnsmessage.Message
		if q.Unpack(b) != nil {
			return nil
		}
		s.mu.Lock()
		s.seen = append(s.seen, q)
		if tcp {
			s.tcp++
		}
		s.mu.Unlock()
		return script(q, tcp)
	}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			for _, r := range read(buf[:n], false) {
				_, _ = pc.WriteTo(r, from)
			}
		}
	}()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			var size [2]byte
			if _, err := io.ReadFull(c, size[:]); err == nil {
				b := make([]byte, binary.BigEndian.Uint16(size[:]))
				if _, err := io.ReadFull(c, b); err == nil {
					for _, r := range read(b, true) {
						_, _ = c.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(r))), r...))
					}
				}
			}
			c.Close()
		}
	}()
	return s
}

// answer builds the reply to q, as edit changes it.
func answer(t *testing.T, q dnsmessage.Message, edit func(m *dnsmessage.Message)) []byte {
	m := dnsmessage.Message{Header: dnsmessage.Header{ID: q.ID, Response: true, RecursionDesired: true, RecursionAvailable: true}, Questions: q.Questions}
	if edit != nil {
		edit(&m)
	}
	b, err := m.Pack()
	if err != nil {
		t.Error(err)
	}
	return b
}

func record(q dnsmessage.Message, body dnsmessage.ResourceBody) dnsmessage.Resource {
	return dnsmessage.Resource{Header: dnsmessage.ResourceHeader{Name: q.Questions[0].Name, Class: dnsmessage.ClassINET, TTL: 60}, Body: body}
}

// show renders an answer's records the way dig's answer section reads.
func show(a mx.Answer) []string {
	var out []string
	if a.Authenticated {
		out = append(out, "AD")
	}
	for _, r := range a.Records {
		s := r.Name + " " + r.Type.String()
		switch r.Type {
		case mx.TypeA, mx.TypeAAAA:
			s += " " + r.Addr.String()
		case mx.TypeMX:
			s += fmt.Sprintf(" %d %s", r.Preference, r.Host)
		case mx.TypeCNAME:
			s += " " + r.Host
		case mx.TypeTXT:
			s += ` "` + strings.Join(r.Text, `" "`) + `"`
		case mx.TypeTLSA:
			s += fmt.Sprintf(" %d %d %d %x", r.TLSA.Usage, r.TLSA.Selector, r.TLSA.MatchingType, r.TLSA.Data)
		}
		out = append(out, s)
	}
	return out
}

// TestQueryWire is the resolver against replies an honest server, a
// forger and a broken one send.
func TestQueryWire(t *testing.T) {
	a := func(q dnsmessage.Message, tcp bool) [][]byte {
		return [][]byte{answer(t, q, func(m *dnsmessage.Message) {
			m.Answers = []dnsmessage.Resource{record(q, &dnsmessage.AResource{A: [4]byte{192, 0, 2, 1}})}
		})}
	}
	tests := []struct {
		name   string
		qtype  mx.Type
		script func(q dnsmessage.Message, tcp bool) [][]byte
		want   []string
		tcp    int    // queries asked over TCP
		err    string // the error's text, with SERVER for the resolver
		kind   mx.Kind
	}{
		{name: "an answer", qtype: mx.TypeA, script: a, want: []string{"x.test. A 192.0.2.1"}},
		{name: "a truncated UDP reply is asked again over TCP", qtype: mx.TypeA, tcp: 1,
			script: func(q dnsmessage.Message, tcp bool) [][]byte {
				if !tcp {
					return [][]byte{answer(t, q, func(m *dnsmessage.Message) { m.Truncated = true })}
				}
				return a(q, tcp)
			},
			want: []string{"x.test. A 192.0.2.1"}},
		{name: "a truncated reply over TCP gives what it holds", qtype: mx.TypeA, tcp: 1,
			script: func(q dnsmessage.Message, tcp bool) [][]byte {
				return [][]byte{answer(t, q, func(m *dnsmessage.Message) {
					m.Truncated = true
					if tcp {
						m.Answers = []dnsmessage.Resource{record(q, &dnsmessage.AResource{A: [4]byte{192, 0, 2, 1}})}
					}
				})}
			},
			want: []string{"x.test. A 192.0.2.1"}},
		{name: "a reply with another ID is refused", qtype: mx.TypeA, kind: mx.Unreachable,
			script: func(q dnsmessage.Message, tcp bool) [][]byte {
				q.ID++
				return a(q, tcp)
			},
			err: "the A query for x.test: could not ask SERVER: the reply does not answer the query: ID "},
		{name: "a forged reply before the real one is skipped", qtype: mx.TypeA,
			script: func(q dnsmessage.Message, tcp bool) [][]byte {
				forged := q
				forged.ID++
				return append(a(forged, tcp), a(q, tcp)...)
			},
			want: []string{"x.test. A 192.0.2.1"}},
		{name: "a reply about another name is refused", qtype: mx.TypeA, kind: mx.Unreachable,
			script: func(q dnsmessage.Message, tcp bool) [][]byte {
				q.Questions = []dnsmessage.Question{{Name: dnsmessage.MustNewName("y.test."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}}
				return a(q, tcp)
			},
			err: "the A query for x.test: could not ask SERVER: the reply does not answer the query: it is about another question"},
		{name: "over TCP another ID is refused at once", qtype: mx.TypeA, kind: mx.Unreachable,
			script: func(q dnsmessage.Message, tcp bool) [][]byte {
				if !tcp {
					return [][]byte{answer(t, q, func(m *dnsmessage.Message) { m.Truncated = true })}
				}
				q.ID++
				return a(q, tcp)
			},
			tcp: 1, err: "the A query for x.test: could not ask SERVER: the reply does not answer the query: ID "},
		{name: "the name's case may differ (0x20)", qtype: mx.TypeA,
			script: func(q dnsmessage.Message, tcp bool) [][]byte {
				q.Questions = []dnsmessage.Question{q.Questions[0]}
				q.Questions[0].Name = dnsmessage.MustNewName("X.TeSt.")
				return a(q, tcp)
			},
			want: []string{"X.TeSt. A 192.0.2.1"}},
		{name: "TLSA", qtype: mx.TypeTLSA,
			script: func(q dnsmessage.Message, tcp bool) [][]byte {
				return [][]byte{answer(t, q, func(m *dnsmessage.Message) {
					m.AuthenticData = true
					m.Answers = []dnsmessage.Resource{record(q, &dnsmessage.UnknownResource{Type: 52, Data: []byte{3, 1, 1, 0xab, 0xcd}})}
				})}
			},
			want: []string{"AD", "x.test. TLSA 3 1 1 abcd"}},
		{name: "malformed TLSA RDATA", qtype: mx.TypeTLSA, kind: mx.Unreachable,
			script: func(q dnsmessage.Message, tcp bool) [][]byte {
				return [][]byte{answer(t, q, func(m *dnsmessage.Message) {
					m.Answers = []dnsmessage.Resource{record(q, &dnsmessage.UnknownResource{Type: 52, Data: []byte{3, 1}})}
				})}
			},
			err: "the TLSA query for x.test: could not ask SERVER: the reply's TLSA record for x.test. is malformed: 2 octets of RDATA, fewer than the 3 of usage, selector and matching type"},
		{name: "TXT strings are escaped as dig shows them", qtype: mx.TypeTXT,
			script: func(q dnsmessage.Message, tcp bool) [][]byte {
				return [][]byte{answer(t, q, func(m *dnsmessage.Message) {
					m.Answers = []dnsmessage.Resource{record(q, &dnsmessage.TXTResource{TXT: []string{`v=STSv1; id="1"`, "\x1b[2J\\"}})}
				})}
			},
			want: []string{`x.test. TXT "v=STSv1; id=\"1\"" "\027[2J\\"`}},
		{name: "MX, CNAME and names with odd octets", qtype: mx.TypeMX,
			script: func(q dnsmessage.Message, tcp bool) [][]byte {
				return [][]byte{answer(t, q, func(m *dnsmessage.Message) {
					m.Answers = []dnsmessage.Resource{
						record(q, &dnsmessage.CNAMEResource{CNAME: dnsmessage.MustNewName("a b.test.")}),
						record(q, &dnsmessage.MXResource{Pref: 10, MX: dnsmessage.MustNewName("m\x1b\xff.test.")}),
						record(q, &dnsmessage.MXResource{Pref: 0, MX: dnsmessage.MustNewName(".")}),
					}
				})}
			},
			want: []string{`x.test. CNAME a\ b.test.`, `x.test. MX 10 m\027\255.test.`, "x.test. MX 0 ."}},
		{name: "an extended RCODE from EDNS0", qtype: mx.TypeA, kind: mx.OtherRcode,
			script: func(q dnsmessage.Message, tcp bool) [][]byte {
				return [][]byte{answer(t, q, func(m *dnsmessage.Message) {
					var h dnsmessage.ResourceHeader
					_ = h.SetEDNS0(1232, 16, false) // BADVERS, RFC 6891 §9
					m.Additionals = []dnsmessage.Resource{{Header: h, Body: &dnsmessage.OPTResource{}}}
				})}
			},
			err: "the A query for x.test: BADVERS from SERVER"},
		{name: "NXDOMAIN", qtype: mx.TypeA, kind: mx.NXDomain,
			script: func(q dnsmessage.Message, tcp bool) [][]byte {
				return [][]byte{answer(t, q, func(m *dnsmessage.Message) { m.RCode = dnsmessage.RCodeNameError })}
			},
			err: "the A query for x.test: NXDOMAIN from SERVER: the name does not exist"},
		{name: "not DNS at all", qtype: mx.TypeA, kind: mx.Unreachable,
			script: func(q dnsmessage.Message, tcp bool) [][]byte { return [][]byte{[]byte("220\r\n")} },
			err:    "the A query for x.test: could not ask SERVER: the reply is not a DNS message: "},
		{name: "no reply", qtype: mx.TypeA, kind: mx.Timeout,
			script: func(q dnsmessage.Message, tcp bool) [][]byte { return nil },
			err:    "the A query for x.test: no answer from SERVER in time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startScripted(t, tt.script)
			res, err := mx.NewResolver(srv.Addr, 300*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			ans, err := res.Query(context.Background(), "x.test", tt.qtype)
			if tt.err != "" {
				var de *mx.Error
				if err == nil || !strings.HasPrefix(err.Error(), strings.ReplaceAll(tt.err, "SERVER", srv.Addr)) || !errors.As(err, &de) || de.Kind != tt.kind {
					t.Fatalf("error %v (%#v), want %q of kind %d", err, err, tt.err, tt.kind)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, show(ans)); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
			srv.mu.Lock()
			defer srv.mu.Unlock()
			if srv.tcp != tt.tcp {
				t.Errorf("%d queries over TCP, want %d", srv.tcp, tt.tcp)
			}
			for _, q := range srv.seen {
				checkQuery(t, q, tt.qtype)
			}
		})
	}
}

// checkQuery: one question, recursion desired, and EDNS0 with the DO bit,
// without which a validating resolver does not set AD.
func checkQuery(t *testing.T, q dnsmessage.Message, qtype mx.Type) {
	t.Helper()
	if len(q.Questions) != 1 || q.Questions[0].Name.String() != "x.test." || q.Questions[0].Type != dnsmessage.Type(qtype) || !q.RecursionDesired {
		t.Errorf("query %+v", q)
	}
	if len(q.Additionals) != 1 || q.Additionals[0].Header.Type != dnsmessage.TypeOPT ||
		!q.Additionals[0].Header.DNSSECAllowed() || q.Additionals[0].Header.Class != 1232 {
		t.Errorf("query without EDNS0 and DO: %+v", q.Additionals)
	}
}

// TestQueryCanceled: giving up ends a query at once, with its own kind.
func TestQueryCanceled(t *testing.T) {
	srv := startScripted(t, func(dnsmessage.Message, bool) [][]byte { return nil })
	res, err := mx.NewResolver(srv.Addr, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = res.Query(ctx, "x.test", mx.TypeA)
	var de *mx.Error
	if !errors.As(err, &de) || de.Kind != mx.Canceled || err.Error() != "the A query for x.test: given up" {
		t.Fatalf("error %v, want the query given up", err)
	}
}
