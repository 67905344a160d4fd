package transcripts

import (
	"strconv"
	"strings"
	"testing"
)

func TestUnquote(t *testing.T) {
	tests := []string{
		`""`, `"plain text"`, `"\x00\x01\r\n"`, `"caf\u00e9 \U0001F600 \xff\377"`, "\"raw \xff byte \\n\"",
		`"\'"`, `"bad \q"`, `"unescaped " quote"`, "\"new\nline\"", `"\ud800"`, `"open`, `'single'`, "`raw`", `"`, ``,
	}
	for _, q := range tests {
		got, err := unquote(q)
		want, werr := strconv.Unquote(q)
		if q != "" && q[0] != '"' {
			want, werr = "", strconv.ErrSyntax // only double quotes are a transcript's
		}
		if got != want || (err == nil) != (werr == nil) {
			t.Errorf("unquote(%q) = %q, %v; want %q, %v", q, got, err, want, werr)
		}
	}
}

// FuzzUnquote: unquote agrees with strconv.Unquote on every double-quoted
// string.
func FuzzUnquote(f *testing.F) {
	for _, s := range []string{`\x00\x01`, `caf\u00e9`, "\xff", `\"`, `"`, "\n", `\q`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		q := `"` + body + `"`
		got, err := unquote(q)
		want, werr := strconv.Unquote(q)
		if got != want || (err == nil) != (werr == nil) {
			t.Errorf("unquote(%q) = %q, %v; strconv.Unquote gives %q, %v", q, got, err, want, werr)
		}
	})
}

// BenchmarkUnquoteLongLine is a 16 MiB reply written as 64 MB of escapes.
func BenchmarkUnquoteLongLine(b *testing.B) {
	q := `"250 ` + strings.Repeat(`\x00`, 16<<20) + `\r\n"`
	b.SetBytes(int64(len(q)))
	for b.Loop() {
		if _, err := unquote(q); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzUnquoteChunks: a quoted string's inside cut into chunks anywhere
// unquotes as it does whole.
func FuzzUnquoteChunks(f *testing.F) {
	f.Add(`\x00\x01\U0001F600 caf`+"\xc3\xa9", uint8(3), uint8(1))
	f.Add(`\q`, uint8(1), uint8(1))
	f.Add("ab\xe2\x82\xacc", uint8(2), uint8(7))
	f.Fuzz(func(t *testing.T, body string, size, small uint8) {
		var chunks []string
		for i, s := 0, body; len(s) > 0; i++ {
			n := min(len(s), int(size%16)+1)
			if i%3 == 1 {
				n = min(len(s), int(small%4)) // some chunks shorter than a character, or empty
			}
			chunks = append(chunks, s[:n])
			s = s[n:]
		}
		got, ok := unquoteChunks(chunks)
		want, err := unquote(`"` + body + `"`)
		if got != want || ok != (err == nil) {
			t.Errorf("unquoteChunks(%q) = %q, %v; unquote gives %q, %v", chunks, got, ok, want, err)
		}
	})
}

// BenchmarkReadLongQuotedLine reads the same line as a transcript: in
// pieces, never joined.
func BenchmarkReadLongQuotedLine(b *testing.B) {
	file := "S: 220 x\nC: NOOP\nS= \"250 " + strings.Repeat(`\x00`, 16<<20) + "\\r\\n\"\n"
	b.SetBytes(int64(len(file)))
	for b.Loop() {
		if _, err := Parse(strings.NewReader(file)); err != nil {
			b.Fatal(err)
		}
	}
}
