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
