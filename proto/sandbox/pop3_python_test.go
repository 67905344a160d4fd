package sandbox

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// pyPOP3 is what a student's first retrieval program does: send with
// smtplib, read it back with poplib (USER/PASS, stat, retr, dele, quit),
// then again over STLS, verifying the sandbox's certificate. poplib's
// octet count is of the unstuffed lines with CRLF: the "+OK n octets" of
// RETR must be the same number.
const pyPOP3 = `
import json, poplib, smtplib, ssl, sys
smtp, pop, cafile = sys.argv[1], sys.argv[2], sys.argv[3]
def hostport(a):
    h, p = a.rsplit(":", 1)
    return h, int(p)
with smtplib.SMTP(*hostport(smtp)) as s:
    s.sendmail("bob@example.test", ["alice@example.test"],
               b"Subject: first\r\n\r\n.starts with a dot\r\nhello alice\r\n")
    s.sendmail("bob@example.test", ["alice@example.test"], b"Subject: second\r\n\r\nagain\r\n")
out = {}
p = poplib.POP3(*hostport(pop))
out["welcome"] = p.getwelcome().decode()
p.user("alice"); p.pass_("secret")
count, size = p.stat()
resp, lines, octets = p.retr(1)
out["stat"] = [count, size == sum(int(l.split()[1]) for l in p.list()[1])]
out["retr"] = [resp.decode().split()[0], [l.decode() for l in lines[-3:]], int(resp.split()[1]) == octets]
out["dele"] = p.dele(1).decode()
out["quit"] = p.quit().decode()
ctx = ssl.create_default_context(cafile=cafile)
ctx.check_hostname = False  # the certificate names the sandbox, not 127.0.0.1
p = poplib.POP3(*hostport(pop))
out["stls"] = p.stls(ctx).decode()
p.user("alice"); p.pass_("secret")
out["after_dele"] = p.stat()[0]
out["subject"] = [l.decode() for l in p.top(1, 0)[1] if l.startswith(b"Subject:")]
p.quit()
try:
    p = poplib.POP3(*hostport(pop)); p.user("alice"); p.pass_("wrong")
except poplib.error_proto as e:
    out["wrong"] = e.args[0].decode()
json.dump(out, sys.stdout)
`

// TestPythonPoplibReadsWhatWasSent runs pyPOP3 with /usr/bin/python3
// against the sandbox's SMTP and POP3 listeners.
func TestPythonPoplibReadsWhatWasSent(t *testing.T) {
	const python = "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Skipf("%s is absent: skipping the check with Python's poplib", python)
	}
	srv, smtpAddr := testServer(t, nil)
	popAddr, err := srv.ListenPOP3("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(t.TempDir(), "sandbox.pem")
	if err := os.WriteFile(ca, srv.CertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, "-c", pyPOP3, smtpAddr, popAddr.String(), ca).Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("python's report %q: %v", out, err)
	}
	want := map[string]any{
		"welcome":    "+OK smtprepl sandbox POP3 ready.",
		"stat":       []any{2.0, true},
		"retr":       []any{"+OK", []any{"", ".starts with a dot", "hello alice"}, true},
		"dele":       "+OK Marked to be deleted.",
		"quit":       "+OK Logging out, messages deleted.",
		"stls":       "+OK Begin TLS negotiation now.",
		"after_dele": 1.0,
		"subject":    []any{"Subject: second"},
		"wrong":      "-ERR [AUTH] Authentication failed.",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("what poplib saw (-want +got):\n%s", diff)
	}
}
