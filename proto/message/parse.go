package message

import (
	"bufio"
	"cmp"
	"encoding/base64"
	"fmt"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"slices"
	"strings"
)

// Limits bound what parsing one message may cost, because the sandbox
// mailbox parses whatever a client sends. A zero field takes its default.
type Limits struct {
	MaxDepth       int   // nesting of multipart and message/rfc822 entities (default 16)
	MaxParts       int   // entities in the whole tree (default 500)
	MaxHeaderBytes int   // one top-level or message/rfc822 header block (default 256 KiB); mime/multipart bounds part headers itself (10 MiB)
	MaxBodyBytes   int64 // decoded body bytes kept in memory across the tree (default 8 MiB); sizes are still counted past it
}

func (l Limits) withDefaults() Limits {
	return Limits{
		MaxDepth:       cmp.Or(l.MaxDepth, 16),
		MaxParts:       cmp.Or(l.MaxParts, 500),
		MaxHeaderBytes: cmp.Or(l.MaxHeaderBytes, 256<<10),
		MaxBodyBytes:   cmp.Or(l.MaxBodyBytes, 8<<20),
	}
}

// maxBoundary is far above RFC 2046's 70 but keeps a hostile boundary from
// outgrowing mime/multipart's 4 KiB look-ahead.
const maxBoundary = 256

// Entity is one node of a parsed message: RFC 2045's name for a header
// plus a body. Problems inside the tree are kept in Err on the entity
// concerned rather than failing the parse, so a broken message still shows.
type Entity struct {
	Header      Header            // fields; in received order at the top, sorted by name inside multiparts (mime/multipart returns a map)
	MediaType   string            // lower-case type/subtype; RFC 2045 §5.2's default when absent
	Params      map[string]string // Content-Type parameters, RFC 2231 decoded
	Encoding    Encoding          // lower-case Content-Transfer-Encoding; "7bit" when absent
	Disposition string            // Content-Disposition type, e.g. "attachment"
	Filename    string            // Content-Disposition filename, else Content-Type name
	ContentID   string            // without angle brackets
	Body        []byte            // decoded body, as much as Limits.MaxBodyBytes left room for
	Size        int64             // decoded body size, counted in full
	Truncated   bool              // Body holds fewer than Size bytes
	Children    []*Entity         // parts of a multipart, or the message inside message/rfc822
	Err         error             // the first problem with this entity; parsing went on
}

func (e *Entity) fail(err error) {
	if e.Err == nil {
		e.Err = err
	}
}

// Walk calls fn for e and every entity below it, parents first.
func (e *Entity) Walk(fn func(e *Entity, depth int)) { e.walk(fn, 0) }

func (e *Entity) walk(fn func(*Entity, int), depth int) {
	fn(e, depth)
	for _, c := range e.Children {
		c.walk(fn, depth+1)
	}
}

// Parse reads a message with the default [Limits].
func Parse(r io.Reader) (*Entity, error) { return ParseLimits(r, Limits{}) }

// ParseLimits reads a message into a tree. It fails only when the
// top-level header cannot be read; anything wrong below is in Entity.Err.
func ParseLimits(r io.Reader, lim Limits) (*Entity, error) {
	p := &parser{lim: lim.withDefaults(), buf: make([]byte, 32<<10)}
	p.room = p.lim.MaxBodyBytes
	return p.message(r, 0)
}

type parser struct {
	lim   Limits
	parts int    // entities made so far
	room  int64  // body bytes that may still be kept
	buf   []byte // shared copy buffer, so many small parts cost one allocation
}

func (p *parser) message(r io.Reader, depth int) (*Entity, error) {
	br := bufio.NewReader(r)
	h, err := readHeader(br, p.lim.MaxHeaderBytes)
	if err != nil {
		return nil, err
	}
	return p.entity(h, br, depth, "text/plain"), nil
}

func (p *parser) entity(h Header, body io.Reader, depth int, defType string) *Entity {
	p.parts++
	e := &Entity{Header: h}
	e.describe(defType)
	switch {
	case strings.HasPrefix(e.MediaType, "multipart/"):
		p.multipart(e, body, depth)
	case e.MediaType == "message/rfc822" || e.MediaType == "message/global":
		p.embedded(e, body, depth)
	default:
		p.leaf(e, body)
	}
	return e
}

func (p *parser) multipart(e *Entity, body io.Reader, depth int) {
	boundary := e.Params["boundary"]
	switch {
	case boundary == "" || len(boundary) > maxBoundary:
		e.fail(fmt.Errorf("message: %s with a missing or overlong boundary; body kept as is", e.MediaType))
		p.leaf(e, body)
		return
	case depth >= p.lim.MaxDepth:
		e.fail(fmt.Errorf("message: nested deeper than %d; not descended", p.lim.MaxDepth))
		p.leaf(e, body)
		return
	}
	def := "text/plain"
	if e.MediaType == "multipart/digest" {
		def = "message/rfc822" // RFC 2046 §5.1.5
	}
	mr := multipart.NewReader(body, boundary)
	for {
		if p.parts >= p.lim.MaxParts {
			e.fail(fmt.Errorf("message: more than %d parts; the rest are skipped", p.lim.MaxParts))
			return
		}
		part, err := mr.NextRawPart()
		if err == io.EOF {
			return
		}
		if err != nil {
			e.fail(fmt.Errorf("message: %s: %w", e.MediaType, err))
			return
		}
		e.Children = append(e.Children, p.entity(fromMIME(part.Header), part, depth+1, def))
	}
}

func (p *parser) embedded(e *Entity, body io.Reader, depth int) {
	if depth >= p.lim.MaxDepth || p.parts >= p.lim.MaxParts {
		e.fail(fmt.Errorf("message: depth or part limit reached; %s not descended", e.MediaType))
		p.leaf(e, body)
		return
	}
	child, err := p.message(decoder(e.Encoding, body), depth+1)
	if err != nil {
		e.fail(err)
		return
	}
	e.Children = []*Entity{child}
}

func (p *parser) leaf(e *Entity, body io.Reader) {
	k := &keeper{room: p.room}
	n, err := io.CopyBuffer(k, decoder(e.Encoding, body), p.buf)
	e.Body, e.Size, e.Truncated = k.kept, n, n > int64(len(k.kept))
	p.room -= int64(len(k.kept))
	if err != nil {
		e.fail(fmt.Errorf("message: decoding %s body: %w", e.Encoding, err))
	}
}

// describe fills in what the Content-* fields say, with RFC 2045's
// defaults where they are absent or broken.
func (e *Entity) describe(defType string) {
	ct := e.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	switch {
	case ct == "" || err != nil && mt == "":
		if ct != "" {
			e.fail(fmt.Errorf("message: Content-Type %q: %w; read as %s", ct, err, defType))
		}
		mt, params = defType, map[string]string{}
		if defType == "text/plain" {
			params["charset"] = "us-ascii" // RFC 2045 §5.2
		}
	case err != nil:
		e.fail(fmt.Errorf("message: Content-Type %q: %w", ct, err))
	}
	e.MediaType, e.Params = mt, params
	enc := strings.ToLower(strings.TrimSpace(e.Header.Get("Content-Transfer-Encoding")))
	e.Encoding = Encoding(cmp.Or(enc, string(SevenBit)))
	disp, dparams, _ := mime.ParseMediaType(e.Header.Get("Content-Disposition"))
	e.Disposition = disp
	// Some clients put RFC 2047 words in a quoted filename; decode those too.
	e.Filename = Field{Value: cmp.Or(dparams["filename"], params["name"])}.Decoded()
	e.ContentID = strings.Trim(e.Header.Get("Content-ID"), "<> \t")
}

func fromMIME(mh textproto.MIMEHeader) Header {
	var h Header
	for _, name := range slices.Sorted(maps.Keys(mh)) {
		for _, v := range mh[name] {
			h = append(h, Field{Name: name, Value: v})
		}
	}
	return h
}

func decoder(enc Encoding, r io.Reader) io.Reader {
	switch enc {
	case Base64:
		return base64.NewDecoder(base64.StdEncoding, &base64Filter{r: r})
	case QuotedPrintable:
		return quotedprintable.NewReader(r)
	}
	return r
}

// base64Filter drops everything outside the base64 alphabet, as RFC 2045
// §6.8 tells decoders to, so stray spaces do not fail a whole part.
type base64Filter struct{ r io.Reader }

func (f *base64Filter) Read(p []byte) (int, error) {
	for {
		n, err := f.r.Read(p)
		kept := 0
		for _, c := range p[:n] {
			if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '=' {
				p[kept] = c
				kept++
			}
		}
		if kept > 0 || err != nil || n == 0 {
			return kept, err
		}
	}
}

// keeper keeps bytes while it has room and counts all of them.
type keeper struct {
	kept []byte
	room int64
}

func (k *keeper) Write(p []byte) (int, error) {
	take := int(min(int64(len(p)), k.room))
	if take == 0 {
		return len(p), nil
	}
	// Grow by doubling up to the budget: append's gentler growth for
	// large slices would copy a multi-megabyte body many times.
	if need := len(k.kept) + take; need > cap(k.kept) {
		limit := int64(len(k.kept)) + k.room
		grown := make([]byte, len(k.kept), min(int64(max(2*cap(k.kept), need, 4096)), limit))
		copy(grown, k.kept)
		k.kept = grown
	}
	k.kept = append(k.kept, p[:take]...)
	k.room -= int64(take)
	return len(p), nil
}
