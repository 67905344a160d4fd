//go:build interop && !race

package main

// iopRace: the test binary has no race detector, nor does the smtprepl it
// builds for the interop tests.
const iopRace = false
