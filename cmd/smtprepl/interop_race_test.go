//go:build interop && race

package main

// iopRace: the test binary has the race detector, so the smtprepl it
// builds for the interop tests gets it too.
const iopRace = true
