package message

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

// genReader makes size pseudo-random bytes without holding them, and has
// no WriteTo, so the copy path is the one a file or socket takes.
type genReader struct {
	left  int64
	state uint32
}

func (g *genReader) Read(p []byte) (int, error) {
	if g.left == 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), g.left)]
	for i := range p {
		g.state = g.state*1664525 + 1013904223
		p[i] = byte(g.state >> 24)
	}
	g.left -= int64(len(p))
	return len(p), nil
}

func generated(size int64) Opener {
	return func() (io.ReadCloser, error) { return io.NopCloser(&genReader{left: size}), nil }
}

func bigMessage(b *testing.B, size int64) *Message {
	m := newFixed(b, "big")
	m.SetBody(m.Mixed(m.Plain("See the attachment.\n"), m.Attachment("big.bin", "", generated(size))))
	return m
}

// BenchmarkWriteAttachment shows that memory per write is flat: B/op is
// the same for 1 MiB and 20 MiB.
func BenchmarkWriteAttachment(b *testing.B) {
	for _, size := range []int64{1 << 20, 20 << 20} {
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			m := bigMessage(b, size)
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.WriteTo(io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParse reads the 20 MiB message back; B/op includes the kept
// body, which Limits.MaxBodyBytes caps at 8 MiB.
func BenchmarkParse(b *testing.B) {
	var raw bytes.Buffer
	if _, err := bigMessage(b, 20<<20).WriteTo(&raw); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(raw.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(raw.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
}
