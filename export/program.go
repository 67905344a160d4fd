package export

import (
	"fmt"
	"io"
	"strings"

	"github.com/smtprepl/smtprepl/transcripts"
)

// secretEnv is where a script finds a secret that is neither a user nor
// a password: the variable replay reads too.
func secretEnv(name string) string {
	return "SMTPREPL_SECRET_" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, name)
}

// secretCode is the expression, in lang, for a redacted answer.
func secretCode(lang, name string) string {
	py := map[string]string{
		"AUTH PLAIN credentials": `b64("\0" + user + "\0" + password)`,
		"AUTH LOGIN username":    `b64(user)`,
		"AUTH LOGIN password":    `b64(password)`,
		"AUTH CRAM-MD5 response": `cram_md5(user, password, last[1])`,
	}
	golang := map[string]string{
		"AUTH PLAIN credentials": `b64("\x00" + user + "\x00" + password)`,
		"AUTH LOGIN username":    `b64(user)`,
		"AUTH LOGIN password":    `b64(password)`,
		"AUTH CRAM-MD5 response": `cramMD5(user, password, last)`,
	}
	if lang == "python" {
		if e, ok := py[name]; ok {
			return e
		}
		return fmt.Sprintf("os.environ[%s]", quoted(secretEnv(name)))
	}
	if e, ok := golang[name]; ok {
		return e
	}
	return fmt.Sprintf("os.Getenv(%s)", quoted(secretEnv(name)))
}

// lineCode is the expression for a client line: a literal, or its text
// before the secret joined to the secret's expression.
func lineCode(lang string, st Step) string {
	if st.Redacted == "" {
		return quoted(st.Line)
	}
	prefix := strings.TrimSuffix(st.Line, "<redacted: "+st.Redacted+">")
	if prefix == "" {
		return secretCode(lang, st.Redacted)
	}
	return quoted(prefix) + " + " + secretCode(lang, st.Redacted)
}

// stuffed is a message's text as it goes on the wire after DATA.
func stuffed(m Message) []string {
	out := make([]string, 0, len(m.Text))
	for _, l := range m.Text {
		if strings.HasPrefix(l, ".") {
			l = "." + l
		}
		out = append(out, l)
	}
	return out
}

func writePython(w io.Writer, s *Session, _ *transcripts.Transcript, source string) error {
	host, port := s.HostPort()
	var b strings.Builder
	fmt.Fprintf(&b, `#!/usr/bin/env python3
"""The session recorded in %s, step by step, with smtplib.

Each command goes out as it was recorded, and each reply is printed.
The user and password come from $SMTP_USER and $SMTP_PASSWORD, a CA to
trust from $SMTP_CAFILE. The exit status is 1 when a reply's class
differs from the recording's.
"""
import base64
import hashlib
import hmac
import os
import smtplib
import ssl
import sys

HOST, PORT = %s, %s
user = os.environ.get("SMTP_USER", "")
password = os.environ.get("SMTP_PASSWORD", "")
context = ssl.create_default_context(cafile=os.environ.get("SMTP_CAFILE"))
differ = 0


def b64(text):
    return base64.b64encode(text.encode()).decode()


def cram_md5(user, password, challenge):
    digest = hmac.new(password.encode(), base64.b64decode(challenge), hashlib.md5).hexdigest()
    return b64(user + " " + digest)


def check(reply, want, shown):
    """Print a reply; count it when its class differs from the recording's."""
    global differ
    code, text = reply
    print(shown)
    print(code, text.decode(errors="replace"))
    if want and code // 100 != want // 100:
        differ += 1
        print(f"  ^ the recording got {want}", file=sys.stderr)
    return reply


`, comment(source), quoted(host), port)
	if s.Implicit {
		b.WriteString("s = smtplib.SMTP_SSL(HOST, PORT, context=context)\n")
	} else {
		b.WriteString("s = smtplib.SMTP(HOST, PORT)\n")
	}
	b.WriteString("last = (0, b\"\")\n")
	for _, st := range s.Steps {
		fmt.Fprintf(&b, "\n# %s\n", comment(st.Line))
		switch v := st.Verb(); {
		case v == "EHLO" || v == "HELO":
			_, arg, _ := strings.Cut(st.Line, " ")
			fmt.Fprintf(&b, "last = check(s.%s(%s), %d, %s)\n", strings.ToLower(v), quoted(strings.TrimSpace(arg)), st.Code, quoted("> "+st.Line))
		case v == "STARTTLS" && st.Code == 220:
			fmt.Fprintf(&b, "last = check(s.starttls(context=context), %d, %s)\n", st.Code, quoted("> STARTTLS"))
		case v == "QUIT":
			fmt.Fprintf(&b, "last = check(s.docmd(\"QUIT\"), %d, %s)\ns.close()\n", st.Code, quoted("> QUIT"))
		case st.Message >= 0:
			m := s.Messages[st.Message]
			b.WriteString("message = (\n")
			for _, l := range stuffed(m) {
				fmt.Fprintf(&b, "    %s \"\\r\\n\"\n", quoted(l))
			}
			b.WriteString("    \".\\r\\n\"\n)\ns.send(message.encode())\n")
			fmt.Fprintf(&b, "last = check(s.getreply(), %d, %s)\n", st.Code, quoted(fmt.Sprintf("> (message, %d lines) .", len(m.Text))))
		default:
			fmt.Fprintf(&b, "last = check(s.docmd(%s), %d, %s)\n", lineCode("python", st), st.Code, quoted("> "+shownLine(st)))
		}
	}
	b.WriteString("\nsys.exit(1 if differ else 0)\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// shownLine is what a script prints for a line: its secret stays a marker.
func shownLine(st Step) string { return st.Line }

func writeGo(w io.Writer, s *Session, _ *transcripts.Transcript, source string) error {
	host, port := s.HostPort()
	var b strings.Builder
	fmt.Fprintf(&b, `// Command session repeats the session recorded in %s, step by step.
//
// Each command goes out as it was recorded, and each reply is printed. The
// user and password come from $SMTP_USER and $SMTP_PASSWORD, a CA to trust
// from $SMTP_CAFILE. It speaks through net/textproto, not net/smtp, which
// would send its own EHLO and add BODY=8BITMIME to MAIL: the point is to
// send what was recorded. The exit status is 1 when a reply's class differs
// from the recording's.
package main

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/textproto"
	"os"
	"strings"
	"time"
)

const host, port = %s, %s

var (
	user     = os.Getenv("SMTP_USER")
	password = os.Getenv("SMTP_PASSWORD")
	differ   = 0
	last     string // the last reply's text, for a CRAM-MD5 challenge
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func cramMD5(user, password, challenge string) string {
	c, _ := base64.StdEncoding.DecodeString(challenge)
	m := hmac.New(md5.New, []byte(password))
	m.Write(c)
	return b64(user + " " + hex.EncodeToString(m.Sum(nil)))
}

func tlsConfig() *tls.Config {
	cfg := &tls.Config{ServerName: host}
	if f := os.Getenv("SMTP_CAFILE"); f != "" {
		pem, err := os.ReadFile(f)
		if err != nil {
			fail(err)
		}
		cfg.RootCAs = x509.NewCertPool()
		cfg.RootCAs.AppendCertsFromPEM(pem)
	}
	return cfg
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "session:", err)
	os.Exit(2)
}

// reply reads one reply, prints it, and counts it when its class differs
// from the recording's.
func reply(tp *textproto.Conn, want int) {
	code, text, err := tp.ReadResponse(0)
	if err != nil {
		fail(err)
	}
	last = text
	fmt.Printf("%%d %%s\n", code, strings.ReplaceAll(text, "\n", "\n    "))
	if want != 0 && code/100 != want/100 {
		differ++
		fmt.Fprintf(os.Stderr, "  ^ the recording got %%d\n", want)
	}
}

func cmd(tp *textproto.Conn, line, shown string, want int) {
	fmt.Println(">", shown)
	if err := tp.PrintfLine("%%s", line); err != nil {
		fail(err)
	}
	reply(tp, want)
}

func main() {
	addr := net.JoinHostPort(host, port)
	conn, err := net.DialTimeout("tcp", addr, 30*time.Second)
	if err != nil {
		fail(err)
	}
`, comment(source), quoted(host), quoted(port))
	if s.Implicit {
		b.WriteString("\tconn = tls.Client(conn, tlsConfig())\n")
	}
	b.WriteString("\ttp := textproto.NewConn(conn)\n\tdefer tp.Close()\n\treply(tp, 220)\n")
	for _, st := range s.Steps {
		fmt.Fprintf(&b, "\n\t// %s\n", comment(st.Line))
		switch {
		case st.Verb() == "STARTTLS" && st.Code == 220:
			fmt.Fprintf(&b, "\tcmd(tp, \"STARTTLS\", \"STARTTLS\", %d)\n", st.Code)
			b.WriteString("\ttc := tls.Client(conn, tlsConfig())\n\tif err := tc.Handshake(); err != nil {\n\t\tfail(err)\n\t}\n\tconn, tp = tc, textproto.NewConn(tc)\n")
		case st.Message >= 0:
			m := s.Messages[st.Message]
			fmt.Fprintf(&b, "\tfmt.Println(\"> (message, %d lines) .\")\n\tdw := tp.DotWriter()\n", len(m.Text))
			for _, l := range m.Text {
				fmt.Fprintf(&b, "\tfmt.Fprint(dw, %s+\"\\n\")\n", quoted(l))
			}
			fmt.Fprintf(&b, "\tif err := dw.Close(); err != nil {\n\t\tfail(err)\n\t}\n\treply(tp, %d)\n", st.Code)
		default:
			fmt.Fprintf(&b, "\tcmd(tp, %s, %s, %d)\n", lineCode("go", st), quoted(shownLine(st)), st.Code)
		}
	}
	b.WriteString("\n\tif differ > 0 {\n\t\tos.Exit(1)\n\t}\n}\n")
	_, err := io.WriteString(w, b.String())
	return err
}
