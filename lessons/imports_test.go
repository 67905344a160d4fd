package lessons_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestNoSockets keeps the engine off the network: a lesson reaches a
// server only through the Session it is given, the REPL's own.
func TestNoSockets(t *testing.T) {
	forbidden := []string{"net", "crypto/tls", "github.com/smtprepl/smtprepl/repl", "github.com/smtprepl/smtprepl/proto/sandbox"}
	for _, path := range mustGlob(t, "*.go") {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Clean(path), nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			for _, bad := range forbidden {
				if p == bad || strings.HasPrefix(p, bad+"/") {
					t.Errorf("%s imports %s: lessons drive a Session, they do not dial", path, p)
				}
			}
		}
	}
}
