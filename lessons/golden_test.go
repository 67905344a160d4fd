package lessons_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/lessons"
	"github.com/smtprepl/smtprepl/proto/message"
	"github.com/smtprepl/smtprepl/proto/sandbox"
	"github.com/smtprepl/smtprepl/repl"
	"github.com/smtprepl/smtprepl/repl/term"
	"github.com/smtprepl/smtprepl/transcripts"
)

var update = flag.Bool("update", false, "rewrite golden files")

// goldenDir holds one transcript per lesson; the lessons themselves are
// the inputs, and -update never touches them.
const goldenDir = "testdata/golden"

func fixedClock() time.Time { return time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC) }

// played is one unattended run of a lesson against its own sandbox.
type played struct {
	res     lessons.Result
	out     string // what the student would have seen
	wire    string // the transcript, without its version line
	mailbox []sandbox.Message
	stored  string // what the lesson's end showed of the mailbox
}

// play runs l as `smtprepl lesson NAME --auto` does, with everything that
// would vary from run to run fixed: clock, queue ids, boundaries, ids.
func play(t *testing.T, l lessons.Lesson) played {
	t.Helper()
	base := sandbox.DefaultConfig()
	base.Clock = fixedClock
	base.Logf = t.Logf
	ls, err := repl.StartLessonServer(base, l.Sandbox)
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	target := ls.Target()
	target.Config.Timeout = 10 * time.Second
	var out, wire bytes.Buffer
	ids := 0
	opt := term.LessonOptions{Out: &out, Auto: true, Transcript: &wire, Width: func() int { return 100 },
		Compose: repl.ComposeOptions{
			Boundary:  message.CounterBoundary("=_smtprepl_"),
			Now:       fixedClock,
			MessageID: func() string { ids++; return fmt.Sprintf("%s-%d@example.test", l.Name, ids) },
		}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := term.RunLesson(ctx, target, l, opt)
	if err != nil {
		t.Fatalf("lesson %s: %v\n%s", l.Name, err, out.String())
	}
	_, w, _ := strings.Cut(wire.String(), "\n")
	stored := ls.Stored()
	if !strings.Contains(out.String(), "\n"+stored+"\n") {
		t.Errorf("lesson %s: the end does not show what the server stored:\n%s\nin:\n%s", l.Name, stored, out.String())
	}
	return played{res: res, out: out.String(), wire: w, mailbox: ls.Server.Mailbox().List(), stored: stored}
}

func allLessons(t *testing.T) []lessons.Lesson {
	t.Helper()
	all, err := lessons.All()
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// TestGolden runs every lesson unattended: every checkpoint must hold, and
// the transcript must match testdata/golden/NAME.txtar.
func TestGolden(t *testing.T) {
	for _, l := range allLessons(t) {
		t.Run(l.Name, func(t *testing.T) {
			p := play(t, l)
			if !p.res.Passed() {
				t.Fatalf("lesson %s did not pass: %+v\n%s", l.Name, p.res, p.out)
			}
			got := goldenArchive(l, p)
			path := filepath.Join(goldenDir, l.Name+".txtar")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./lessons -run TestGolden -update writes it)", err)
			}
			if diff := cmp.Diff(maskVolatile(string(want)), maskVolatile(string(got))); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
			}
		})
	}
}

// goldenArchive is the golden file: metadata in the comment, what was
// typed, the lesson's data files, and the wire.
func goldenArchive(l lessons.Lesson, p played) []byte {
	comment := fmt.Sprintf(`# The wire of "smtprepl lesson %s --auto" against the practice server, and
# what its end showed of the mailbox ("stored"), with the server's clock,
# queue ids, MIME boundaries and Message-IDs fixed. Generated from
# lessons/%s.txtar (the input, never rewritten) by
# go test ./lessons -run 'TestGolden/%s$' -update
lesson: %s
title: %s
server: sandbox
clock: %s
`, l.Name, l.Name, l.Name, l.Name, l.Title, fixedClock().Format(time.RFC3339))
	a := &transcripts.Archive{Comment: []byte(comment)}
	a.Files = append(a.Files, transcripts.File{Name: "input", Data: []byte(strings.Join(p.res.Input, "\n") + "\n")})
	for _, f := range l.Files {
		a.Files = append(a.Files, transcripts.File{Name: f.Section, Data: f.Text})
	}
	a.Files = append(a.Files, transcripts.File{Name: "wire", Data: []byte(p.wire)})
	a.Files = append(a.Files, transcripts.File{Name: "stored", Data: []byte(p.stored + "\n")})
	return transcripts.FormatTxtar(a)
}

// maskVolatile hides the TLS cipher suite, which Go picks by what the
// CPU accelerates (AES-GCM or ChaCha20), not by anything a lesson says.
func maskVolatile(s string) string {
	return cipherSuite.ReplaceAllString(s, "TLS_<cipher>")
}

var cipherSuite = regexp.MustCompile(`TLS_[A-Z0-9_]+`)
