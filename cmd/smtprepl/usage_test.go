package main

import (
	"strings"
	"testing"
)

// TestUsageErrorIsOneSentence: a mistake on the command line is one
// sentence on stderr and exit 64, for the session and every subcommand,
// while -h still prints the usage.
func TestUsageErrorIsOneSentence(t *testing.T) {
	names := []string{""}
	for _, sc := range subcommands() {
		names = append(names, sc.name)
	}
	for _, name := range names {
		t.Run("cmd="+name, func(t *testing.T) {
			args := []string{"--no-such-flag"}
			if name != "" {
				args = []string{name, "--no-such-flag"}
			}
			var stdout, stderr strings.Builder
			code := run(args, strings.NewReader(""), &stdout, &stderr)
			if code != exitUsage {
				t.Errorf("exit %d, want %d; stderr: %s", code, exitUsage, stderr.String())
			}
			want := "smtprepl: unknown flag -no-such-flag\n"
			if got := stderr.String(); got != want {
				t.Errorf("stderr = %q, want %q", got, want)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q, want nothing", stdout.String())
			}
			stdout.Reset()
			stderr.Reset()
			help := []string{"-h"}
			if name != "" {
				help = []string{name, "-h"}
			}
			if code := run(help, strings.NewReader(""), &stdout, &stderr); code != exitOK {
				t.Errorf("-h: exit %d, want 0", code)
			}
			if !strings.HasPrefix(stdout.String(), "usage: smtprepl") {
				t.Errorf("-h: stdout = %q, want the usage", clip(stdout.String()))
			}
		})
	}
}

func clip(s string) string { return s[:min(len(s), 200)] }
