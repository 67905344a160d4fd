package message

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// pyScript reads a message with Python's email package, a MUA-grade
// parser, and reports what a mail client would show.
const pyScript = `
import base64, email, json, sys
from email import policy
m = email.message_from_binary_file(sys.stdin.buffer, policy=policy.default)
def b64(p):
    return base64.b64encode(p.get_payload(decode=True)).decode()
parts = []
for p in m.walk():
    if p.is_multipart():
        parts.append({"type": p.get_content_type()})
        continue
    parts.append({"type": p.get_content_type(), "filename": p.get_filename() or "",
                  "cid": p.get("Content-ID", ""), "disposition": p.get_content_disposition() or "",
                  "body": b64(p)})
json.dump({
    "subject": str(m["subject"]),
    "to": str(m["to"]),
    "plain": m.get_body(preferencelist=("plain",)).get_content(),
    "html": m.get_body(preferencelist=("html",)).get_content(),
    "preferred": m.get_body().get_content_type(),
    "attachments": [a.get_filename() for a in m.iter_attachments()],
    "defects": sum(len(p.defects) for p in m.walk()),
    "parts": parts,
}, sys.stdout)
`

type pyPart struct {
	Type        string `json:"type"`
	Filename    string `json:"filename,omitempty"`
	CID         string `json:"cid,omitempty"`
	Disposition string `json:"disposition,omitempty"`
	Body        []byte `json:"body,omitempty"` // base64 in JSON
}

type pyReport struct {
	Subject     string   `json:"subject"`
	To          string   `json:"to"`
	Plain       string   `json:"plain"`
	HTML        string   `json:"html"`
	Preferred   string   `json:"preferred"`
	Attachments []string `json:"attachments"`
	Defects     int      `json:"defects"`
	Parts       []pyPart `json:"parts"`
}

func python(t *testing.T) string {
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	if p, err := exec.LookPath("python3"); err == nil {
		return p
	}
	t.Skip("no python3 (neither /usr/bin/python3 nor on PATH): cannot cross-check with Python's email package")
	return ""
}

func TestPythonEmailReadsIt(t *testing.T) {
	py := python(t)
	raw := render(t, fullMessage(t))
	cmd := exec.Command(py, "-c", pyScript)
	cmd.Stdin = bytes.NewReader(raw)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	var got pyReport
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("python output %q: %v", out, err)
	}
	// Python hands decoded text back with its own line ends.
	got.Plain = strings.ReplaceAll(got.Plain, "\r\n", "\n")
	got.HTML = strings.ReplaceAll(got.HTML, "\r\n", "\n")
	for i, p := range got.Parts {
		if strings.HasPrefix(p.Type, "text/") {
			got.Parts[i].Body = bytes.ReplaceAll(p.Body, []byte("\r\n"), []byte("\n"))
		}
	}
	want := pyReport{
		Subject:     "Quartalszahlen für Zoë — bitte prüfen",
		To:          "Zoë Ünal <zoe@smtprepl.test>, bob@smtprepl.test",
		Plain:       plainBody,
		HTML:        htmlBody,
		Preferred:   "multipart/related", // the related root, which holds the HTML and its image
		Attachments: []string{"Übersicht 2024.pdf"},
		Parts: []pyPart{
			{Type: "multipart/mixed"},
			{Type: "multipart/related"},
			{Type: "multipart/alternative"},
			{Type: "text/plain", Body: []byte(plainBody)},
			{Type: "text/html", Body: []byte(htmlBody)},
			{Type: "image/png", Filename: "logo.png", CID: "<logo@smtprepl.test>", Disposition: "inline", Body: pngBytes},
			{Type: "application/pdf", Filename: "Übersicht 2024.pdf", Disposition: "attachment", Body: pdfBytes},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Python's view (-want +got):\n%s", diff)
	}
}
