package term

import (
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

// ReadPassword reads one line from the terminal f without echo.
func ReadPassword(f *os.File) ([]byte, error) { return readline.ReadPassword(int(f.Fd())) }

// ColorByDefault is fatih/color's guess for stdout: off for TERM=dumb or
// when stdout is not a terminal. The flags and NO_COLOR decide the rest.
func ColorByDefault() bool { return !color.NoColor }
