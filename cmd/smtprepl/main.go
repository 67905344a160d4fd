// Command smtprepl is an SMTP protocol stepper: speak SMTP to a server one
// verb at a time and see, explained, exactly what crossed the wire.
//
// This package is wiring only: flags, subcommands and exit codes.
package main

import "os"

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
