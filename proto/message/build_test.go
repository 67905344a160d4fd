package message

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPartErrors(t *testing.T) {
	m := New(fixedOptions())
	failing := func() (io.ReadCloser, error) { return nil, errors.New("disk gone") }
	tests := []struct {
		name string
		part *Part
		want string
	}{
		{"bad subtype", m.Text("pl ain", "x"), `message: text subtype "pl ain" is not a token (RFC 2045 §5.1)`},
		{"invalid utf-8 text", m.Plain("\xff"), "message: text body is not valid UTF-8; attach it as a file instead"},
		{"content-id with a space", m.Inline("a.png", "my logo", "", Bytes(nil)), `message: Content-ID "my logo" must look like left@right (or a bare id), printable ASCII without spaces or brackets (RFC 5322 §3.6.4)`},
		{"no opener", m.Attachment("a.bin", "", nil), `message: "a.bin" has no Opener`},
		{"bad content type", m.Attachment("a.bin", "not a type;", Bytes(nil)), `message: content type "not a type;": mime: expected slash after first token`},
		{"empty multipart", m.Mixed(), "message: a multipart needs at least one part (RFC 2046 §5.1.1)"},
		{"inner error surfaces", m.Mixed(m.Plain("ok"), m.Plain("\xff")), "message: text body is not valid UTF-8; attach it as a file instead"},
		{"opener fails at write", m.Attachment("a.bin", "", failing), `message: opening "a.bin": disk gone`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.part.WriteTo(io.Discard)
			if diff := cmp.Diff(tt.want, errString(err)); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestStepsExplain(t *testing.T) {
	m := New(fixedOptions())
	tests := []struct {
		name     string
		step     Step
		title    string
		contains []string
	}{
		{"7bit text", m.Plain("hello\n").Describe(), "Add a text/plain body", []string{"us-ascii", "7bit"}},
		{"base64 text", m.Plain("Привет мир\n").Describe(), "Add a text/plain body", []string{"utf-8", "base64", "more than half"}},
		{"alternative in the wrong order", m.Alternative(m.HTML("<p>x</p>"), m.Plain("x")).Describe(), "Wrap in multipart/alternative",
			[]string{"last one it can display", "Warning: text/html comes before text/plain"}},
		{"attachment with unknown extension", m.Attachment("data.zzz", "", Bytes(nil)).Describe(), `Attach "data.zzz"`,
			[]string{"application/octet-stream", "never held in memory"}},
		{"bare content-id", m.Inline("a.png", "image", "", Bytes(nil)).Describe(), `Add inline "a.png"`,
			[]string{"Content-ID <image> is what a cid:image URL", "Note: <image> has no @domain", "RFC 2392"}},
		{"a cid: link with no part", m.Related(m.HTML(`<img src="cid:logo"><img src="CID:image">`), m.Inline("a.png", "<image>", "", Bytes(nil))).Describe(),
			"Wrap in multipart/related", []string{`Warning: the HTML shows cid:logo, but no part here has Content-ID <logo>`}},
		{"a part no cid: shows", m.Related(m.HTML(`<p>no image</p>`), m.Inline("a.png", "image@x.test", "", Bytes(nil))).Describe(),
			"Wrap in multipart/related", []string{`Note: no cid:image@x.test in the HTML shows <image@x.test>`}},
		{"bcc", mustStep(m.Bcc("x@smtprepl.test")), "Set Bcc (envelope only)", []string{"RCPT TO", "no Bcc field is written"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.title, tt.step.Title); diff != "" {
				t.Errorf("title (-want +got):\n%s", diff)
			}
			for _, c := range tt.contains {
				if !strings.Contains(tt.step.Explanation, c) {
					t.Errorf("explanation %q lacks %q", tt.step.Explanation, c)
				}
			}
		})
	}
	if got, want := len(m.Steps()), 14; got != want {
		t.Errorf("recorded %d steps, want %d", got, want)
	}
}

func mustStep(s Step, err error) Step {
	if err != nil {
		panic(err)
	}
	return s
}

func TestOpenerCalledPerWrite(t *testing.T) {
	opened := 0
	open := func() (io.ReadCloser, error) {
		opened++
		return io.NopCloser(strings.NewReader("data")), nil
	}
	m := newFixed(t, "twice")
	m.SetBody(m.Mixed(m.Plain("x"), m.Attachment("a.txt", "", open)))
	first, second := render(t, m), render(t, m)
	if string(first) != string(second) || opened != 2 {
		t.Errorf("two writes: equal=%v, opened %d times", string(first) == string(second), opened)
	}
}

func TestReaderOpenerIsOneShot(t *testing.T) {
	m := newFixed(t, "once")
	m.SetBody(m.Mixed(m.Plain("x"), m.Attachment("a.txt", "", Reader(strings.NewReader("data")))))
	if _, err := m.WriteTo(io.Discard); err != nil {
		t.Fatalf("first write: %v", err)
	}
	_, err := m.WriteTo(io.Discard)
	want := `message: opening "a.txt": message: reader already consumed; use an Opener that reopens to write again`
	if diff := cmp.Diff(want, errString(err)); diff != "" {
		t.Errorf("second write error (-want +got):\n%s", diff)
	}
}
