package repl

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestHexDump(t *testing.T) {
	cases := []struct {
		offset int
		data   string
		want   []string
	}{
		{0, "EHLO x\r\n", []string{
			"00000000  45 48 4c 4f 20 78 0d 0a                           |EHLO x..|",
		}},
		{0x20, "250-mx.example.com ok\r\n", []string{
			"00000020  32 35 30 2d 6d 78 2e 65  78 61 6d 70 6c 65 2e 63  |250-mx.example.c|",
			"00000030  6f 6d 20 6f 6b 0d 0a                              |om ok..|",
		}},
		{0, "\x1b]0;x\x07\xc3\xa9\x7f", []string{
			"00000000  1b 5d 30 3b 78 07 c3 a9  7f                       |.]0;x....|",
		}},
		{0, "", []string{}},
	}
	for _, tc := range cases {
		if d := cmp.Diff(tc.want, HexDump(tc.offset, []byte(tc.data))); d != "" {
			t.Errorf("HexDump(%#x, %q) (-want +got):\n%s", tc.offset, tc.data, d)
		}
	}
	long := HexDump(0, bytes.Repeat([]byte("a"), hexDumpMax+5))
	if len(long) != hexDumpMax/16+1 || long[len(long)-1] != "… 5 more bytes of this line not dumped" {
		t.Errorf("a long line: %d lines, last %q", len(long), long[len(long)-1])
	}
}

// FuzzHexDump checks the promises: fixed-width printable lines whose hex
// columns give back the bytes, and whose ASCII column agrees with them.
func FuzzHexDump(f *testing.F) {
	f.Add(0, []byte("EHLO x\r\n"))
	f.Add(16, []byte("\x00\x1b[31m\xff\xfe"))
	f.Fuzz(func(t *testing.T, offset int, data []byte) {
		if offset < 0 || offset > 1<<30 || len(data) > hexDumpMax {
			return
		}
		var back []byte
		for _, line := range HexDump(offset, data) {
			if len(line) > 78 || strings.IndexFunc(line, func(r rune) bool { return r < 0x20 || r > 0x7e }) >= 0 {
				t.Fatalf("line %q is not fixed-width printable ASCII", line)
			}
			hexPart, ascii, ok := strings.Cut(line[10:], " |")
			if !ok {
				t.Fatalf("line %q has no ASCII column", line)
			}
			row, err := hex.DecodeString(strings.ReplaceAll(hexPart, " ", ""))
			if err != nil || len(row) != len(ascii)-1 {
				t.Fatalf("line %q: hex %v, %d bytes for %d ASCII", line, err, len(row), len(ascii)-1)
			}
			back = append(back, row...)
		}
		if !bytes.Equal(back, data) {
			t.Errorf("dump of %q gives back %q", data, back)
		}
	})
}

func BenchmarkHexDump(b *testing.B) {
	line := []byte("250-mx.example.com Hello client.example [192.0.2.1], pleased to meet you\r\n")
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		HexDump(0, line)
	}
}

func TestWireHexInScript(t *testing.T) {
	script := "EHLO client.example\nNOOP\nAUTH PLAIN AHN0dWRlbnQAc2VjcmV0\n:wire off\nQUIT\n"
	out, _, err := runScriptAgainst(t, startSandbox(t), Config{WireHex: true}, script)
	if err != nil {
		t.Fatalf("script failed: %v\n%s", err, out)
	}
	for _, want := range []string{
		"C: EHLO client.example\n# C 00000000  45 48 4c 4f 20 63 6c 69  65 6e 74 2e 65 78 61 6d  |EHLO client.exam|\n# C 00000010  70 6c 65 0d 0a                                    |ple..|\n",
		"C: NOOP\n# C 00000015  4e 4f 4f 50 0d 0a                                 |NOOP..|\nS: 250 2.0.0 Ok\n# S ",
		"# S 00000000  32 32 30 20 73 61 6e 64  62 6f 78 2e 73 6d 74 70  |220 sandbox.smtp|\n",
		"|AUTH PLAIN <reda|",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "AHN0dWRl") || strings.Contains(out, "41 48 4e 30") || strings.Contains(out, "|AHN0") {
		t.Errorf("the AUTH PLAIN secret reached the hex dump:\n%s", out)
	}
	if strings.Contains(out, "C: QUIT\n# C ") {
		t.Errorf(":wire off left the dump on:\n%s", out)
	}
	if _, _, err := runScriptAgainst(t, startSandbox(t), Config{}, ":wire sideways\n"); err == nil || !strings.Contains(err.Error(), "usage: :wire on|off|hex") {
		t.Errorf(":wire sideways: got %v", err)
	}
}
