//go:build !race

package main

// raceDetector: the test binary has no race detector.
const raceDetector = false
