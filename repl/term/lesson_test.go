package term

import (
	"bytes"
	"context"
	"github.com/smtprepl/smtprepl/repl"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/smtprepl/smtprepl/lessons"
	"github.com/smtprepl/smtprepl/proto/sandbox"
)

// TestRunLessonAgainstItsServer plays a lesson through RunLesson: the
// sandbox options are applied, its certificate is trusted through a file
// (--cafile, as for a lab CA), and the transcript names the server, not
// its random port.
func TestRunLessonAgainstItsServer(t *testing.T) {
	l, err := lessons.Parse("t", []byte(`title: T
sandbox: require-tls
-- step: Connect --
> :open
expect 220
> EHLO a.example
expect 250
> MAIL FROM:<alice@example.test>
expect 530
-- step: TLS --
> STARTTLS
expect 220
> EHLO a.example
expect 250
-- step: Implicit --
> :open {{implicit-tls}} --tls {{trust}}
expect 220
> QUIT
expect 221
`))
	if err != nil {
		t.Fatal(err)
	}
	ls, err := repl.StartLessonServer(sandbox.DefaultConfig(), l.Sandbox)
	if err != nil {
		t.Fatal(err)
	}
	target := ls.Target()
	target.Config.Timeout = 5 * time.Second
	var out, wire bytes.Buffer
	res, err := RunLesson(context.Background(), target, l, LessonOptions{Out: &out, Auto: true, Transcript: &wire})
	if err != nil || !res.Passed() {
		t.Fatalf("Result %+v, err %v\n%s", res, err, out.String())
	}
	for _, want := range []string{"=== connected to sandbox\n", "=== connected to sandbox-tls\n", "=== TLS established"} {
		if !strings.Contains(wire.String(), want) {
			t.Errorf("transcript lacks %q:\n%s", want, wire.String())
		}
	}
	if !strings.Contains(out.String(), "verified  yes") {
		t.Errorf("the sandbox's certificate was not verified:\n%s", out.String())
	}
	ca := ls.CAFile
	ls.Close()
	if _, err := os.Stat(ca); !os.IsNotExist(err) {
		t.Errorf("the certificate file %s outlived the server: %v", ca, err)
	}
}
