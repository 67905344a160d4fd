package repl

import (
	"bytes"
	"testing"

	"github.com/smtprepl/smtprepl/proto"
)

// TestWireLogBounded: the lines kept for a late :record come back as they
// went in, copied; past maxWireLog the log lets go of them all.
func TestWireLogBounded(t *testing.T) {
	var w wireLog
	buf := []byte("EHLO a.example\r\n")
	w.add(proto.TapLine{Kind: proto.Sent, Data: buf})
	copy(buf, "XXXX") // the tap's buffer is reused
	w.add(proto.TapLine{Kind: proto.Received, Data: []byte("250 ok\r\n"), TLS: true})
	var got []proto.TapLine
	w.each(func(l proto.TapLine) { got = append(got, l) })
	if len(got) != 2 || string(got[0].Data) != "EHLO a.example\r\n" || got[1].Kind != proto.Received || !got[1].TLS {
		t.Fatalf("kept %+v", got)
	}
	line := bytes.Repeat([]byte("x"), 998)
	for range maxWireLog / len(line) {
		w.add(proto.TapLine{Kind: proto.Sent, Data: line})
	}
	if !w.over || w.data != nil || w.lines != nil {
		t.Errorf("past %d bytes: over %v, %d bytes and %d lines still kept", maxWireLog, w.over, len(w.data), len(w.lines))
	}
}
