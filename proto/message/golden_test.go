package message

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// The .eml golden holds CRLF bytes exactly as they go into DATA;
// testdata/.gitattributes marks it -text so git never converts them.
func TestGolden(t *testing.T) {
	m := fullMessage(t)
	raw := render(t, m)
	e, err := Parse(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var steps strings.Builder
	for _, s := range m.Steps() {
		steps.WriteString(s.String())
	}
	for _, g := range []struct {
		file string
		got  []byte
	}{
		{"full.eml", raw},
		{"full.tree", []byte(e.String())},
		{"full.steps", []byte(steps.String())},
	} {
		checkGolden(t, filepath.Join("testdata", g.file), g.got)
	}
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

func TestTreeFormat(t *testing.T) {
	raw := crlf(`From: a@x.test
Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=
Content-Type: multipart/mixed; boundary=X

--X
Content-Type: multipart/alternative; boundary=Y

--Y
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Gr=C3=BC=C3=9Fe
--Y
Content-Type: text/html; charset=utf-8

<p>hi</p>
--Y--
--X
Content-Type: image/png
Content-Disposition: attachment; filename="logo.png"
Content-Transfer-Encoding: base64

iVBORw0K GgoAAAAN
--X--
`)
	e, err := Parse(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	want := `multipart/mixed
├─ multipart/alternative
│  ├─ text/plain; charset=utf-8 (quoted-printable, 7 bytes)
│  └─ text/html; charset=utf-8 (7bit, 9 bytes)
└─ image/png attachment "logo.png" (base64, 12 bytes)
`
	if diff := cmp.Diff(want, e.String()); diff != "" {
		t.Errorf("tree (-want +got):\n%s", diff)
	}
	wantHeader := Header{{"From", "a@x.test"}, {"Subject", "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?="}, {"Content-Type", "multipart/mixed; boundary=X"}}
	if diff := cmp.Diff(wantHeader, e.Header); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	if got := (Field{Value: e.Header.Get("Subject")}).Decoded(); got != "Grüße" {
		t.Errorf("decoded Subject = %q", got)
	}
}
