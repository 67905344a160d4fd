//go:build interop

package main

import (
	"os"
	"strings"
	"testing"
)

// The LMTP interop tests run --lmtp against the Dovecot LMTP server that
// .ci/peers/start.sh runs (SMTPREPL_DOVECOT_LMTP): after the message,
// one reply per accepted recipient, each read and named, so NOOP and
// QUIT after it get their own replies (the trap smtplib.LMTP falls into).

func iopDovecotLMTP(t *testing.T) string {
	t.Helper()
	addr := os.Getenv("SMTPREPL_DOVECOT_LMTP")
	if addr == "" {
		t.Skip("SMTPREPL_DOVECOT_LMTP is not set: start the peers with .ci/peers/start.sh and source peers.env")
	}
	return addr
}

func iopLMTPScript(rcpts ...string) []byte {
	lines := []string{"LHLO interop.smtprepl.test", iopFrom}
	for _, r := range rcpts {
		lines = append(lines, "RCPT TO:<"+r+">")
	}
	lines = append(lines, "DATA", "Subject: LMTP interop", "", "hello", ".", "NOOP", "QUIT")
	return []byte(strings.Join(lines, "\n") + "\n")
}

func TestInteropLMTPDovecot(t *testing.T) {
	addr := iopDovecotLMTP(t)
	for _, pipeline := range []bool{false, true} {
		name := map[bool]string{false: "lock-step", true: "pipeline"}[pipeline]
		args := []string{"--lmtp", addr}
		if pipeline {
			args = append([]string{"--pipeline"}, args...)
		}
		t.Run(name+"/two recipients", func(t *testing.T) {
			r := iopRun(t, iopLMTPScript("alice@example.test", "carol@example.test"), args...)
			iopExpectExit(t, r, exitOK)
			// The replies in order, however the lines were batched: the
			// NOOP's reply comes after both delivery replies.
			iopExpectFinals(t, r, "220 ", "250 ", "250 2.1.0", "250 2.1.5", "250 2.1.5", "354",
				"250 2.0.0 <alice@example.test> ", "250 2.0.0 <carol@example.test> ", "250 2.0.0 OK", "221 2.0.0")
			for _, c := range []string{"# LMTP reply 1 of 2, for <alice@example.test>: delivered", "# LMTP reply 2 of 2, for <carol@example.test>: delivered"} {
				if !strings.Contains(r.stdout, c) {
					t.Errorf("no comment %q\n%s", c, r.describe())
				}
			}
		})
		t.Run(name+"/a refused recipient", func(t *testing.T) {
			r := iopRun(t, iopLMTPScript("alice@example.test", "not an address", "carol@example.test"), args...)
			if r.exit != exitReplies {
				t.Errorf("exit %d, want 1\n%s", r.exit, r.describe())
			}
			iopExpectFinals(t, r, "220 ", "250 ", "250 2.1.0", "250 2.1.5", "501 5.5.4", "250 2.1.5", "354",
				"250 2.0.0 <alice@example.test> ", "250 2.0.0 <carol@example.test> ", "250 2.0.0 OK", "221 2.0.0")
		})
	}
}
