package transcripts

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"
)

// JSONVersion is the "v" of every object a JSON recorder writes. It
// changes only when a field changes meaning or goes away.
const JSONVersion = 1

// jsonLine is one object of the JSON form: a line of the session or an
// event, as the transcript notation would have written it.
type jsonLine struct {
	V    int    `json:"v"`
	Time string `json:"time"`
	// Kind is "start" (the first object, with Meta), "client", "server",
	// "event" or "comment".
	Kind string            `json:"kind"`
	Meta map[string]string `json:"meta,omitempty"`
	Text string            `json:"text,omitempty"`
	// Bytes is the wire line exactly, CRLF included, base64-encoded: the
	// text of a line need not be UTF-8.
	Bytes    string `json:"bytes,omitempty"`
	Redacted string `json:"redacted,omitempty"`
	// Code, Enhanced, More and Explain describe a server line: its reply
	// code, its enhanced status code, whether the reply goes on, and what
	// to give `smtprepl explain` for its meaning.
	Code     int    `json:"code,omitempty"`
	Enhanced string `json:"enhanced,omitempty"`
	More     bool   `json:"more,omitempty"`
	Explain  string `json:"explain,omitempty"`
}

// NewJSONRecorder is a Recorder that writes JSON Lines, one object per
// line of the session and per event, instead of the transcript notation.
// Secrets are redacted as in a transcript. now stamps each object; nil
// is time.Now.
func NewJSONRecorder(w io.Writer, now func() time.Time, meta ...KV) *Recorder {
	if now == nil {
		now = time.Now
	}
	r := &Recorder{w: w, secrets: &Secrets{}, now: now}
	start := jsonLine{V: JSONVersion, Time: now().UTC().Format(time.RFC3339Nano), Kind: "start", Meta: map[string]string{}}
	for _, kv := range meta {
		start.Meta[kv.Key] = kv.Value
	}
	r.write(appendJSONLine(nil, start))
	return r
}

func (r *Recorder) appendJSON(b []byte, e Entry) []byte {
	l := jsonLine{V: JSONVersion, Time: r.now().UTC().Format(time.RFC3339Nano), Text: e.Text, Redacted: e.Redacted}
	switch e.Kind {
	case Client:
		l.Kind, l.Bytes = "client", base64.StdEncoding.EncodeToString(e.Bytes())
	case Server:
		l.Kind, l.Bytes = "server", base64.StdEncoding.EncodeToString(e.Bytes())
		rl := parseReplyLine(lineText(e))
		l.Code, l.Enhanced, l.More = rl.code, rl.enh, rl.more
		if rl.code != 0 {
			l.Explain = strings.TrimSpace(strconv.Itoa(rl.code) + " " + rl.enh)
		}
	case Event:
		l.Kind = "event"
	case Comment:
		l.Kind = "comment"
	default:
		return b
	}
	if e.Exact {
		l.Text = lineText(e)
	}
	return appendJSONLine(b, l)
}

func appendJSONLine(b []byte, l jsonLine) []byte {
	j, _ := json.Marshal(l) // a struct of strings, ints and bools cannot fail
	return append(append(b, j...), '\n')
}
