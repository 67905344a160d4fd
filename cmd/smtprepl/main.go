// Command smtprepl is an SMTP protocol stepper: speak SMTP to a server one
// verb at a time and see, explained, exactly what crossed the wire.
//
// This package is wiring only: flags, subcommands and exit codes.
package main

import (
	"os"
	"runtime"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "sandbox" && os.Getenv("GOMAXPROCS") == "" {
		// The practice server runs on one processor unless told
		// otherwise. Between two reads a session works for microseconds;
		// a second processor adds little but thread wake-ups, which under
		// a classroom's load cost more CPU than the sessions themselves
		// (README, Benchmarks). Here, not in runSandbox: it is the
		// process's setting, and tests run subcommands in-process.
		runtime.GOMAXPROCS(1)
	}
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
