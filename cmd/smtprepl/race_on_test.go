//go:build race

package main

// raceDetector: the test binary has the race detector, whose shadow memory
// counts in the resident memory the OS reports.
const raceDetector = true
