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
		for _, refused := range []struct{ rcpt, reply string }{{"not an address", "501 5.5.4"}, {iopUnknown, "550 5.1.1 <" + iopUnknown + "> User doesn't exist"}} {
			t.Run(name+"/refused recipient "+refused.rcpt, func(t *testing.T) {
				r := iopRun(t, iopLMTPScript("alice@example.test", refused.rcpt, "carol@example.test"), args...)
				if r.exit != exitReplies {
					t.Errorf("exit %d, want 1\n%s", r.exit, r.describe())
				}
				iopExpectFinals(t, r, "220 ", "250 ", "250 2.1.0", "250 2.1.5", refused.reply, "250 2.1.5", "354",
					"250 2.0.0 <alice@example.test> ", "250 2.0.0 <carol@example.test> ", "250 2.0.0 OK", "221 2.0.0")
			})
		}
	}
}

// TestInteropLMTPStartTLS: --starttls says LHLO, not EHLO, to an LMTP
// server, and the session goes on under TLS.
func TestInteropLMTPStartTLS(t *testing.T) {
	addr := iopDovecotLMTP(t)
	ca := os.Getenv("SMTPREPL_PEERS_CA")
	if ca == "" {
		t.Skip("SMTPREPL_PEERS_CA is not set: Dovecot's certificate cannot be verified")
	}
	script := iopLMTPScript("alice@example.test", "bob@example.test")
	script = script[len("LHLO interop.smtprepl.test\n"):]
	r := iopRun(t, script, "--lmtp", "--starttls", "--ehlo", "interop.smtprepl.test", "--cafile", ca, addr)
	iopExpectExit(t, r, exitOK)
	iopExpectReplies(t, r, iopWant{"LHLO interop.smtprepl.test", "250 "}, iopWant{"STARTTLS", "220 2.0.0"})
	iopExpectFinals(t, r, "220 ", "250 ", "220 2.0.0", "250 2.1.0", "250 2.1.5", "250 2.1.5", "354",
		"250 2.0.0 <alice@example.test> ", "250 2.0.0 <bob@example.test> ", "250 2.0.0 OK", "221 2.0.0")
}

// TestInteropSendLMTP: send --lmtp to Dovecot, two recipients: LHLO, a
// reply for each after the dot, QUIT, exit 0; lock-step and pipelined.
func TestInteropSendLMTP(t *testing.T) {
	addr := iopDovecotLMTP(t)
	for _, extra := range [][]string{nil, {"--pipeline"}} {
		t.Run(strings.Join(append([]string{"send"}, extra...), " "), func(t *testing.T) {
			args := append([]string{"send", "--lmtp", "--server", addr, "--from", "bob@example.test",
				"--to", "alice@example.test,carol@example.test", "--body", "LMTP interop"}, extra...)
			r := iopRun(t, nil, args...)
			iopExpectExit(t, r, exitOK)
			iopExpectReplies(t, r, iopWant{"LHLO ", "250 "})
			iopExpectSequence(t, r, "S: 250 2.0.0 <alice@example.test> ", "S: 250 2.0.0 <carol@example.test> ", "C: QUIT", "S: 221 2.0.0")
		})
	}
}
