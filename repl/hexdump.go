package repl

import (
	"errors"
	"fmt"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/transcripts"
)

// hexDumpMax is how many bytes of one wire line are dumped: a line can be
// long (a replayed raw line, a hostile reply), the dump of it stays a
// screenful.
const hexDumpMax = 4096

// HexDump lays data out as hexdump -C does: offset (counted from offset,
// so a direction's bytes number on from line to line), sixteen bytes in
// hex, and the same bytes as ASCII with anything unprintable as '.'.
// Every dump line is printable ASCII, whatever data holds,
// so it needs no escaping on its way to a terminal.
func HexDump(offset int, data []byte) []string {
	shown := data
	if len(shown) > hexDumpMax {
		shown = shown[:hexDumpMax]
	}
	lines := make([]string, 0, (len(shown)+15)/16+1)
	for i := 0; i < len(shown); i += 16 {
		lines = append(lines, hexRow(offset+i, shown[i:min(i+16, len(shown))]))
	}
	if len(data) > len(shown) {
		lines = append(lines, fmt.Sprintf("… %d more bytes of this line not dumped", len(data)-len(shown)))
	}
	return lines
}

// hexRow is one line of the dump: at most sixteen bytes.
func hexRow(offset int, row []byte) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 0, 80)
	b = fmt.Appendf(b, "%08x  ", offset)
	for j := range 16 {
		if j < len(row) {
			b = append(b, digits[row[j]>>4], digits[row[j]&0xf], ' ')
		} else {
			b = append(b, "   "...)
		}
		if j == 7 {
			b = append(b, ' ')
		}
	}
	b = append(b, " |"...)
	for _, c := range row {
		if c < 0x20 || c > 0x7e {
			c = '.'
		}
		b = append(b, c)
	}
	return string(append(b, '|'))
}

// HexViewer is a view that shows hex dumps (:wire hex), each line of
// one already laid out by HexDump; the view says where, and leaves out a
// line it hid (a password) or did not show (message text past its limit).
type HexViewer interface {
	WireHex(kind proto.LineKind, dump []string)
}

// hexDumper is :wire hex: on or off, and the bytes seen each way (sent,
// received) on this connection.
type hexDumper struct {
	on     bool
	offset [2]int
}

// tap dumps a tapped line to v when :wire hex is on. What the server said
// was scrubbed already; what the client sent is scrubbed here with sec, so
// that a secret's bytes are no more in the dump than in the transcript.
func (d *hexDumper) tap(v View, sec *transcripts.Secrets, l proto.TapLine) {
	if l.Kind == proto.Event {
		return
	}
	dir := 0
	if l.Kind == proto.Received {
		dir = 1
	}
	// The offset is where the line starts on the wire, counted whether or
	// not dumps are on; a redacted line's dump is shorter or longer than
	// what went out, and the next offset is still true.
	offset := d.offset[dir]
	d.offset[dir] += len(l.Data)
	hv, ok := v.(HexViewer)
	if !d.on || !ok {
		return
	}
	data := l.Data
	if l.Kind == proto.Sent {
		data = sec.ScrubBytes(data)
	}
	hv.WireHex(l.Kind, HexDump(offset, data))
}

// HexLabel says which way a dumped line went.
func HexLabel(kind proto.LineKind) string {
	if kind == proto.Sent {
		return "C "
	}
	return "S "
}

// set is :wire and --wire: "hex" adds dumps, "on" the Go-quoted lines of
// the shell (a RawViewer), "off" neither.
func (d *hexDumper) set(v View, mode string) error {
	rv, raw := v.(RawViewer)
	switch mode {
	case "hex":
		d.on = true
	case "off":
		d.on = false
		if raw {
			rv.SetRaw(false)
		}
	case "on":
		if !raw {
			return errors.New(":wire on is for the interactive shell; a script's output is the transcript already (:wire hex works in both)")
		}
		rv.SetRaw(true)
	default:
		return errors.New("usage: :wire on|off|hex")
	}
	return nil
}
