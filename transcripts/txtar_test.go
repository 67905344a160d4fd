package transcripts

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParseTxtar(t *testing.T) {
	tests := []struct {
		name, in string
		want     *Archive
	}{
		{"empty", "", &Archive{}},
		{"comment only, newline added", "hello", &Archive{Comment: []byte("hello\n")}},
		{"files", "c\n-- a --\nA\n-- b.txt --\nB1\nB2\n", &Archive{
			Comment: []byte("c\n"),
			Files:   []File{{"a", []byte("A\n")}, {"b.txt", []byte("B1\nB2\n")}},
		}},
		{"marker first", "-- a --\nA", &Archive{Files: []File{{"a", []byte("A\n")}}}},
		{"empty file", "-- a --\n-- b --\nB\n", &Archive{Files: []File{{"a", nil}, {"b", []byte("B\n")}}}},
		{"name trimmed", "--   spaced name   --\nx\n", &Archive{Files: []File{{"spaced name", []byte("x\n")}}}},
		{"CRLF marker", "-- a --\r\nA\r\n", &Archive{Files: []File{{"a", []byte("A\r\n")}}}},
		{"not markers", "-- --\n--a --\n-- a--\n x -- a --\n", &Archive{
			Comment: []byte("-- --\n--a --\n-- a--\n x -- a --\n"),
		}},
		{"marker at end without newline", "c\n-- a --", &Archive{Comment: []byte("c\n"), Files: []File{{"a", nil}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseTxtar([]byte(tt.in))
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ParseTxtar (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFormatTxtar(t *testing.T) {
	a := &Archive{
		Comment: []byte("no newline"),
		Files:   []File{{"a", []byte("A")}, {"empty", nil}, {"b", []byte("B\n")}},
	}
	want := "no newline\n-- a --\nA\n-- empty --\n-- b --\nB\n"
	if diff := cmp.Diff(want, string(FormatTxtar(a))); diff != "" {
		t.Errorf("FormatTxtar (-want +got):\n%s", diff)
	}
}

// TestTxtarRoundTrip checks the golden archives in testdata: formatting what
// was parsed gives the file back, and each wire section is a transcript in
// canonical form.
func TestTxtarRoundTrip(t *testing.T) {
	files, err := filepath.Glob("testdata/txtar/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no txtar files: %v", err)
	}
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			a := ParseTxtar(data)
			if diff := cmp.Diff(string(data), string(FormatTxtar(a))); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
			for _, f := range a.Files {
				if f.Name != "wire" {
					continue
				}
				tr, err := ParseBytes(f.Data)
				if err != nil {
					t.Fatal(err)
				}
				b, err := tr.appendText(nil)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(string(f.Data), string(b)); diff != "" {
					t.Errorf("wire section (-want +got):\n%s", diff)
				}
			}
		})
	}
}
