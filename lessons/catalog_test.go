package lessons_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/smtprepl/smtprepl/lessons"
	"github.com/smtprepl/smtprepl/transcripts"
)

// required are the lessons issues 5 and 15 ask for, by name.
func required() []string {
	return []string{"hello", "first-mail", "mistakes", "recipients", "auth", "tls", "html", "attachment",
		"inline-image", "international", "dot-stuffing", "pipelining", "layers", "errors-in-the-wild",
		"smtplib", "ports", "relaying", "header-folding"}
}

// TestCatalog keeps every lesson a walk of steps, not a page of text:
// several steps with lines to type, checkpoints, RFC citations, and data
// files that exist and are used.
func TestCatalog(t *testing.T) {
	all := allLessons(t)
	for _, name := range required() {
		if _, err := lessons.Lookup(name); err != nil {
			t.Errorf("lesson %q: %v", name, err)
		}
	}
	if len(all) < len(required()) {
		t.Errorf("%d lessons, want at least %d", len(all), len(required()))
	}
	for _, l := range all {
		t.Run(l.Name, func(t *testing.T) {
			if len(l.Steps) < 4 || l.Checkpoints() < 3 {
				t.Errorf("%d steps and %d checkpoints: want at least 4 and 3", len(l.Steps), l.Checkpoints())
			}
			for _, st := range l.Steps {
				if len(st.Lines) == 0 {
					t.Errorf("step %q has nothing to type", st.Title)
				}
			}
			if n := strings.Count(lessonText(l), "RFC "); n < 3 {
				t.Errorf("%d RFC citations, want at least 3", n)
			}
			checkDataFiles(t, l)
		})
	}
}

func lessonText(l lessons.Lesson) string {
	var b strings.Builder
	for _, st := range l.Steps {
		b.WriteString(st.Text + "\n")
		for _, ln := range st.Lines {
			b.WriteString(ln.OK + "\n")
			for _, c := range ln.Ifs {
				b.WriteString(c.Text + "\n")
			}
		}
	}
	return b.String()
}

// fileArg finds the file a :compose line reads (quoted text is not one).
var fileArg = regexp.MustCompile(`^:compose (?:text \w+|attach|inline) ([^"\s]\S*)`)

func checkDataFiles(t *testing.T, l lessons.Lesson) {
	t.Helper()
	used := map[string]bool{}
	for _, st := range l.Steps {
		for _, ln := range st.Lines {
			if m := fileArg.FindStringSubmatch(ln.Text); m != nil {
				used[m[1]] = true
			}
		}
	}
	var have []string
	for _, f := range l.Files {
		have = append(have, f.Name)
		if !used[f.Name] {
			t.Errorf("data file %q is never used", f.Name)
		}
	}
	for name := range used {
		if !slices.Contains(have, name) {
			t.Errorf(":compose reads %q, which the lesson does not carry", name)
		}
	}
}

// goldenWires returns the wire section of every golden transcript.
func goldenWires(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range mustGlob(t, filepath.Join(goldenDir, "*.txtar")) {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range transcripts.ParseTxtar(data).Files {
			if f.Name == "wire" {
				out[filepath.Base(p)] = string(f.Data)
			}
		}
	}
	return out
}

// TestGoldensShowTheWire: taken together, the lessons put on the wire
// every MIME structure, encoding and command the course promises.
func TestGoldensShowTheWire(t *testing.T) {
	var sent strings.Builder
	for _, wire := range goldenWires(t) {
		for _, line := range strings.Split(wire, "\n") {
			if strings.HasPrefix(line, "C:") || strings.HasPrefix(line, "S:") {
				sent.WriteString(line + "\n")
			}
		}
	}
	for _, want := range []string{
		"multipart/alternative", "multipart/mixed", "multipart/related", "Content-ID:",
		"Content-Disposition: attachment", "Content-Transfer-Encoding: base64",
		"Content-Transfer-Encoding: quoted-printable", "=?UTF-8?", "Sender:", "text/html",
		"C: STARTTLS", "C: AUTH LOGIN", "C: VRFY", "C: RSET",
	} {
		if !strings.Contains(sent.String(), want) {
			t.Errorf("no golden transcript shows %q on the wire", want)
		}
	}
}

// TestGoldensKeepNoSecret: the auth lesson's transcript shows redaction,
// and no golden holds the practice password, plain or base64-encoded.
func TestGoldensKeepNoSecret(t *testing.T) {
	for _, p := range mustGlob(t, filepath.Join(goldenDir, "*.txtar")) {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"secret", "c2VjcmV0", "AHN0dWRlbnQAc2VjcmV0", "d3Jvbmc=", "AHN0dWRlbnQAd3Jvbmc="} {
			if strings.Contains(string(data), secret) {
				t.Errorf("%s holds %q", p, secret)
			}
		}
	}
	auth := goldenWires(t)["auth.txtar"]
	for _, want := range []string{"C: <redacted: AUTH LOGIN username>", "C: <redacted: AUTH LOGIN password>", "C: AUTH PLAIN <redacted: AUTH PLAIN credentials>"} {
		if !strings.Contains(auth, want+"\n") {
			t.Errorf("auth.txtar lacks %q:\n%s", want, auth)
		}
	}
}

func mustGlob(t *testing.T, pattern string) []string {
	t.Helper()
	paths, err := filepath.Glob(pattern)
	if err != nil || len(paths) == 0 {
		t.Fatalf("nothing matches %s: %v", pattern, err)
	}
	return paths
}
