//go:build interop

package main

// Interop tests of XCLIENT, the PROXY header and --pipe against the
// Postfix listeners .ci/peers/start.sh configures for them
// (SMTPREPL_POSTFIX_XCLIENT: smtpd_authorized_xclient_hosts=127.0.0.0/8;
// SMTPREPL_POSTFIX_PROXY: smtpd_upstream_proxy_protocol=haproxy), and
// Postfix's sendmail -bs and exim -bs. What Postfix believed about the
// client is read back from the Received: header it put on the message.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// iopEnv is a peers.env value, or a skip naming it.
func iopEnv(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Skipf("%s is not set: start .ci/peers/start.sh and export DIR/peers.env", name)
	}
	return v
}

// iopSendVia sends one message with args and returns the trace headers
// Postfix put above it.
func iopSendVia(t *testing.T, maildirEnv string, args ...string) (iopResult, string) {
	t.Helper()
	maildir := iopEnv(t, maildirEnv)
	m := iopMessage{tok: iopToken(t), headers: []string{"Subject: transport"}, body: []string{"hello"}}
	r := iopRun(t, iopScript(iopEHLO, iopFrom, iopTo, "DATA", m.script()+"QUIT"), args...)
	// A --pipe process may talk on stderr (exim -C as root says it
	// dropped privileges): that reaches ours, labelled, and nothing else.
	r.stderr = iopDropPipeStderr(r.stderr)
	iopExpectExit(t, r, exitOK)
	_, above := iopDelivered(t, maildir, m.tok)
	return r, string(above)
}

// iopDropPipeStderr leaves out the lines a --pipe process wrote, which
// smtprepl labels.
func iopDropPipeStderr(stderr string) string {
	var kept []string
	for _, l := range strings.SplitAfter(stderr, "\n") {
		if !strings.HasPrefix(l, "smtprepl: [pipe stderr] ") {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "")
}

func TestInteropXClient(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		received string
	}{
		{"--xclient", []string{"--xclient", "ADDR=192.0.2.7,NAME=xclient.example.net,HELO=helo.example.net"},
			"Received: from helo.example.net (xclient.example.net [192.0.2.7])"},
		{"--xclient unavailable name", []string{"--xclient", "ADDR=192.0.2.8", "--xclient", "NAME=[UNAVAILABLE]"},
			"Received: from interop.smtprepl.test (unknown [192.0.2.8])"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, above := iopSendVia(t, "SMTPREPL_POSTFIX_MAILDIR", append(tc.args, iopEnv(t, "SMTPREPL_POSTFIX_XCLIENT"))...)
			if !strings.Contains(above, tc.received) {
				t.Errorf("Postfix's trace headers %q lack %q\n%s", above, tc.received, r.describe())
			}
			iopExpectSequence(t, r, "C: XCLIENT ADDR=", "S: 220 ", "C: EHLO ", "S: 250-")
		})
	}
}

func TestInteropXClientColon(t *testing.T) {
	addr := iopEnv(t, "SMTPREPL_POSTFIX_XCLIENT")
	maildir := iopEnv(t, "SMTPREPL_POSTFIX_MAILDIR")
	m := iopMessage{tok: iopToken(t), headers: []string{"Subject: :xclient"}, body: []string{"hello"}}
	r := iopRun(t, iopScript(iopEHLO, ":xclient ADDR=192.0.2.9 LOGIN=jo+smith", iopFrom, iopTo, "DATA", m.script()+"QUIT"), addr)
	iopExpectExit(t, r, exitOK)
	if !strings.Contains(r.stdout, "C: XCLIENT ADDR=192.0.2.9 LOGIN=jo+2Bsmith\n") || !strings.Contains(r.stdout, `sent as xtext jo+2Bsmith`) {
		t.Errorf("the LOGIN value is not shown encoded as xtext\n%s", r.describe())
	}
	_, above := iopDelivered(t, maildir, m.tok)
	if !strings.Contains(string(above), "[192.0.2.9])") {
		t.Errorf("Postfix's trace headers %q do not name 192.0.2.9", above)
	}
}

// The plain listener does not trust us with XCLIENT: --xclient stops
// before sending it, :xclient sends it and explains the 550.
func TestInteropXClientRefused(t *testing.T) {
	addr := iopEnv(t, "SMTPREPL_POSTFIX")
	r := iopRun(t, iopScript(iopEHLO, "QUIT"), "--xclient", "ADDR=192.0.2.7", addr)
	iopExpectExit(t, r, exitFailure)
	if !strings.Contains(r.stderr, "does not offer XCLIENT: Postfix offers it only to the hosts in smtpd_authorized_xclient_hosts") || strings.Contains(r.stdout, "C: XCLIENT") {
		t.Errorf("want no XCLIENT sent and one sentence why\n%s", r.describe())
	}
	r = iopRun(t, iopScript(iopEHLO, ":xclient ADDR=192.0.2.7", "NOOP", "QUIT"), addr)
	iopExpectExit(t, r, exitReplies)
	iopExpectSequence(t, r, "C: XCLIENT ADDR=192.0.2.7", "S: 550 5.7.0 Error: insufficient authorization", "C: NOOP", "S: 250 ")
	if !strings.Contains(r.stdout, "\n# XCLIENT refused: the server does not trust this client with it (Postfix allows it only from smtpd_authorized_xclient_hosts)") {
		t.Errorf("the 550 is not explained\n%s", r.describe())
	}
}

func TestInteropProxy(t *testing.T) {
	addr := iopEnv(t, "SMTPREPL_POSTFIX_PROXY")
	for _, tc := range []struct {
		args     []string
		event    string
		received string
	}{
		{[]string{"--proxy", "--proxy-source", "192.0.2.10:1234"}, "=== PROXY v1 header sent: PROXY TCP4 192.0.2.10 127.0.0.1 1234 ", "(unknown [192.0.2.10])"},
		{[]string{"--proxy", "v2", "--proxy-source", "192.0.2.11:1234"}, "=== PROXY v2 header sent, 28 bytes: 0d0a0d0a000d0a515549540a 21 11 000c c000020b 7f000001 04d2 ", "(unknown [192.0.2.11])"},
		{[]string{"--proxy=v2"}, "=== PROXY v2 header sent", "(localhost [127.0.0.1])"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r, above := iopSendVia(t, "SMTPREPL_POSTFIX_MAILDIR", append(tc.args, addr)...)
			if !strings.Contains(above, tc.received) {
				t.Errorf("Postfix's trace headers %q lack %q\n%s", above, tc.received, r.describe())
			}
			iopExpectSequence(t, r, tc.event, "S: 220 ")
		})
	}
}

// Without the header Postfix waits smtpd_upstream_proxy_timeout (5 s),
// then answers 421: one sentence says what that likely means.
func TestInteropProxyMissing(t *testing.T) {
	r := iopRun(t, iopScript(iopEHLO, "QUIT"), iopEnv(t, "SMTPREPL_POSTFIX_PROXY"))
	iopExpectExit(t, r, exitFailure)
	if !strings.Contains(r.stderr, "instead of greeting: Postfix with smtpd_upstream_proxy_protocol does that when no PROXY header came") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("want one sentence suggesting --proxy\n%s", r.describe())
	}
}

func TestInteropPipe(t *testing.T) {
	exim := filepath.Join(os.Getenv("SMTPREPL_EXIM_ROOT"), "usr/sbin/exim4")
	if os.Getenv("SMTPREPL_EXIM_ROOT") == "" {
		exim = "/opt/smtprepl-exim/usr/sbin/exim4"
	}
	for _, tc := range []struct {
		name, cmdEnv, maildirEnv string
		command                  func(string) string
		received                 string
	}{
		{"postfix sendmail -bs", "SMTPREPL_POSTFIX_CONFIG", "SMTPREPL_POSTFIX_MAILDIR",
			func(dir string) string { return "/usr/sbin/sendmail -C " + dir + " -bs" }, "by mx.example.test (Postfix, from userid 0)"},
		{"exim -bs", "SMTPREPL_EXIM_MAILDIR", "SMTPREPL_EXIM_MAILDIR",
			func(string) string {
				return exim + " -C " + filepath.Join(iopEnv(t, "SMTPREPL_PEERS_DIR"), "exim", "exim.conf") + " -bs"
			}, "with local-esmtp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			command := tc.command(iopEnv(t, tc.cmdEnv))
			r, above := iopSendVia(t, tc.maildirEnv, "--pipe", command)
			if !strings.Contains(above, tc.received) {
				t.Errorf("trace headers %q lack %q\n%s", above, tc.received, r.describe())
			}
			iopExpectSequence(t, r, "=== started sh -c '", "S: 220 ", "C: EHLO")
		})
	}
	t.Run("STARTTLS refused", func(t *testing.T) {
		command := "/usr/sbin/sendmail -C " + iopEnv(t, "SMTPREPL_POSTFIX_CONFIG") + " -bs"
		r := iopRun(t, iopScript(iopEHLO, "STARTTLS", "QUIT"), "--pipe", command)
		if r.exit != exitUsage || r.stderr != "smtprepl: script line 2: STARTTLS not sent: this session is a --pipe to a process on this machine, with no connection for TLS to protect (and the process would wait for a handshake on its stdin)\n" || strings.Contains(r.stdout, "C: STARTTLS") {
			t.Errorf("want STARTTLS refused, unsent\n%s", r.describe())
		}
	})
}

// send's exits for XCLIENT and PROXY against the real listeners, as
// swaks's: 33 when Postfix does not offer XCLIENT to us, 0 at
// --quit-after xclient, and a proxied send delivered.
func TestInteropSendTransport(t *testing.T) {
	plain, xclient, proxied := iopEnv(t, "SMTPREPL_POSTFIX"), iopEnv(t, "SMTPREPL_POSTFIX_XCLIENT"), iopEnv(t, "SMTPREPL_POSTFIX_PROXY")
	for _, tc := range []struct {
		name string
		args []string
		exit int
		want string // in the transcript
	}{
		{"xclient not offered", []string{"--server", plain, "--xclient", "ADDR=192.0.2.7"}, 33, "C: QUIT\n"},
		{"quit after xclient", []string{"--server", xclient, "--xclient", "ADDR=192.0.2.7", "--quit-after", "xclient"}, 0, "# stopping after the xclient stage"},
		{"xclient", []string{"--server", xclient, "--xclient", "ADDR=192.0.2.7"}, 0, "C: XCLIENT ADDR=192.0.2.7\n"},
		{"proxy v2", []string{"--server", proxied, "--proxy", "v2"}, 0, "=== PROXY v2 header sent"},
		{"proxy missing", []string{"--server", proxied}, 21, "S: 421 4.3.0 "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := iopRun(t, nil, append([]string{"send", "--from", "bob@example.test", "--to", "alice@example.test"}, tc.args...)...)
			if r.exit != tc.exit || !strings.Contains(r.stdout, tc.want) {
				t.Errorf("exit %d, want %d, and %q in the transcript\n%s", r.exit, tc.exit, tc.want, r.describe())
			}
		})
	}
}
