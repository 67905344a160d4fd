package explain

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/smtprepl/smtprepl/proto/visible"
)

// maxQuery is how much of a query is read: a pasted bounce line is a few
// hundred bytes, and the long form quotes the query.
const maxQuery = 1000

// acceptedForms ends every "cannot understand" error, so the user learns
// what to type instead.
const acceptedForms = "try a reply code (550), an enhanced status code (5.7.8 or X.7.8), " +
	"a reply line (550 5.1.1 User unknown) or an EHLO keyword (PIPELINING, SIZE 10240000)"

// Explain returns the long, multi-line, plain-text explanation of what a
// user typed after `smtprepl explain`: a reply code ("550"), an enhanced
// code ("5.7.8", "X.7.8"), a pasted reply line ("550-5.1.1 text", an
// "S: " prefix is allowed) or an EHLO line or keyword ("auth", "SIZE
// 10240000"). Only the first line of the query counts.
func Explain(query string) (string, error) {
	q, _, _ := strings.Cut(query, "\n")
	q = strings.TrimSpace(q[:min(len(q), maxQuery)])
	q = strings.TrimSpace(strings.TrimPrefix(q, "S:"))
	if q == "" {
		return "", fmt.Errorf("explain: nothing to explain; %s", acceptedForms)
	}
	q = fromPython(q)
	for _, form := range []func(string) (string, bool){explainPort, explainNullSender, explainReply, explainEnhanced, explainKeyword, explainWords} {
		if long, ok := form(q); ok {
			return shown(long), nil
		}
	}
	if len(q) > 60 {
		q = q[:60] + "..."
	}
	return "", fmt.Errorf("explain: cannot understand %q; %s", q, acceptedForms)
}

// pythonReply finds smtplib's form of a reply, (535, b'5.7.8 text'),
// inside an exception's message.
var pythonReply = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`\(([2-5][0-9][0-9]), b?(?:'([^']*)'|"([^"]*)")\)`)
})

// fromPython turns smtplib's (code, b'text') into the reply line it
// stands for, its "\n" escapes (a multi-line reply) as spaces; any other
// query is returned as it is.
func fromPython(q string) string {
	m := pythonReply().FindStringSubmatch(q)
	if m == nil {
		return q
	}
	text := strings.ReplaceAll(m[2]+m[3], `\r`, "")
	return m[1] + " " + strings.Join(strings.Fields(strings.ReplaceAll(text, `\n`, " ")), " ")
}

// ports are the numbers people type for a reply code: they are ports.
var ports = map[string]string{
	"25":   "SMTP between mail servers (RFC 5321): relay and delivery to a domain's MX, usually without AUTH; many ISPs and campus networks block it outbound",
	"465":  "message submission over implicit TLS (RFC 8314 §3.3): TLS from the first byte, then EHLO and AUTH, no STARTTLS",
	"587":  "message submission (RFC 6409): mail clients send here, STARTTLS first, then AUTH (RFC 8314 prefers 465)",
	"2525": "an unofficial submission port that many providers and test servers offer where 587 or 25 is blocked: the same dialogue as 587 (smtprepl's sandbox listens here too)",
	"110":  "POP3 (RFC 1939): a mail client fetches and deletes mail from its mailbox; STLS upgrades it to TLS (RFC 2595)",
	"995":  "POP3 over implicit TLS (RFC 8314 §3.3): TLS from the first byte, then USER/PASS or AUTH",
	"143":  "IMAP (RFC 9051): a mail client reads and manages mail kept on the server; STARTTLS upgrades it to TLS",
	"993":  "IMAP over implicit TLS (RFC 8314 §3.3): TLS from the first byte",
	"24":   "IANA's \"any private mail system\" port, where LMTP (RFC 2033) servers such as Cyrus often listen: SMTP's sibling for the last hop into a mailbox store; LMTP must not use port 25",
}

func explainPort(q string) (string, bool) {
	what, ok := ports[q]
	if !ok {
		return "", false
	}
	if code, _, isCode := parseReplyCode(q); isCode && code < 200 {
		// 110 and 143 read as reply codes too, but SMTP never sends 1yz.
		return fmt.Sprintf("%s is a port: %s\n\nAs a reply code, %d would be a 1yz reply, which SMTP never sends (RFC 5321 §4.2.1).", q, what, code), true
	}
	return q + " is a port, not a reply code: " + what, true
}

// explainNullSender explains MAIL FROM:<>, which people meet in bounces.
func explainNullSender(q string) (string, bool) {
	if q != "<>" && !strings.EqualFold(strings.ReplaceAll(q, " ", ""), "MAILFROM:<>") {
		return "", false
	}
	return "<> is the null reverse-path: MAIL FROM:<> sends a message that must never be answered by a bounce, " +
		"which is what bounces (delivery status notifications) and auto-replies use, so that two servers cannot bounce " +
		"each other's bounces for ever (RFC 5321 §4.5.5, §3.6.3)", true
}

// shown escapes, line by line, what the long form quotes of the query:
// people paste bounce lines, and with them whatever a server put there.
func shown(long string) string {
	lines := strings.Split(long, "\n")
	for i, l := range lines {
		lines[i] = visible.Text(l)
	}
	return strings.Join(lines, "\n")
}

// parseReplyCode splits "550-5.1.1 text" into 550 and "5.1.1 text".
func parseReplyCode(s string) (code int, rest string, ok bool) {
	if len(s) < 3 || (len(s) > 3 && s[3] != ' ' && s[3] != '-') {
		return 0, "", false
	}
	code, err := strconv.Atoi(s[:3])
	if err != nil || s[0] == '+' || s[0] == '-' || code < 100 || code > 599 {
		return 0, "", false
	}
	if len(s) > 3 {
		rest = strings.TrimSpace(s[4:])
	}
	return code, rest, true
}

// parseStatus reads "5.1.1" or "X.1.1" (class 0) as RFC 3463 §2 spells
// it: subject and detail of one to three digits.
func parseStatus(s string) (status [3]int, ok bool) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return status, false
	}
	switch parts[0] {
	case "2", "4", "5":
		status[0] = int(parts[0][0] - '0')
	case "X", "x":
	default:
		return status, false
	}
	for i, p := range parts[1:] {
		n, err := strconv.Atoi(p)
		if err != nil || len(p) > 3 || p[0] < '0' || p[0] > '9' {
			return status, false
		}
		status[i+1] = n
	}
	return status, true
}

func explainReply(q string) (string, bool) {
	code, rest, ok := parseReplyCode(q)
	if !ok {
		return "", false
	}
	if rest == "" {
		return codeLong(code, true), true
	}
	first, text, _ := strings.Cut(rest, " ")
	status, hasStatus := parseStatus(first)
	if hasStatus && status[0] == code/100 {
		rest = strings.TrimSpace(text)
	} else {
		status = [3]int{}
		if keyword, params, isEHLO := ehloLine(code, rest); isEHLO {
			return "an EHLO reply line\n\n" + extensionLong(keyword, params), true
		}
	}
	return replyLong(code, status, rest), true
}

// ehloLine recognises a pasted "250-SIZE 10240000" line of an EHLO reply.
func ehloLine(code int, text string) (keyword, params string, ok bool) {
	keyword, params, _ = strings.Cut(text, " ")
	_, known := LookupExtension(keyword)
	return keyword, params, code == 250 && known
}

func explainEnhanced(q string) (string, bool) {
	status, ok := parseStatus(q)
	if !ok {
		return "", false
	}
	return enhancedLong(status), true
}

func explainKeyword(q string) (string, bool) {
	keyword, params, _ := strings.Cut(q, " ")
	e, known := LookupExtension(keyword)
	private := strings.HasPrefix(e.Keyword, "X") // RFC 5321 §4.1.5
	if !known && !private {
		return "", false
	}
	return extensionLong(keyword, params), true
}

// explainWords reads a reply's text pasted without its code ("Relay
// access denied"), as error messages and web pages quote it: the hint
// whose words it holds, whatever code that hint is for.
func explainWords(q string) (string, bool) {
	lower := strings.ToLower(q)
	for _, r := range hintRules() {
		if r.build != nil || r.text == nil || !slices.ContainsFunc(r.text, func(s string) bool { return strings.Contains(lower, s) }) {
			continue
		}
		return "no reply code in this text; going by its words:\n\nhint: " + r.hint + "\n", true
	}
	return "", false
}
