package repl

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestIsScriptCommand(t *testing.T) {
	cases := []struct {
		line string
		want bool
	}{
		{"QUIT", true},
		{"quit", true},
		{"Quit", true},
		{"MAIL FROM:<a@b.test>", true},
		{"mail from:<a@b.test>", true},
		{"AUTH PLAIN AHN0dWRlbnQAc2VjcmV0", true},
		{"XCLIENT NAME=spike.porcupine.org", true},
		{"ETRN example.org", true},
		{":b64 bob", true},
		{":bogus", true},
		{"", false},             // an empty answer
		{"*", false},            // a cancel
		{"=", false},            // an empty initial response's spelling
		{"c2VjcmV0", false},     // base64 of "secret"
		{"dXNlcg==", false},     // base64 of "user"
		{"QUIt", false},         // base64 of "AB-": mixed case is not a verb
		{"TURN", false},         // base64 of "MDM", left out on purpose
		{" QUIT", true},         // a server skips the blank: so does the script
		{"QUIT\tnow", true},     // and a tab ends the verb
		{"\tauth\tPLAIN", true}, // both
		{"QUITE", false},        // not a verb
		{"qu\u0131t", false},    // a dotless i upper-cases to QUIT
		{"\u212aEHLO", false},   // nor is a Kelvin sign a K
		{"hunter2 pass", false}, // a typed password is never a command
	}
	for _, tc := range cases {
		if got := isScriptCommand(tc.line); got != tc.want {
			t.Errorf("isScriptCommand(%q) = %v, want %v", tc.line, got, tc.want)
		}
	}
}

// TestAnswersAreNeverCommands checks the promise README makes: the
// base64 of ASCII text never spells a verb the script would take for a
// command, in any of the spellings that count (capitals, lower case,
// capitalised).
func TestAnswersAreNeverCommands(t *testing.T) {
	words := []string{}
	for _, v := range verbs() {
		words = append(words, v.name)
	}
	words = append(words, "ETRN", "XCLIENT", "XFORWARD", "LHLO")
	for _, w := range words {
		lower := strings.ToLower(w)
		for _, spelling := range []string{w, lower, w[:1] + lower[1:]} {
			if !isScriptCommand(spelling) {
				t.Errorf("%q is not taken for a command", spelling)
			}
			if text, ok := decodesToASCII(spelling); ok {
				t.Errorf("%q, a command, is the base64 of the ASCII text %q: an answer could be taken for it", spelling, text)
			}
		}
	}
}

func decodesToASCII(s string) (string, bool) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding} {
		b, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		ascii := true
		for _, c := range b {
			ascii = ascii && c >= 0x20 && c < 0x7f
		}
		if ascii {
			return string(b), true
		}
	}
	return "", false
}

// FuzzAnswerNeverCommand: whatever printable ASCII credentials a script
// holds, their base64 (an AUTH answer line) is never read as a command.
func FuzzAnswerNeverCommand(f *testing.F) {
	for _, seed := range []string{"user", "secret", "MDM", "HCC", "\x00user\x00pass", "xyh", "AB-"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for i := 0; i < len(text); i++ {
			if text[i] != 0 && (text[i] < 0x20 || text[i] >= 0x7f) {
				return // the promise is about text: printable ASCII, and PLAIN's NULs
			}
		}
		if text == "" {
			return
		}
		answer := base64.StdEncoding.EncodeToString([]byte(text))
		if isScriptCommand(answer) {
			t.Errorf("the base64 of %q, %q, is taken for a command", text, answer)
		}
	})
}

// syncBuffer is output that a test can watch while the script runs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A script written by a program that reads smtprepl's output (a
// coprocess) waits for DATA's reply before it writes the message: the
// reply must be out before smtprepl waits for the next line, or both wait
// for ever.
func TestScriptShowsDATAReplyBeforeWaitingForText(t *testing.T) {
	cases := []struct{ rcpt, want string }{
		{"alice@example.test", "S: 354 "},
		{"nobody@example.test", "S: 554 "},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			srv := startSandbox(t)
			out := &syncBuffer{}
			s := NewScriptSession(Config{Addr: srv.Addr().String(), Timeout: 5 * time.Second}, out, io.Discard)
			ctx := context.Background()
			if err := s.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			pr, pw := io.Pipe()
			done := make(chan error, 1)
			go func() { done <- s.RunScript(ctx, pr) }()
			io.WriteString(pw, "EHLO me\nMAIL FROM:<x@example.org>\nRCPT TO:<"+tc.rcpt+">\nDATA\n")
			deadline := time.Now().Add(5 * time.Second)
			for !strings.Contains(out.String(), tc.want) {
				if time.Now().After(deadline) {
					pw.Close()
					t.Fatalf("no %q on the output while smtprepl waits for the next line:\n%s", tc.want, out.String())
				}
				time.Sleep(10 * time.Millisecond)
			}
			io.WriteString(pw, "Subject: x\n\nbody\n.\nQUIT\n")
			pw.Close()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})
	}
}

// BenchmarkScriptRefusedDataBody skips 10 MiB of message text after a
// refused DATA: counted, not copied.
func BenchmarkScriptRefusedDataBody(b *testing.B) {
	srv := startSandbox(b)
	var script strings.Builder
	script.WriteString("EHLO me\nMAIL FROM:<x@example.org>\nRCPT TO:<nobody@example.test>\nDATA\n")
	line := strings.Repeat("y", 98) + "\n"
	for i := 0; i < 100_000; i++ {
		script.WriteString(line)
	}
	script.WriteString(".\nQUIT\n")
	text := script.String()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		s := NewScriptSession(Config{Addr: srv.Addr().String(), Timeout: 5 * time.Second}, io.Discard, io.Discard)
		ctx := context.Background()
		if err := s.Start(ctx); err != nil {
			b.Fatal(err)
		}
		if err := s.RunScript(ctx, strings.NewReader(text)); err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

// TestScriptErrorEscapesOnce: a script error may quote the script, raw or
// already escaped (%q); either way it is shown escaped once and bounded.
func TestScriptErrorEscapesOnce(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("unknown command %q", ":b\x1b]0;x\x07"), `script line 3: unknown command ":b\x1b]0;x\a"`},
		{errors.New("raw \x1b[2J here"), `script line 3: raw \x1b[2J here`},
		{errors.New(strings.Repeat("x", 1000)), "script line 3: " + strings.Repeat("x", 300) + " … (1000 bytes in all)"},
	} {
		if got := (&ScriptError{Line: 3, Err: tc.err}).Error(); got != tc.want {
			t.Errorf("ScriptError(%q) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
