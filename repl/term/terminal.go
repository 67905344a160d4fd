package term

import (
	"errors"
	"os"

	"github.com/chzyer/readline"
	"github.com/fatih/color"
)

// IsTerminal asks the terminal driver whether f is a terminal (a
// character device such as /dev/null is not one).
func IsTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && readline.IsTerminal(int(file.Fd()))
}

// ErrInterrupted is what ReadPassword returns when Ctrl-C (or SIGTERM)
// came before the line was finished.
var ErrInterrupted = errors.New("interrupted at the prompt")

// ColorByDefault is fatih/color's guess for stdout: off for TERM=dumb or
// when stdout is not a terminal. The flags and NO_COLOR decide the rest.
func ColorByDefault() bool { return !color.NoColor }
