package lessons

import (
	"errors"
	"io/fs"
	"testing"
)

// :compose reads a lesson's files with Open and fs.Stat; a name the
// lesson does not have is fs.ErrNotExist, so the disk is tried next.
func TestLessonFS(t *testing.T) {
	l := Lesson{Files: []File{{Name: "body.txt", Data: []byte("hello\r\n")}}}
	fsys := l.FS()
	data, err := fs.ReadFile(fsys, "body.txt")
	if err != nil || string(data) != "hello\r\n" {
		t.Fatalf("ReadFile = %q, %v", data, err)
	}
	info, err := fs.Stat(fsys, "body.txt")
	if err != nil || info.Size() != 7 || info.IsDir() || info.Name() != "body.txt" {
		t.Fatalf("Stat = %v, %v", info, err)
	}
	if _, err := fsys.Open("other.txt"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Open(missing) = %v, want fs.ErrNotExist", err)
	}
}
