package lessons

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smtprepl/smtprepl/proto/visible"
)

// FuzzParse: a lesson file is a stranger's input. Whatever it holds,
// Parse returns a lesson or a *FileError, never panics; the problems are
// bounded and each is a terminal-safe line; a lesson that parses shows
// nothing a terminal would act on and has a line to type in every step.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("*.txtar")
	teacher, _ := filepath.Glob("testdata/teacher/*.txtar")
	for _, name := range append(seeds, teacher...) {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("title: T\n-- step: A --\n> NOOP\nexpect 250\nmatch /a(/\nif 5: x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Parse("fuzz", data)
		var fe *FileError
		switch {
		case errors.As(err, &fe):
			if len(fe.Problems) == 0 || len(fe.Problems) > maxProblems {
				t.Fatalf("%d problems listed", len(fe.Problems))
			}
			for _, line := range fe.Lines() {
				if visible.Text(line) != line || strings.Contains(line, "\n") {
					t.Fatalf("problem line %q is not terminal-safe", line)
				}
			}
		case err != nil:
			t.Fatalf("error %v is not a *FileError", err)
		default:
			checkParsed(t, l)
		}
	})
}

func checkParsed(t *testing.T, l Lesson) {
	t.Helper()
	shown := []string{l.Title, l.Summary}
	for _, st := range l.Steps {
		if len(st.Lines) == 0 {
			t.Fatalf("step %q has no line to type", st.Title)
		}
		shown = append(shown, st.Title, st.Text)
		for _, ln := range st.Lines {
			shown = append(shown, ln.Text, ln.OK)
			for _, c := range ln.Ifs {
				shown = append(shown, c.Text)
			}
		}
	}
	for _, s := range shown {
		if s = strings.ReplaceAll(strings.ReplaceAll(s, "\n", " "), "\t", " "); !visible.TextSafe(s) {
			t.Fatalf("%q parsed, and would reach the terminal as it is", s)
		}
	}
}
