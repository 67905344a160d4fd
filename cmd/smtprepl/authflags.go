package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/smtprepl/smtprepl/proto/visible"
	"github.com/smtprepl/smtprepl/repl"
)

// passwordEnvVar is where a secret is looked for when no flag names one.
const passwordEnvVar = "SMTPREPL_PASSWORD"

// maxSecretFile bounds what is read of --auth-password-file: a password
// or an OAuth token (a few KiB) fits many times over.
const maxSecretFile = 64 << 10

// authFlags say where AUTH's password or token comes from. There is no
// flag taking the secret itself: ps and the shell's history would show it.
type authFlags struct {
	passwordEnv, passwordFile string
}

func (a *authFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&a.passwordEnv, "auth-password-env", "", "AUTH password or token: the value of the environment variable `VAR`")
	fs.StringVar(&a.passwordFile, "auth-password-file", "", "AUTH password or token: the first line of `FILE`")
}

// secret finds the secret: the flag's source, else $SMTPREPL_PASSWORD,
// else none (the terminal asks when it is needed). An error is a usage
// error naming the source, never the secret.
func (a *authFlags) secret(getenv func(string) string) (repl.Secret, error) {
	var (
		value, from string
		err         error
	)
	switch {
	case a.passwordEnv != "" && a.passwordFile != "":
		return repl.Secret{}, usagef("--auth-password-env and --auth-password-file exclude each other: give the secret one way")
	case a.passwordFile != "":
		from = "--auth-password-file " + visible.Clip(a.passwordFile, 200)
		value, err = readSecretFile(a.passwordFile)
	case a.passwordEnv != "":
		from = "--auth-password-env " + visible.Clip(a.passwordEnv, 100)
		if value = getenv(a.passwordEnv); value == "" {
			err = errors.New("that environment variable is not set, or empty")
		}
	default:
		from = "the " + passwordEnvVar + " environment variable"
		if value = getenv(passwordEnvVar); value == "" {
			return repl.Secret{}, nil
		}
	}
	if err == nil {
		err = checkSecret(value)
	}
	if err != nil {
		return repl.Secret{}, usagef("%s: %v", from, err)
	}
	return repl.NewSecret(value, from), nil
}

// readSecretFile reads a secret file's first line, without its line end.
func readSecretFile(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", errors.New(pathErrorText(err))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return "", errors.New(pathErrorText(err))
	}
	line, _, found := bytes.Cut(b, []byte("\n"))
	if !found && len(b) > maxSecretFile {
		return "", fmt.Errorf("the first line is longer than %d KiB, which no password or token is", maxSecretFile>>10)
	}
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) == 0 {
		return "", errors.New("the first line is empty: the file should hold the password or token")
	}
	return string(line), nil
}

// pathErrorText is an os error without the path, which the caller names.
func pathErrorText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return "cannot read it: " + pe.Err.Error()
	}
	return "cannot read it: " + err.Error()
}

// checkSecret refuses what no AUTH answer can carry; the message never
// quotes the secret.
func checkSecret(v string) error {
	if strings.ContainsAny(v, "\x00\r\n") {
		return errors.New("the secret holds a NUL, CR or LF, which no AUTH answer can carry")
	}
	return nil
}
