package proto

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// SCRAM-SHA-256 (RFC 5802, RFC 7677): both sides prove they know the
// password without sending it. The client side is SCRAMClient; the
// parsers and key derivations below serve a server too (the sandbox).

// MaxSCRAMIterations bounds the PBKDF2 work a server can ask of us: real
// servers ask 4096 (RFC 7677's minimum) to some tens of thousands.
const MaxSCRAMIterations = 1 << 20

// scramBinding is "c=biws": base64 of the GS2 header "n,,", which says
// the client does not do channel binding and thinks the server does not
// either.
const scramBinding = "biws"

// SASLprep normalises a user name or password (RFC 4013) for the ASCII
// subset, where it changes nothing: printable ASCII passes, control
// characters are prohibited (§2.3), and anything outside ASCII is
// refused, since normalising it needs Unicode tables (NFKC) that smtprepl
// does not carry. The error never quotes s: it may be a password.
func SASLprep(s string) (string, error) {
	for _, r := range s {
		switch {
		case r < 0x20 || r == 0x7f:
			return "", errors.New("it holds a control character, which SASLprep prohibits (RFC 4013 §2.3)")
		case r > 0x7e:
			return "", errors.New("it holds a character outside ASCII, which smtprepl does not normalise (SASLprep needs Unicode NFKC, RFC 4013): use PLAIN or LOGIN, which send it as it is")
		}
	}
	if s == "" {
		return "", errors.New("it is empty")
	}
	return s, nil
}

// NewSCRAMNonce is a fresh random nonce: 128 random bits in base32,
// printable and free of ",".
func NewSCRAMNonce() string { return rand.Text() }

// SCRAMKeys are what PBKDF2 derives from a password (RFC 5802 §3): the
// client's and the server's keys, and StoredKey = H(ClientKey), which is
// what a server keeps instead of the password.
type SCRAMKeys struct {
	Client, Stored, Server []byte
}

// DeriveSCRAMKeys runs PBKDF2-HMAC-SHA-256 over the password with the
// server's salt and iteration count (RFC 5802 §3, RFC 7677).
func DeriveSCRAMKeys(pass string, salt []byte, iter int) (SCRAMKeys, error) {
	if iter < 1 || iter > MaxSCRAMIterations {
		return SCRAMKeys{}, fmt.Errorf("proto: SCRAM iteration count %d is outside 1..%d", iter, MaxSCRAMIterations)
	}
	salted, err := pbkdf2.Key(sha256.New, pass, salt, iter, sha256.Size)
	if err != nil {
		return SCRAMKeys{}, fmt.Errorf("proto: SCRAM key derivation: %w", err)
	}
	client := scramHMAC(salted, "Client Key")
	stored := sha256.Sum256(client)
	return SCRAMKeys{Client: client, Stored: stored[:], Server: scramHMAC(salted, "Server Key")}, nil
}

func scramHMAC(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// Proof is ClientKey XOR HMAC(StoredKey, AuthMessage): what the client
// sends in its final message.
func (k SCRAMKeys) Proof(authMessage string) []byte {
	sig := scramHMAC(k.Stored, authMessage)
	for i := range sig {
		sig[i] ^= k.Client[i]
	}
	return sig
}

// ServerSignature is HMAC(ServerKey, AuthMessage): what the server sends
// to prove it knows the keys too.
func (k SCRAMKeys) ServerSignature(authMessage string) []byte {
	return scramHMAC(k.Server, authMessage)
}

// CheckSCRAMProof is the server's check of a client's proof against the
// StoredKey it keeps: XOR the proof with HMAC(StoredKey, AuthMessage) to
// get ClientKey back, and hash it.
func CheckSCRAMProof(stored []byte, authMessage string, proof []byte) bool {
	sig := scramHMAC(stored, authMessage)
	if len(proof) != len(sig) {
		return false
	}
	for i := range sig {
		sig[i] ^= proof[i]
	}
	got := sha256.Sum256(sig)
	return subtle.ConstantTimeCompare(got[:], stored) == 1
}

// scramAttrs splits a SCRAM message into its attributes, in order: each is
// one letter, "=", and a value (RFC 5802 §5).
func scramAttrs(msg string) ([][2]string, error) {
	var out [][2]string
	for part := range strings.SplitSeq(msg, ",") {
		if len(part) < 2 || part[1] != '=' || !isASCIILetter(part[0]) {
			return nil, fmt.Errorf("proto: SCRAM attribute %q is not a letter, \"=\" and a value", clipQuote(part))
		}
		out = append(out, [2]string{part[:1], part[2:]})
	}
	return out, nil
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// clipQuote bounds a piece of a message quoted in an error.
func clipQuote(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// expectAttrs checks that attrs start with the letters want, in order,
// and returns their values.
func expectAttrs(what string, attrs [][2]string, want ...string) ([]string, error) {
	if len(attrs) > 0 && attrs[0][0] == "m" {
		return nil, fmt.Errorf("proto: SCRAM %s starts with m=, a mandatory extension smtprepl does not know (RFC 5802 §5.1)", what)
	}
	if len(attrs) < len(want) {
		return nil, fmt.Errorf("proto: SCRAM %s has %d attributes, want at least %s", what, len(attrs), strings.Join(want, ", "))
	}
	vals := make([]string, len(want))
	for i, w := range want {
		if attrs[i][0] != w {
			return nil, fmt.Errorf("proto: SCRAM %s: attribute %d is %s=, want %s=", what, i+1, attrs[i][0], w)
		}
		vals[i] = attrs[i][1]
	}
	return vals, nil
}

// SCRAMServerFirst is the server's first message: the nonce (the
// client's with the server's part appended), the salt and the iteration
// count for PBKDF2.
type SCRAMServerFirst struct {
	Nonce      string
	Salt       []byte
	Iterations int
}

// ParseSCRAMServerFirst reads "r=NONCE,s=SALT,i=COUNT" (RFC 5802 §5.1) and
// checks that the nonce extends clientNonce, as it must.
func ParseSCRAMServerFirst(msg, clientNonce string) (SCRAMServerFirst, error) {
	attrs, err := scramAttrs(msg)
	if err != nil {
		return SCRAMServerFirst{}, err
	}
	v, err := expectAttrs("server-first-message", attrs, "r", "s", "i")
	if err != nil {
		return SCRAMServerFirst{}, err
	}
	if !strings.HasPrefix(v[0], clientNonce) || len(v[0]) == len(clientNonce) {
		return SCRAMServerFirst{}, errors.New("proto: SCRAM server nonce does not extend ours with its own part: a replayed or forged message (RFC 5802 §5.1)")
	}
	salt, err := base64.StdEncoding.DecodeString(v[1])
	if err != nil || len(salt) == 0 {
		return SCRAMServerFirst{}, fmt.Errorf("proto: SCRAM salt %q is not base64 of at least one byte", clipQuote(v[1]))
	}
	iter, err := strconv.Atoi(v[2])
	if err != nil || iter < 1 {
		return SCRAMServerFirst{}, fmt.Errorf("proto: SCRAM iteration count %q is not a positive number", clipQuote(v[2]))
	}
	if iter > MaxSCRAMIterations {
		return SCRAMServerFirst{}, fmt.Errorf("proto: SCRAM iteration count %d is more than the %d smtprepl computes", iter, MaxSCRAMIterations)
	}
	return SCRAMServerFirst{Nonce: v[0], Salt: salt, Iterations: iter}, nil
}

// SCRAMServerError is a server-final-message "e=VALUE" (RFC 5802 §7).
type SCRAMServerError struct{ Value string }

func (e *SCRAMServerError) Error() string {
	return fmt.Sprintf("proto: SCRAM server refused: e=%s", clipQuote(e.Value))
}

// ParseSCRAMServerFinal reads "v=SIGNATURE", or "e=VALUE" as a
// *SCRAMServerError.
func ParseSCRAMServerFinal(msg string) ([]byte, error) {
	attrs, err := scramAttrs(msg)
	if err != nil {
		return nil, err
	}
	switch attrs[0][0] {
	case "e":
		return nil, &SCRAMServerError{Value: attrs[0][1]}
	case "v":
		sig, err := base64.StdEncoding.DecodeString(attrs[0][1])
		if err != nil {
			return nil, fmt.Errorf("proto: SCRAM server signature %q is not base64", clipQuote(attrs[0][1]))
		}
		return sig, nil
	}
	return nil, fmt.Errorf("proto: SCRAM server-final-message starts with %s=, want v= or e=", attrs[0][0])
}

// SCRAMClientFirst is what a server reads of the client's first message.
type SCRAMClientFirst struct {
	User, Nonce string
	Bare        string // the message without its GS2 header, for AuthMessage
}

// ParseSCRAMClientFirst reads "n,,n=USER,r=NONCE" (RFC 5802 §5.1). A
// client asking for channel binding ("p=") is refused: a plain SMTP
// server has none to offer.
func ParseSCRAMClientFirst(msg string) (SCRAMClientFirst, error) {
	flag, rest, ok1 := strings.Cut(msg, ",")
	authzid, bare, ok2 := strings.Cut(rest, ",")
	switch {
	case !ok1 || !ok2:
		return SCRAMClientFirst{}, errors.New("proto: SCRAM client-first-message has no GS2 header (\"n,,\")")
	case strings.HasPrefix(flag, "p="):
		return SCRAMClientFirst{}, errors.New("proto: SCRAM client asks for channel binding, which this server does not offer")
	case flag != "n" && flag != "y":
		return SCRAMClientFirst{}, fmt.Errorf("proto: SCRAM GS2 flag %q is not n, y or p=", clipQuote(flag))
	case authzid != "" && !strings.HasPrefix(authzid, "a="):
		return SCRAMClientFirst{}, fmt.Errorf("proto: SCRAM GS2 authzid %q does not start with a=", clipQuote(authzid))
	}
	attrs, err := scramAttrs(bare)
	if err != nil {
		return SCRAMClientFirst{}, err
	}
	v, err := expectAttrs("client-first-message", attrs, "n", "r")
	if err != nil {
		return SCRAMClientFirst{}, err
	}
	user, err := unescapeSASLName(v[0])
	if err != nil {
		return SCRAMClientFirst{}, err
	}
	if v[1] == "" {
		return SCRAMClientFirst{}, errors.New("proto: SCRAM client nonce is empty")
	}
	return SCRAMClientFirst{User: user, Nonce: v[1], Bare: bare}, nil
}

// unescapeSASLName undoes SASLName: "=2C" and "=3D" are the only escapes.
func unescapeSASLName(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '=' {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1 : min(i+3, len(s))] {
		case "2C":
			b.WriteByte(',')
		case "3D":
			b.WriteByte('=')
		default:
			return "", errors.New("proto: SCRAM user name has \"=\" that is not =2C or =3D")
		}
		i += 2
	}
	return b.String(), nil
}

// SCRAMClientFinal is what a server reads of the client's final message.
type SCRAMClientFinal struct {
	Binding, Nonce string
	Proof          []byte
	WithoutProof   string // for AuthMessage
}

// ParseSCRAMClientFinal reads "c=BINDING,r=NONCE,p=PROOF" (RFC 5802 §5.1).
func ParseSCRAMClientFinal(msg string) (SCRAMClientFinal, error) {
	i := strings.LastIndex(msg, ",p=")
	if i < 0 {
		return SCRAMClientFinal{}, errors.New("proto: SCRAM client-final-message has no proof (p=)")
	}
	attrs, err := scramAttrs(msg[:i])
	if err != nil {
		return SCRAMClientFinal{}, err
	}
	v, err := expectAttrs("client-final-message", attrs, "c", "r")
	if err != nil {
		return SCRAMClientFinal{}, err
	}
	proof, err := base64.StdEncoding.DecodeString(msg[i+3:])
	if err != nil {
		return SCRAMClientFinal{}, errors.New("proto: SCRAM proof is not base64")
	}
	return SCRAMClientFinal{Binding: v[0], Nonce: v[1], Proof: proof, WithoutProof: msg[:i]}, nil
}

// SCRAMAuthMessage is what both proofs sign (RFC 5802 §3).
func SCRAMAuthMessage(clientFirstBare, serverFirst, clientFinalWithoutProof string) string {
	return clientFirstBare + "," + serverFirst + "," + clientFinalWithoutProof
}

// SCRAMClient is the client side of one SCRAM-SHA-256 exchange. Its
// messages are unencoded; AUTH carries them base64-encoded.
type SCRAMClient struct {
	user, pass, nonce string
	serverFirst       string
	keys              SCRAMKeys
	authMessage       string
}

// NewSCRAMClient prepares an exchange for user; nonce "" draws a random
// one. User and password go through SASLprep first.
func NewSCRAMClient(user, pass, nonce string) (*SCRAMClient, error) {
	u, err := SASLprep(user)
	if err != nil {
		return nil, fmt.Errorf("proto: SCRAM user name: %w", err)
	}
	p, err := SASLprep(pass)
	if err != nil {
		return nil, fmt.Errorf("proto: SCRAM password: %w", err)
	}
	if nonce == "" {
		nonce = NewSCRAMNonce()
	}
	return &SCRAMClient{user: u, pass: p, nonce: nonce}, nil
}

// FirstBare is the client-first-message without its GS2 header.
func (c *SCRAMClient) FirstBare() string { return "n=" + SASLName(c.user) + ",r=" + c.nonce }

// First is the client-first-message: "n,," (no channel binding, no
// authorization identity), the user name and our nonce.
func (c *SCRAMClient) First() string { return "n,," + c.FirstBare() }

// Final reads the server-first-message and returns the client-final
// one, with the proof; it runs PBKDF2, the slow part.
func (c *SCRAMClient) Final(serverFirst string) (string, SCRAMServerFirst, error) {
	sf, err := ParseSCRAMServerFirst(serverFirst, c.nonce)
	if err != nil {
		return "", sf, err
	}
	if c.keys, err = DeriveSCRAMKeys(c.pass, sf.Salt, sf.Iterations); err != nil {
		return "", sf, err
	}
	withoutProof := "c=" + scramBinding + ",r=" + sf.Nonce
	c.serverFirst = serverFirst
	c.authMessage = SCRAMAuthMessage(c.FirstBare(), serverFirst, withoutProof)
	proof := base64.StdEncoding.EncodeToString(c.keys.Proof(c.authMessage))
	return withoutProof + ",p=" + proof, sf, nil
}

// ErrSCRAMServerSignature is a server signature that does not match the
// one computed from the password: the server does not know it, or is
// not the server it claims to be.
var ErrSCRAMServerSignature = errors.New("proto: the SCRAM server signature does not match: this server does not know the password, or it is an impostor")

// Verify checks the server-final-message's signature.
func (c *SCRAMClient) Verify(serverFinal string) error {
	if c.authMessage == "" {
		return errors.New("proto: SCRAM server-final-message before the client-final-message")
	}
	sig, err := ParseSCRAMServerFinal(serverFinal)
	if err != nil {
		return err
	}
	if !hmac.Equal(sig, c.keys.ServerSignature(c.authMessage)) {
		return ErrSCRAMServerSignature
	}
	return nil
}
