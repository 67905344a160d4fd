//go:build interop

package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/smtprepl/smtprepl/proto"
)

// TestInteropPOP3Dovecot steps the CI's Dovecot by hand with --pop3, as a
// student would: STLS verified against the peers' CA, USER/PASS, STAT,
// RETR of a message put in over LMTP (a line that needs stuffing), DELE
// and QUIT; then a wrong password, which exits 1.
func TestInteropPOP3Dovecot(t *testing.T) {
	pop, lmtp := os.Getenv("SMTPREPL_DOVECOT_POP3"), os.Getenv("SMTPREPL_DOVECOT_LMTP")
	if pop == "" || lmtp == "" {
		t.Skip("SMTPREPL_DOVECOT_POP3 is not set: start the peers with .ci/peers/start.sh and source peers.env")
	}
	tok := iopToken(t)
	lmtpDeliver(t, lmtp, "Subject: "+tok+"\r\n\r\n.stuffed "+tok+"\r\n")
	_, port, _ := net.SplitHostPort(pop)
	target := net.JoinHostPort("localhost", port) // the peers' certificate names localhost
	script := "STLS\nUSER carol\nPASS secret\nSTAT\nUIDL\n"
	r := iopRun(t, []byte(script+"QUIT\n"), "--pop3", "--cafile", os.Getenv("SMTPREPL_PEERS_CA"), target)
	iopExpectExit(t, r, 0)
	var n, size int
	if i := strings.Index(r.stdout, "C: STAT\nS: +OK "); i >= 0 {
		fmt.Sscanf(r.stdout[i+len("C: STAT\nS: +OK "):], "%d %d", &n, &size)
	}
	if n == 0 || !strings.Contains(r.stdout, "=== TLS established") || strings.Contains(r.stdout, "secret") {
		t.Fatalf("STLS and login:\n%s", r.describe())
	}
	fetch := script
	for i := 1; i <= n; i++ { // every message, so the mailbox is empty after
		fetch += fmt.Sprintf("RETR %d\nDELE %d\n", i, i)
	}
	r = iopRun(t, []byte(fetch+"QUIT\n"), "--pop3", "--cafile", os.Getenv("SMTPREPL_PEERS_CA"), target)
	iopExpectExit(t, r, 0)
	for _, want := range []string{"C: PASS <redacted: POP3 password>", "S: ..stuffed " + tok, "S: +OK Logging out, messages deleted."} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("no %q in:\n%s", want, r.describe())
		}
	}
	r = iopRun(t, []byte("USER carol\nPASS wrong\nQUIT\n"), "--pop3", pop)
	iopExpectExit(t, r, 1)
	if !strings.Contains(r.stdout, "S: -ERR [AUTH] Authentication failed.") || strings.Contains(r.stdout, "wrong") {
		t.Errorf("wrong password:\n%s", r.describe())
	}
}

// lmtpDeliver puts one message in carol's mailbox over LMTP.
func lmtpDeliver(t *testing.T, addr, body string) {
	t.Helper()
	ctx := context.Background()
	c, err := proto.Dial(ctx, addr, proto.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.ReadReply(ctx)
	for _, l := range []string{"LHLO interop.smtprepl.test", "MAIL FROM:<bob@example.test>", "RCPT TO:<carol@example.test>", "DATA"} {
		if r, err := c.Cmd(ctx, l); err != nil || r.Code >= 400 {
			t.Fatalf("LMTP %s: %v %v", l, r, err)
		}
	}
	if err := c.QueueRaw(proto.DotStuff([]byte(body))); err != nil {
		t.Fatal(err)
	}
	c.Flush()
	if r, err := c.ReadReply(ctx); err != nil || r.Code != 250 {
		t.Fatalf("LMTP delivery: %v %v", r, err)
	}
}
