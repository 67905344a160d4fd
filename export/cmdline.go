package export

import (
	"fmt"
	"io"
	"strings"

	"github.com/smtprepl/smtprepl/transcripts"
)

// shellSafe refuses text a shell script cannot carry as it is: control
// characters would reach whoever reads or runs the script raw.
func shellSafe(s *Session, m Message) error {
	check := append([]string{m.From, s.EHLOName(), s.Server}, m.To...)
	check = append(check, m.Text...)
	for _, t := range check {
		if i := strings.IndexFunc(t, func(r rune) bool {
			return r < ' ' && r != '\t' || r == 0x7f || r >= 0x80 && r < 0xa0
		}); i >= 0 {
			return fmt.Errorf("the session holds a control character (%q), which a shell command cannot carry safely: export it as python or go", t[i:i+1])
		}
	}
	return nil
}

// shellMessage is the message a shell export sends, once it is known to
// be safe in a shell script.
func (s *Session) shellMessage() (Message, []string, error) {
	m, left, err := s.oneMessage()
	if err != nil {
		return m, nil, err
	}
	return m, left, shellSafe(s, m)
}

// scriptHeader opens a shell export: the interpreter, where the session
// came from, how secrets are passed, and what the export leaves out.
func scriptHeader(b *strings.Builder, tool, source string, left []string, secrets string) {
	fmt.Fprintf(b, "#!/bin/sh\n# The session recorded in %s, sent again with %s.\n", comment(source), tool)
	b.WriteString(secrets)
	for _, l := range left {
		fmt.Fprintf(b, "# %s\n", comment(l))
	}
}

func writeSwaks(w io.Writer, s *Session, _ *transcripts.Transcript, source string) error {
	m, left, err := s.shellMessage()
	if err != nil {
		return err
	}
	host, port := s.HostPort()
	var b strings.Builder
	scriptHeader(&b, "swaks", source, left, "# The password comes from $SMTP_PASSWORD, the user from $SMTP_USER; swaks takes them\n"+
		"# as arguments, so they show in ps while it runs.\n")
	args := []string{"swaks --server " + shellQuote(host) + " --port " + port}
	if name := s.EHLOName(); name != "" {
		args = append(args, "--ehlo "+shellQuote(name))
	}
	switch {
	case s.Implicit:
		args = append(args, "--tls-on-connect")
	case s.StartTLS():
		args = append(args, "--tls")
	}
	if mech := s.AuthMechanism(); mech != "" {
		args = append(args, "--auth "+mech+` --auth-user "$SMTP_USER" --auth-password "$SMTP_PASSWORD"`)
	}
	from := m.From
	if from == "" {
		from = "<>"
	}
	args = append(args, "--from "+shellQuote(from), "--to "+shellQuote(strings.Join(m.To, ",")))
	// $(...) drops the here-document's last newline, which swaks would
	// otherwise send as an empty last line of the message.
	end := heredocEnd(m.Text)
	args = append(args, "--data \"$(cat <<'"+end+"'")
	b.WriteString(strings.Join(args, " \\\n  ") + "\n")
	for _, l := range m.Text {
		b.WriteString(l + "\n")
	}
	b.WriteString(end + "\n)\"\n")
	_, err = io.WriteString(w, b.String())
	return err
}

func writeCurl(w io.Writer, s *Session, _ *transcripts.Transcript, source string) error {
	m, left, err := s.shellMessage()
	if err != nil {
		return err
	}
	host, port := s.HostPort()
	var b strings.Builder
	scriptHeader(&b, "curl", source, left, "# The password comes from $SMTP_PASSWORD, the user from $SMTP_USER, a CA from $SMTP_CAFILE;\n"+
		"# curl takes the password as an argument, so it shows in ps while it runs.\n")
	scheme := "smtp"
	if s.Implicit {
		scheme = "smtps"
	}
	url := scheme + "://" + hostPort(host, port) + "/" + s.EHLOName()
	args := []string{"curl -sSv --url " + shellQuote(url)}
	if s.StartTLS() {
		args = append(args, "--ssl-reqd")
	}
	if s.StartTLS() || s.Implicit {
		args = append(args, `--cacert "${SMTP_CAFILE:-/etc/ssl/certs/ca-certificates.crt}"`)
	}
	if mech := s.AuthMechanism(); mech != "" {
		auth := `--user "$SMTP_USER:$SMTP_PASSWORD" --login-options AUTH=` + mech
		if initialResponse(s) {
			auth += " --sasl-ir"
		}
		args = append(args, auth)
	}
	args = append(args, "--mail-from "+shellQuote(m.From))
	for _, r := range m.To {
		args = append(args, "--mail-rcpt "+shellQuote(r))
	}
	end := heredocEnd(m.Text)
	args = append(args, "--crlf --upload-file - <<'"+end+"'")
	b.WriteString(strings.Join(args, " \\\n  ") + "\n")
	for _, l := range m.Text {
		b.WriteString(l + "\n")
	}
	b.WriteString(end + "\n")
	_, err = io.WriteString(w, b.String())
	return err
}

// initialResponse reports whether the first AUTH carried its answer on
// the AUTH line (RFC 4954's initial response).
func initialResponse(s *Session) bool {
	for _, st := range s.Steps {
		if st.Verb() == "AUTH" {
			return len(strings.Fields(st.Line)) > 2
		}
	}
	return false
}

func hostPort(host, port string) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]:" + port
	}
	return host + ":" + port
}
