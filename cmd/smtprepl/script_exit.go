package main

import (
	"errors"

	"github.com/smtprepl/smtprepl/repl"
)

// scriptExit makes a mistake in the script itself (an unknown
// colon-command, a :send file that is not there) a usage error, exit 64;
// the session has said QUIT already.
func scriptExit(code int, err error) (int, error) {
	var se *repl.ScriptError
	if errors.As(err, &se) {
		return exitUsage, err
	}
	return code, err
}
