package lessons_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/lessons"
)

// pyReader reads a message with Python's email package, the parser behind
// many mail tools, and reports what a mail client would show.
const pyReader = `
import base64, email, json, sys
from email import policy
m = email.message_from_binary_file(sys.stdin.buffer, policy=policy.default)
json.dump({
    "subject": str(m["subject"]),
    "type": m.get_content_type(),
    "text": m.get_body(preferencelist=("plain",)).get_content(),
    "attachments": [{"filename": a.get_filename(), "type": a.get_content_type(),
                     "body": base64.b64encode(a.get_payload(decode=True)).decode()}
                    for a in m.iter_attachments()],
    "defects": sum(len(p.defects) for p in m.walk()),
}, sys.stdout)
`

type pyAttachment struct {
	Filename string `json:"filename"`
	Type     string `json:"type"`
	Body     string `json:"body"` // base64
}

type pyMessage struct {
	Subject     string         `json:"subject"`
	Type        string         `json:"type"`
	Text        string         `json:"text"`
	Attachments []pyAttachment `json:"attachments"`
	Defects     int            `json:"defects"`
}

// TestPythonReadsAttachmentLesson: the message the attachment lesson sends
// is read by Python's email package as a mail client would show it.
func TestPythonReadsAttachmentLesson(t *testing.T) {
	const python = "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Skipf("%s is absent: skipping the cross-check with Python's email package", python)
	}
	l, err := lessons.Lookup("attachment")
	if err != nil {
		t.Fatal(err)
	}
	msgs := composedMessages(t, l, play(t, l).mailbox)
	if len(msgs) != 1 {
		t.Fatalf("the attachment lesson sent %d composed messages, want 1", len(msgs))
	}
	cmd := exec.Command(python, "-c", pyReader)
	cmd.Stdin = bytes.NewReader(msgs[0].Data)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	var got pyMessage
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("python's report %q: %v", out, err)
	}
	want := pyMessage{
		Subject: "Sales figures, as promised",
		Type:    "multipart/mixed",
		Text:    string(dataFile(t, l, "note.txt")),
		Attachments: []pyAttachment{
			{Filename: "figures.csv", Type: "text/csv", Body: base64.StdEncoding.EncodeToString(dataFile(t, l, "figures.csv"))},
			{Filename: "chart.png", Type: "image/png", Body: base64.StdEncoding.EncodeToString(dataFile(t, l, "chart.png"))},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Python's email package reads (-want +got):\n%s", diff)
	}
}
