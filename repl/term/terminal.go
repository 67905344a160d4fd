package term

import (
	"errors"
	"os"
	"os/signal"
	"syscall"

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

// ReadPassword reads one line from the terminal f without echo. Echo stays
// off only while it reads: Ctrl-C restores the terminal and returns
// ErrInterrupted at once. Left to itself the read would go on waiting for
// Enter after the signal, or the process would die with echo still off.
func ReadPassword(f *os.File) ([]byte, error) {
	fd := int(f.Fd())
	saved, err := readline.GetState(fd)
	if err != nil {
		return nil, err
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	type line struct {
		b   []byte
		err error
	}
	read := make(chan line, 1)
	go func() {
		b, err := readline.ReadPassword(fd)
		read <- line{b, err}
	}()
	select {
	case l := <-read:
		return l.b, l.err
	case <-sig:
		// The reading goroutine stays blocked in read(2) until the next
		// line; its result is dropped, and the caller is about to exit.
		_ = readline.Restore(fd, saved)
		return nil, ErrInterrupted
	}
}

// ColorByDefault is fatih/color's guess for stdout: off for TERM=dumb or
// when stdout is not a terminal. The flags and NO_COLOR decide the rest.
func ColorByDefault() bool { return !color.NoColor }
