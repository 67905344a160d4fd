package lessons

import (
	"cmp"
	"embed"
	"fmt"
	"path"
	"slices"
	"strings"
)

// files are the lessons, one txtar file each, so that a teacher adds a
// lesson by adding a text file: no Go to write.
//
//go:embed *.txtar
var files embed.FS

// All returns every lesson, in their "order:" (then by name). They are
// parsed on each call: fourteen small files take microseconds, and a
// cache would be one more piece of shared state.
func All() ([]Lesson, error) {
	entries, err := files.ReadDir(".")
	if err != nil {
		return nil, fmt.Errorf("lessons: %w", err)
	}
	var out []Lesson
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".txtar")
		if !ok {
			continue
		}
		l, err := load(name)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b Lesson) int {
		return cmp.Or(cmp.Compare(a.Order, b.Order), strings.Compare(a.Name, b.Name))
	})
	return out, nil
}

// Lookup returns the lesson called name.
func Lookup(name string) (Lesson, error) {
	if name == "" || name != path.Base(name) || strings.HasPrefix(name, ".") {
		return Lesson{}, fmt.Errorf("no lesson %q", name)
	}
	if _, err := files.Open(name + ".txtar"); err != nil {
		return Lesson{}, fmt.Errorf("no lesson %q (smtprepl lesson lists them)", name)
	}
	return load(name)
}

func load(name string) (Lesson, error) {
	data, err := files.ReadFile(name + ".txtar")
	if err != nil {
		return Lesson{}, fmt.Errorf("lessons: %w", err)
	}
	return Parse(name, data)
}
