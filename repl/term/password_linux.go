package term

import (
	"bytes"
	"os"
	"os/signal"
	"syscall"
	"unsafe"
)

// maxPasswordLine bounds what ReadPassword keeps of one line.
const maxPasswordLine = 64 << 10

// ReadPassword reads one line from the terminal f without echo. Echo is
// off only while it reads: Ctrl-C (or SIGTERM) gives the terminal back
// and returns ErrInterrupted at once, where a plain read would go on
// waiting for Enter after the signal, or the process would die with echo
// still off. Echo goes off here, before the read starts, so a signal can
// never come between the restore and it. After ErrInterrupted a goroutine
// is left in read(2) until the next line: callers exit.
func ReadPassword(f *os.File) ([]byte, error) {
	fd := f.Fd()
	var saved syscall.Termios
	if err := ioctlTermios(fd, syscall.TCGETS, &saved); err != nil {
		return nil, err
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	quiet := saved
	quiet.Lflag &^= syscall.ECHO
	quiet.Lflag |= syscall.ICANON | syscall.ISIG // a line at a time; Ctrl-C is a signal
	quiet.Iflag |= syscall.ICRNL
	if err := ioctlTermios(fd, syscall.TCSETS, &quiet); err != nil {
		return nil, err
	}
	defer ioctlTermios(fd, syscall.TCSETS, &saved)
	type line struct {
		b   []byte
		err error
	}
	read := make(chan line, 1)
	go func() {
		b, err := readLine(int(fd))
		read <- line{b, err}
	}()
	select {
	case l := <-read:
		return l.b, l.err
	case <-sig:
		return nil, ErrInterrupted
	}
}

// readLine reads up to a line feed, which it drops with a carriage return
// before it; past maxPasswordLine the rest of the line is read and dropped.
func readLine(fd int) ([]byte, error) {
	var out []byte
	var buf [256]byte
	for {
		n, err := syscall.Read(fd, buf[:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return bytes.TrimSuffix(out, []byte("\r")), nil
		}
		chunk := buf[:n]
		end := bytes.IndexByte(chunk, '\n')
		if end >= 0 {
			chunk = chunk[:end]
		}
		if room := maxPasswordLine - len(out); room > 0 {
			out = append(out, chunk[:min(len(chunk), room)]...)
		}
		if end >= 0 {
			return bytes.TrimSuffix(out, []byte("\r")), nil
		}
	}
}

func ioctlTermios(fd uintptr, req uint, t *syscall.Termios) error {
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, uintptr(req), uintptr(unsafe.Pointer(t))); e != 0 {
		return e
	}
	return nil
}
