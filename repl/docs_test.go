package repl

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite README.md's generated command reference")

const readme = "../README.md"

// TestReadmeCommandReference fails when the README's REPL command
// reference no longer matches the command table; -update rewrites it.
func TestReadmeCommandReference(t *testing.T) {
	data, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	before, rest, ok1 := strings.Cut(string(data), DocsStart+"\n")
	got, after, ok2 := strings.Cut(rest, DocsEnd)
	if !ok1 || !ok2 {
		t.Fatalf("%s lacks the markers %s and %s", readme, DocsStart, DocsEnd)
	}
	var want bytes.Buffer
	if err := WriteMarkdown(&want); err != nil {
		t.Fatal(err)
	}
	if *update {
		out := before + DocsStart + "\n" + want.String() + DocsEnd + after
		if err := os.WriteFile(readme, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if diff := cmp.Diff(want.String(), got); diff != "" {
		t.Errorf("README.md's command reference is stale; run go test ./repl -run TestReadme -update (-want +got):\n%s", diff)
	}
}

// TestEveryCommandIsDocumented keeps the table complete: a command
// without a summary would leave a hole in :help and the README.
func TestEveryCommandIsDocumented(t *testing.T) {
	for _, c := range newCommandTable().list {
		if c.summary == "" || c.run == nil {
			t.Errorf(":%s lacks a summary or a run function", c.name)
		}
	}
	for _, v := range verbs() {
		if v.syntax == "" || v.rfc == "" || v.example == "" || v.replies == "" || v.complete == "" {
			t.Errorf("verb %s lacks help fields: %+v", v.name, v)
		}
	}
}
