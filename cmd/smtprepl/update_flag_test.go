package main

import "flag"

// This package keeps no golden files, but DESIGN.md's "go test ./... -update"
// passes -update to every package's tests, and an unknown flag would fail
// them; the flag is accepted here and has nothing to rewrite.
var _ = flag.Bool("update", false, "rewrite golden files (none in this package)")
