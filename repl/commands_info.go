package repl

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/explain"
	"github.com/smtprepl/smtprepl/proto/pop3"
	"github.com/smtprepl/smtprepl/proto/visible"
	"github.com/smtprepl/smtprepl/repl/internal/wrap"
)

func runHelp(_ context.Context, s *Session, args string) error {
	if args == "" {
		s.view.output(s.helpText())
		return nil
	}
	if text := pop3.Help(strings.ToUpper(args)); s.cfg.POP3 && text != "" {
		s.view.output(text)
		return nil
	}
	if v, ok := lookupVerb(args); ok && !strings.HasPrefix(args, ":") {
		s.view.output(verbHelp(v, s.model.Capabilities()))
		return nil
	}
	c, ok := s.commands().lookup(strings.TrimPrefix(args, ":"))
	if !ok {
		return fmt.Errorf("no colon-command or SMTP verb %q (try :help)", args)
	}
	text := fmt.Sprintf(":%s\n  %s", strings.TrimSpace(c.name+" "+c.args), c.summary)
	if c.detail != "" {
		text += "\n  " + c.detail
	}
	s.view.output(text)
	return nil
}

// helpCol is where summaries start in :help; longer usages get a line of
// their own so the summaries stay aligned.
const helpCol = 28

func (s *Session) helpText() string {
	var b strings.Builder
	b.WriteString("Lines starting with ':' are for smtprepl; everything else goes to the server as typed.\n")
	pad := strings.Repeat(" ", helpCol)
	for _, c := range s.commands().list {
		usage := "  :" + strings.TrimSpace(c.name+" "+c.args)
		lead := fmt.Sprintf("%-*s", helpCol, usage)
		if len(usage) >= helpCol {
			b.WriteString(usage + "\n")
			lead = pad
		}
		b.WriteString(wrap.Text(c.summary, s.view.width(), lead, pad) + "\n")
	}
	b.WriteString(wrap.Text("SMTP verbs (:help VERB for one): "+strings.Join(verbNames(), " "), s.view.width(), "", "  ") + "\n")
	b.WriteString(wrap.Text("Tab completes what is legal now; Ctrl-R searches history; Ctrl-C abandons a wait; Ctrl-D or :quit leaves.", s.view.width(), "", ""))
	return b.String()
}

// verbHelp is :help VERB: its syntax, RFC, an example, the replies, and
// whether this server (caps, nil before EHLO) offers the extension it needs.
func verbHelp(v verb, caps *proto.Capabilities) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s    (%s)\n  %s\n", v.syntax, v.rfc, v.summary)
	fmt.Fprintf(&b, "  example:  %s\n  replies:  %s", v.example, v.replies)
	if v.ext != "" {
		fmt.Fprintf(&b, "\n  needs:    the %s extension", v.ext)
		if caps != nil {
			fmt.Fprintf(&b, " (this server %s it)", map[bool]string{true: "offers", false: "does not offer"}[caps.Has(v.ext)])
		}
	}
	return b.String()
}

func completeHelp(s *Session, arg string) []string {
	var names []string
	for _, c := range s.commands().list {
		names = append(names, ":"+c.name)
	}
	if strings.HasPrefix(arg, ":") {
		return matchPrefix(arg, names)
	}
	return matchWords(arg, verbNames())
}

// runExplain prints explain.Explain's long form; with no argument, for
// the last reply.
func runExplain(_ context.Context, s *Session, args string) error {
	query := strings.Trim(args, "\"'")
	if query == "" {
		r := s.lastReply
		if r == nil {
			return errors.New("no reply yet: :explain 550, :explain 5.7.8, :explain \"550 5.1.1\" or :explain PIPELINING")
		}
		if r.Code == 0 { // a POP3 answer
			return s.explainPOP3(r)
		}
		query = strings.Join(dropEmpty([]string{strconv.Itoa(r.Code), r.Enhanced.String(), r.Lines[0]}), " ")
	}
	long, err := explain.Explain(query)
	if err != nil {
		return err
	}
	s.view.output(strings.TrimRight(long, "\n"))
	return nil
}

func completeExplain(s *Session, arg string) []string {
	var cands []string
	if s.lastReply != nil {
		cands = append(cands, strconv.Itoa(s.lastReply.Code))
	}
	if caps := s.model.Capabilities(); caps != nil {
		cands = append(cands, caps.Keywords()...)
	}
	return matchWords(arg, cands)
}

func completeAuthCmd(s *Session, arg string) []string {
	offered := authMechs
	if mechs := s.model.Capabilities().AuthMechanisms(); len(mechs) > 0 {
		offered = slices.DeleteFunc(slices.Clone(authMechs), func(m string) bool {
			return !slices.Contains(mechs, strings.ToUpper(m))
		})
	}
	return matchPrefix(strings.ToLower(arg), offered)
}

func runStatus(_ context.Context, s *Session, _ string) error {
	s.view.output(s.statusText())
	return nil
}

func (s *Session) statusText() string {
	if !s.Connected() {
		return fmt.Sprintf("not connected (last server: %s); :open reconnects", s.describeTarget())
	}
	rows := [][2]string{{"server", s.describeTarget() + " (" + visible.Clip(s.client.Addr(), 200) + ")"}, {"security", securityText(s.client.TLS())}}
	if s.client.IsPipe() {
		rows[1][1] = "a pipe to a process on this machine: no network to read it on, and no TLS"
	}
	st := s.model.State()
	who := "not logged in"
	if user := login(st); user != "" {
		who = "logged in as " + visible.Clip(user, 100)
	}
	if s.cfg.POP3 {
		rows = append(rows, s.pop3Status()...)
	} else {
		rows = append(rows, [2]string{"login", who}, [2]string{"protocol", transactionText(st)})
	}
	if caps := s.model.Capabilities(); caps != nil && !s.cfg.POP3 {
		// The server named these; a script prints them too, as a comment.
		rows = append(rows, [2]string{"extensions", visible.Clip(strings.Join(caps.Keywords(), " "), 1000)})
	}
	if s.recording != nil {
		rows = append(rows, [2]string{"recording", s.recording.path})
	}
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "  %-11s%s\n", r[0], r[1])
	}
	return strings.TrimRight(b.String(), "\n")
}

// securityText is :status's one line on how the connection is protected.
func securityText(info *proto.TLSInfo) string {
	switch {
	case info == nil:
		return "plaintext (anyone on the path can read it)"
	case info.Verified():
		return tlsName(info.Version) + ", certificate verified"
	}
	return tlsName(info.Version) + ", certificate NOT verified (--insecure)"
}

// tlsName is a version as crypto/tls names it ("TLS 1.3"), or, for a
// version it does not know ("0x0305"), with TLS said in front.
func tlsName(version string) string {
	if strings.HasPrefix(version, "TLS") {
		return version
	}
	return "TLS " + version
}

func transactionText(st proto.State) string {
	txt := "not greeted yet (send EHLO)"
	if st.LMTP {
		txt = "not greeted yet (send LHLO: this is LMTP)"
	}
	switch {
	case st.InData():
		txt = fmt.Sprintf("MAIL ✓ RCPT ×%d, writing message text (end with a lone .)", st.Recipients)
	case st.InTransaction:
		txt = fmt.Sprintf("MAIL ✓ RCPT ×%d", st.Recipients)
	case st.Hello != "":
		txt = "greeted, no transaction"
	}
	if st.OutOfStep != "" {
		txt += "; possibly out of step after " + st.OutOfStep
	}
	return txt
}
