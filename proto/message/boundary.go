package message

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
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
	return "=_" + randomHex(15)
}

// randomHex is n random bytes in hex, for boundaries and Message-IDs: they
// must be unique, not secret. math/rand/v2's generator is seeded from the
// OS at start; crypto/rand's first call would cost a one-message send a
// getrandom call and a timer.
func randomHex(n int) string {
	b := make([]byte, 0, n+8)
	for len(b) < n {
		b = binary.LittleEndian.AppendUint64(b, rand.Uint64())
	}
	return hex.EncodeToString(b[:n])
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
