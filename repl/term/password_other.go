//go:build !linux

package term

import (
	"os"

	"github.com/chzyer/readline"
)

// ReadPassword reads one line from the terminal f without echo.
func ReadPassword(f *os.File) ([]byte, error) { return readline.ReadPassword(int(f.Fd())) }
