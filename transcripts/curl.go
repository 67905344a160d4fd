package transcripts

import "strings"

// curl -v logs an SMTP session as "> EHLO x" for what it sent, "< 250 ok"
// for what it received, and "* ..." for its own notes, among TLS record
// sizes ("} [5 bytes data]") and the progress meter. The message text it
// uploads is not in the log, only its size; the lone "." that ends it is
// not either, though the server answers it.

// curlState is what reading a curl log must remember between lines.
type curlState struct {
	inText bool // after a 354: the upload, until the server speaks again
}

// parseCurlLine reads one line of a curl -v log into entries; lines that
// carry nothing of the dialogue give none.
func (st *curlState) parseCurlLine(line string, n int) []Entry {
	switch {
	case strings.HasPrefix(line, "< "):
		var out []Entry
		if st.inText {
			// The upload ended: the "." curl sent but did not log.
			st.inText = false
			out = append(out,
				Entry{Kind: Elision, Text: "...", Line: n},
				Entry{Kind: Client, Text: ".", Line: n})
		}
		text := line[2:]
		e := FromWire(Server, []byte(text+"\r\n"))
		e.Line = n
		if strings.HasPrefix(text, "354") {
			st.inText = true
		}
		return append(out, e)
	case strings.HasPrefix(line, "> "):
		e := FromWire(Client, []byte(line[2:]+"\r\n"))
		e.Line = n
		return []Entry{e}
	case strings.HasPrefix(line, "* SSL connection using "):
		// "* SSL connection using TLSv1.3 / TLS_AES_256_GCM_SHA384"
		v, c, _ := strings.Cut(strings.TrimPrefix(line, "* SSL connection using "), " / ")
		return []Entry{{Kind: Event, Text: "TLS established: " + strings.TrimSpace(v) + " " + strings.TrimSpace(c), Line: n}}
	case strings.HasPrefix(line, "* Connected to "):
		return []Entry{{Kind: Event, Text: "connected to " + strings.TrimPrefix(line, "* Connected to "), Line: n}}
	}
	return nil
}

// isCurlDialogue reports whether a line is one of curl's dialogue lines:
// a reply line with its code, or a command word.
func isCurlDialogue(line string) bool {
	if rest, ok := strings.CutPrefix(line, "< "); ok {
		return len(rest) >= 3 && digits(rest[:3])
	}
	if rest, ok := strings.CutPrefix(line, "> "); ok {
		w, _, _ := strings.Cut(rest, " ")
		return w != "" && strings.ToUpper(w) == w && strings.IndexFunc(w, func(r rune) bool { return r < 'A' || r > 'Z' }) < 0
	}
	return false
}
