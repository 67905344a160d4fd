package message

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
)

// CounterBoundary returns a boundary generator for byte-exact output:
// prefix-1, prefix-2, ... It is not safe for concurrent use; give each
// [Message] its own.
func CounterBoundary(prefix string) func() string {
	n := 0
	return func() string {
		n++
		return fmt.Sprintf("%s-%d", prefix, n)
	}
}

// randomBoundary starts with "=_", which can never occur in quoted-printable
// or base64 output ("=" there is followed by hex digits or ends the data),
// and adds 120 random bits so it cannot occur in text by chance.
func randomBoundary() string {
	var b [15]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return "=_" + hex.EncodeToString(b[:])
}

// checkBoundary enforces RFC 2046 §5.1.1: 1 to 70 bchars, not ending in a
// space.
func checkBoundary(b string) error {
	const bchars = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? "
	switch {
	case len(b) < 1 || len(b) > 70:
		return fmt.Errorf("message: boundary %q must be 1 to 70 characters (RFC 2046 §5.1.1)", b)
	case strings.HasSuffix(b, " "):
		return fmt.Errorf("message: boundary %q must not end in a space (RFC 2046 §5.1.1)", b)
	}
	for i := 0; i < len(b); i++ {
		if strings.IndexByte(bchars, b[i]) < 0 {
			return fmt.Errorf("message: boundary %q: byte %q is not allowed (RFC 2046 §5.1.1)", b, b[i])
		}
	}
	return nil
}
