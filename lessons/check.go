package lessons

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/smtprepl/smtprepl/proto/visible"
)

// MaxFileBytes bounds a lesson file read from disk: the largest embedded
// lesson, images and all, is a few KiB, and a file is a stranger's input.
const MaxFileBytes = 1 << 20

// Problem is one thing wrong in a lesson file, at a line.
type Problem struct {
	Line int    // 1-based
	Text string // what is wrong, in a sentence; file text quoted with %q
}

// FileError lists what is wrong with a lesson file, in line order.
type FileError struct {
	File     string // as the teacher named it
	Problems []Problem
	More     int // problems found past the list's bound
}

// Error is the first problem, and how many more there are: a sentence for
// a run that cannot start. Lines lists them all.
func (e *FileError) Error() string {
	first := e.Problems[0]
	s := fmt.Sprintf("lessons: %s:%d: %s", e.File, first.Line, first.Text)
	if n := len(e.Problems) - 1 + e.More; n > 0 {
		s += fmt.Sprintf(" (and %d more; smtprepl lesson check lists them)", n)
	}
	return s
}

// Lines is every problem as "file:line: text", escaped for a terminal.
func (e *FileError) Lines() []string {
	out := make([]string, 0, len(e.Problems)+1)
	for _, p := range e.Problems {
		out = append(out, visible.TextClip(fmt.Sprintf("%s:%d: %s", e.File, p.Line, p.Text), 2000))
	}
	if e.More > 0 {
		out = append(out, fmt.Sprintf("%s: %d more problems not listed", visible.Clip(e.File, 500), e.More))
	}
	return out
}

// IsFile reports whether a lesson argument names a file rather than a
// built-in lesson: it holds a slash or ends in .txtar.
func IsFile(arg string) bool {
	return strings.ContainsRune(arg, '/') || strings.ContainsRune(arg, filepath.Separator) || strings.HasSuffix(arg, ".txtar")
}

// ReadFile reads and parses a teacher's lesson file from disk: a regular
// file of at most MaxFileBytes, named for the lesson by its base name
// without ".txtar". Its lines may end in CRLF, as an editor on Windows
// writes them. A *FileError lists what is wrong inside the file; any
// other error is about reaching it.
func ReadFile(path string) (Lesson, error) {
	data, err := readBounded(path)
	if err != nil {
		return Lesson{}, err
	}
	name := strings.TrimSuffix(filepath.Base(path), ".txtar")
	return parse(path, name, bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")))
}

func readBounded(path string) ([]byte, error) {
	shown := visible.Clip(path, 500)
	// A FIFO or a device (/dev/zero, /dev/stdin) is refused before it is
	// opened: opening or reading it could hang, or never end.
	info, err := os.Stat(path)
	if err == nil && !info.Mode().IsRegular() {
		return nil, fmt.Errorf("lessons: %s is not a regular file", shown)
	}
	var f *os.File
	if err == nil {
		f, err = os.Open(path)
	}
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // its path would be shown unescaped
		}
		return nil, fmt.Errorf("lessons: cannot read %s: %w", shown, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("lessons: reading %s: %w", shown, err)
	case len(data) > MaxFileBytes:
		return nil, fmt.Errorf("lessons: %s is larger than %d KiB, the most a lesson file may be", shown, MaxFileBytes>>10)
	}
	return data, nil
}
