package lessons_test

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommandLine runs the real binary: the list, an unattended lesson,
// and the refusals, with their exit codes.
func TestCommandLine(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "smtprepl")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/smtprepl").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	run := func(args ...string) (string, int) {
		out, err := exec.Command(bin, args...).CombinedOutput()
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			return string(out), ee.ExitCode()
		case err != nil:
			t.Fatalf("smtprepl %s: %v", strings.Join(args, " "), err)
		}
		return string(out), 0
	}
	t.Run("list", func(t *testing.T) {
		out, code := run("lesson")
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if code != 0 || len(lines) < len(required()) {
			t.Fatalf("exit %d, %d lines; want 0 and at least %d:\n%s", code, len(lines), len(required()), out)
		}
		for i, l := range allLessons(t) {
			if f := strings.Fields(lines[i]); len(f) < 2 || f[0] != l.Name || !strings.HasSuffix(lines[i], " "+l.Title) {
				t.Errorf("line %d = %q, want the name %q, then the title", i+1, lines[i], l.Name)
			}
		}
	})
	t.Run("auto", func(t *testing.T) {
		out, code := run("lesson", "hello", "--auto")
		if code != 0 || !strings.Contains(out, "✓ Lesson hello done: 5 steps") {
			t.Errorf("exit %d; want 0 and the lesson done:\n%s", code, out)
		}
	})
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"guided without a terminal", []string{"lesson", "hello"}, 64, "smtprepl lesson hello --auto"},
		{"unknown lesson", []string{"lesson", "nope", "--auto"}, 64, `no lesson "nope"`},
		{"two lessons", []string{"lesson", "hello", "auth", "--auto"}, 64, "one lesson at a time"},
		{"cafile without server", []string{"lesson", "tls", "--auto", "--insecure"}, 64, "are for --server"},
		{"server down", []string{"lesson", "hello", "--auto", "--server", "127.0.0.1:1", "--timeout", "2s"}, 1, "✗ Lesson hello stopped at step 1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, code := run(tt.args...)
			if code != tt.code || !strings.Contains(out, tt.want) {
				t.Errorf("exit %d, want %d; output should contain %q:\n%s", code, tt.code, tt.want, out)
			}
		})
	}
}
