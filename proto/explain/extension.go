package explain

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// Extension describes one EHLO keyword.
type Extension struct {
	Keyword string // upper case, e.g. "SIZE"; "AUTH=" stands for the legacy AUTH=LOGIN form
	Name    string // the IANA registry's description, or ours for unregistered keywords
	Meaning string // our words
	RFC     string // e.g. "RFC 1870"; for unregistered keywords, who uses it
	Status  string // current, obsolete, historic, legacy or unregistered
	Params  string // what the parameters after the keyword in the EHLO reply mean
	Enables string // the commands and MAIL/RCPT parameters it makes available
}

// Extension statuses: the first four are our reading of the IANA registry
// notes; the last marks keywords seen in the wild but never registered.
const (
	statusCurrent      = "current"
	statusObsolete     = "obsolete"
	statusHistoric     = "historic"
	statusLegacy       = "legacy"
	statusUnregistered = "unregistered"
)

// legacyAuth is the key for "AUTH=LOGIN PLAIN", the pre-RFC 2554 form that
// old Outlook and Netscape clients looked for.
const legacyAuth = "AUTH="

var extensionIndex = sync.OnceValue(func() map[string]Extension {
	entries := extensionEntries()
	index := make(map[string]Extension, len(entries))
	for _, e := range entries {
		index[e.Keyword] = e
	}
	return index
})

// LookupExtension returns the entry for an EHLO keyword, case-insensitively
// ("AUTH=LOGIN" finds the legacy AUTH= entry). An unknown but well-formed
// keyword gets a generic entry (private if it starts with X, RFC 5321
// §4.1.5) and ok=false; a malformed one a zero Extension.
func LookupExtension(keyword string) (Extension, bool) {
	key := extensionKey(keyword)
	if e, ok := extensionIndex()[key]; ok {
		return e, true
	}
	if !validKeyword(key) {
		return Extension{}, false
	}
	e := Extension{Keyword: key, Status: statusUnregistered, Meaning: "not a registered extension: the server's HELP or documentation may say what it does"}
	if strings.HasPrefix(key, "X") {
		e.Meaning = "a private extension: keywords starting with X are agreed between client and server, not registered"
		e.RFC = "RFC 5321 §4.1.5"
	}
	return e, false
}

func extensionKey(keyword string) string {
	key := strings.ToUpper(strings.TrimSpace(keyword))
	if strings.HasPrefix(key, legacyAuth) {
		return legacyAuth
	}
	return key
}

// validKeyword checks ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
// of RFC 5321 §4.1.1.1.
func validKeyword(key string) bool {
	if key == "" || key[0] == '-' {
		return false
	}
	for _, r := range key {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// DescribeExtension returns one line for an EHLO line's keyword and
// parameters, e.g. "SIZE 10240000: messages up to 10240000 bytes (9.8 MiB)
// (RFC 1870)". It is never empty.
func DescribeExtension(keyword, params string) string {
	keyword, params = strings.TrimSpace(keyword), strings.TrimSpace(params)
	head := strings.TrimSpace(keyword + " " + params)
	e, ok := LookupExtension(keyword)
	if e.Keyword == "" {
		return fmt.Sprintf("%q: not an EHLO keyword", keyword)
	}
	if e.Keyword == legacyAuth && len(keyword) >= len(legacyAuth) {
		// The first mechanism hides in the keyword itself: AUTH=LOGIN.
		params = strings.TrimSpace(keyword[len(legacyAuth):] + " " + params)
	}
	return head + ": " + paramMeaning(e, params) + source(e, ok)
}

// paramMeaning reads the EHLO parameters where we know their grammar.
func paramMeaning(e Extension, params string) string {
	if params == "" {
		return e.Meaning
	}
	if read, ok := paramReaders()[e.Keyword]; ok {
		return read(strings.Fields(params))
	}
	return e.Meaning + "; parameters: " + params
}

func source(e Extension, known bool) string {
	switch {
	case !known && e.RFC == "":
		return ""
	case e.Status == statusCurrent:
		return " (" + newestRFC(e.RFC) + ")"
	}
	return " (" + newestRFC(e.RFC) + "; " + e.Status + ")"
}

// newestRFC keeps one reference for the one-line form: the last one that
// is not an Internet-Draft (the registry lists them oldest first); the long
// form from Explain keeps them all.
func newestRFC(refs string) string {
	parts := strings.Split(refs, "; ")
	for i := len(parts) - 1; i >= 0; i-- {
		if !strings.HasPrefix(parts[i], "draft-") {
			return parts[i]
		}
	}
	return refs
}

var paramReaders = sync.OnceValue(func() map[string]func([]string) string {
	mechanisms := func(f []string) string { return "log in with AUTH; mechanisms " + strings.Join(f, ", ") }
	return map[string]func([]string) string{
		"SIZE": readSize,
		"AUTH": mechanisms,
		legacyAuth: func(f []string) string {
			return "legacy spelling of AUTH for old clients; mechanisms " + strings.Join(f, ", ")
		},
		"LIMITS": readLimits,
		"DELIVERBY": func(f []string) string {
			return "messages may ask for delivery within a deadline (BY=) of at least " + seconds(f[0])
		},
		"FUTURERELEASE": readFutureRelease,
		"MT-PRIORITY": func(f []string) string {
			return "messages may carry MT-PRIORITY=-9..9; priorities are handled by policy " + strings.Join(f, " ")
		},
		"XCLIENT": func(f []string) string {
			return "trusted clients may override these session attributes: " + strings.Join(f, ", ")
		},
		"XFORWARD": func(f []string) string {
			return "trusted clients may pass on these attributes of the original client: " + strings.Join(f, ", ")
		},
		"BURL": func(f []string) string {
			return "message content may be fetched from URLs of type " + strings.Join(f, ", ")
		},
	}
})

func readSize(f []string) string {
	n, err := strconv.ParseInt(f[0], 10, 64)
	switch {
	case err != nil || n < 0:
		return fmt.Sprintf("size limit %q is not a number of bytes", f[0])
	case n == 0:
		return "no fixed size limit (0 means none)"
	}
	return fmt.Sprintf("messages up to %d bytes (%s)", n, binaryBytes(n))
}

// binaryBytes writes a byte count the way a person reads a size limit.
func binaryBytes(n int64) string {
	units := []string{"bytes", "KiB", "MiB", "GiB", "TiB"}
	size, unit := float64(n), 0
	for size >= 1024 && unit < len(units)-1 {
		size /= 1024
		unit++
	}
	if unit == 0 {
		return fmt.Sprintf("%d bytes", n)
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", size), ".0") + " " + units[unit]
}

// seconds renders a decimal count of seconds with a friendlier unit.
func seconds(s string) string {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return fmt.Sprintf("%q (not a number of seconds)", s)
	}
	for _, u := range []struct {
		size int64
		name string
	}{{86400, "days"}, {3600, "hours"}, {60, "minutes"}} {
		if n >= u.size && n%u.size == 0 {
			return fmt.Sprintf("%d seconds (%d %s)", n, n/u.size, u.name)
		}
	}
	return fmt.Sprintf("%d seconds", n)
}

func readLimits(f []string) string {
	names := map[string]string{
		"RCPTMAX":       "at most %s recipients per transaction",
		"MAILMAX":       "at most %s transactions per session",
		"RCPTDOMAINMAX": "at most %s recipient domains per transaction",
	}
	var limits []string
	for _, field := range f {
		name, value, _ := strings.Cut(field, "=")
		format, ok := names[strings.ToUpper(name)]
		if !ok {
			format = name + "=%s (a limit we don't know)"
		}
		limits = append(limits, fmt.Sprintf(format, value))
	}
	return strings.Join(limits, "; ")
}

func readFutureRelease(f []string) string {
	s := "messages may be held for later release for up to " + seconds(f[0])
	if len(f) > 1 {
		s += ", or until " + f[1]
	}
	return s + " (HOLDFOR=/HOLDUNTIL=)"
}
