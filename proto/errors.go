package proto

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// ProtocolError says the peer's bytes were malformed. It is never used for a
// well-formed 4xx/5xx reply: that is data, shown to the user.
type ProtocolError struct {
	Line   string // the offending line, quoted in the message
	Reason string
	// Err is an underlying cause, if any: ErrClosed when the connection
	// ended in the middle of a line.
	Err error
}

func (e *ProtocolError) Error() string {
	if e.Line == "" {
		return "proto: malformed reply: " + e.Reason
	}
	return fmt.Sprintf("proto: malformed reply: %s: %q", e.Reason, truncate(e.Line, 80))
}

func (e *ProtocolError) Unwrap() error { return e.Err }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// ErrInjection and ErrClosed are matched with errors.Is: ErrClosed is
// wrapped by every error that says the server hung up, whatever the
// message says about when.
var (
	ErrInjection = errors.New("proto: line must not contain CR, LF or NUL")
	ErrClosed    = errors.New("proto: connection closed by server")
)

// closedError is ErrClosed with the circumstances in its message.
type closedError struct{ msg string }

func (e *closedError) Error() string        { return e.msg }
func (e *closedError) Is(target error) bool { return target == ErrClosed }

// TimeoutError says how long we waited, because "i/o timeout" alone does not
// tell the user whether the server was silent or slow. It wraps
// os.ErrDeadlineExceeded.
type TimeoutError struct {
	Waited  time.Duration
	Partial int // reply lines received before the deadline
}

func (e *TimeoutError) Error() string {
	if e.Partial > 0 {
		return fmt.Sprintf("proto: server stopped answering in the middle of a reply: %d line(s) received, no end within %s", e.Partial, e.Waited)
	}
	return fmt.Sprintf("proto: server did not answer within %s", e.Waited)
}

func (e *TimeoutError) Timeout() bool { return true }

func (e *TimeoutError) Unwrap() error { return os.ErrDeadlineExceeded }

// HandshakeError is a TLS handshake that failed on a connection Dial made
// (implicit TLS): the TCP connection worked, TLS did not, which callers
// tell apart (swaks's exit 29, not 2). Its message is the cause's.
type HandshakeError struct{ Err error }

func (e *HandshakeError) Error() string { return e.Err.Error() }
func (e *HandshakeError) Unwrap() error { return e.Err }
