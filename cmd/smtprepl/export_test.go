package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smtprepl/smtprepl/proto/sandbox"
	"github.com/smtprepl/smtprepl/transcripts"
)

// TestExportsReproduceTheSession records a session against the practice
// server, exports it in every format, runs each export against the same
// server, and checks it did what the session did: the swaks and curl
// logs, read back as transcripts, compare with the recording by replay's
// rules; the Python and Go programs check each reply against the
// recording's and deliver the same message; the .eml goes out through a
// script with :send; the diagram, read back, is the recording again.
func TestExportsReproduceTheSession(t *testing.T) {
	srv, err := sandbox.New(sandbox.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	addr, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, srv.CertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	const text = "Subject: export\nFrom: bob@example.test\n\nhello\n.dot line\n"
	script := "EHLO client.example\nSTARTTLS\nEHLO client.example\n:plain student secret\nAUTH PLAIN <plain>\n" +
		"MAIL FROM:<bob@example.test>\nRCPT TO:<alice@example.test>\nRCPT TO:<carol@example.test>\nDATA\n" + text + ".\nQUIT\n"
	rec := filepath.Join(dir, "session.txt")
	if code, _, errOut := runCLI(t, script, "--cafile", ca, "--record", rec, addr.String()); code != exitOK {
		t.Fatalf("recording: exit %d: %s", code, errOut)
	}
	original := parseTranscriptFile(t, rec)
	wantData := strings.ReplaceAll(text, "\n", "\r\n")
	env := append(os.Environ(), "SMTP_USER=student", "SMTP_PASSWORD=secret", "SMTP_CAFILE="+ca, "GOFLAGS=-mod=mod")

	exported := func(t *testing.T, format string) string {
		t.Helper()
		out := filepath.Join(dir, "export."+format)
		if code, _, errOut := runCLI(t, "", "export", rec, "--as", format, "-o", out); code != exitOK {
			t.Fatalf("export --as %s: exit %d: %s", format, code, errOut)
		}
		return out
	}
	run := func(t *testing.T, name string, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Env, cmd.Dir = env, dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		return string(out)
	}
	delivered := func(t *testing.T) {
		t.Helper()
		msgs := srv.Mailbox().List()
		last := msgs[len(msgs)-1]
		if string(last.Data) != wantData || last.From != "bob@example.test" || strings.Join(last.To, ",") != "alice@example.test,carol@example.test" || last.AuthUser != "student" || !last.TLS {
			t.Errorf("delivered %+v\ndata %q, want %q", last, last.Data, wantData)
		}
	}
	compare := func(t *testing.T, log string, allowed ...string) {
		t.Helper()
		got, err := transcripts.ParseBytes([]byte(log))
		if err != nil {
			t.Fatalf("the log does not read as a transcript: %v\n%s", err, log)
		}
		var whys []string
		for _, d := range transcripts.Compare(original, got, transcripts.DefaultRules()) {
			whys = append(whys, d.Command+": "+d.Why)
		}
		if strings.Join(whys, "\n") != strings.Join(allowed, "\n") {
			t.Errorf("differences from the recording:\n%s\nwant:\n%s\nlog:\n%s", strings.Join(whys, "\n"), strings.Join(allowed, "\n"), log)
		}
	}

	t.Run("swaks", func(t *testing.T) {
		if _, err := exec.LookPath("swaks"); err != nil {
			t.Skip("swaks is not installed (.ci/peers/install.sh installs it)")
		}
		compare(t, run(t, "sh", exported(t, "swaks")))
		delivered(t)
	})
	t.Run("curl", func(t *testing.T) {
		if _, err := exec.LookPath("curl"); err != nil {
			t.Skip("curl is not installed (.ci/peers/install.sh installs it)")
		}
		// curl says QUIT as it exits but does not log it.
		compare(t, run(t, "sh", exported(t, "curl")), "QUIT: missing from got")
		delivered(t)
	})
	t.Run("python", func(t *testing.T) {
		if _, err := os.Stat("/usr/bin/python3"); err != nil {
			t.Skip("no /usr/bin/python3")
		}
		out := run(t, "/usr/bin/python3", exported(t, "python"))
		if strings.Contains(out, "the recording got") {
			t.Errorf("a reply differed from the recording:\n%s", out)
		}
		delivered(t)
	})
	t.Run("go", func(t *testing.T) {
		prog := filepath.Join(dir, "goexport", "main.go")
		os.MkdirAll(filepath.Dir(prog), 0o755)
		if err := os.Rename(exported(t, "go"), prog); err != nil {
			t.Fatal(err)
		}
		goBin := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
		if _, err := os.Stat(goBin); err != nil {
			goBin = "go"
		}
		out := run(t, goBin, "run", prog)
		if strings.Contains(out, "the recording got") {
			t.Errorf("a reply differed from the recording:\n%s", out)
		}
		delivered(t)
	})
	t.Run("eml", func(t *testing.T) {
		eml := exported(t, "eml")
		again := filepath.Join(dir, "again.txt")
		sendScript := strings.Replace(script, "DATA\n"+text+".\n", ":send "+eml+"\n", 1)
		if code, out, errOut := runCLI(t, sendScript, "--cafile", ca, "--record", again, addr.String()); code != exitOK {
			t.Fatalf("sending the .eml: exit %d: %s\n%s", code, errOut, out)
		}
		b, err := os.ReadFile(again)
		if err != nil {
			t.Fatal(err)
		}
		compare(t, string(b))
		delivered(t)
	})
	t.Run("mermaid", func(t *testing.T) {
		b, err := os.ReadFile(exported(t, "mermaid"))
		if err != nil {
			t.Fatal(err)
		}
		compare(t, mermaidToTranscript(string(b)))
	})
}

// mermaidToTranscript reads the arrows of an exported diagram back into
// transcript lines: what the diagram shows is then checked to be the
// session, step by step.
func mermaidToTranscript(diagram string) string {
	unescape := strings.NewReplacer("#35;", "#", "#59;", ";", "#lt;", "<", "#gt;", ">")
	var b strings.Builder
	sc := bufio.NewScanner(strings.NewReader(diagram))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "C->>S: ("):
			// the message text, summarised: not a step
		case strings.HasPrefix(line, "C->>S: "):
			b.WriteString("C: " + unescape.Replace(strings.TrimPrefix(line, "C->>S: ")) + "\n")
		case strings.HasPrefix(line, "S-->>C: "):
			for _, l := range strings.Split(strings.TrimPrefix(line, "S-->>C: "), "<br/>") {
				b.WriteString("S: " + unescape.Replace(l) + "\n")
			}
		case strings.HasPrefix(line, "Note over C,S: TLS established"):
			b.WriteString("=== " + strings.TrimPrefix(line, "Note over C,S: ") + "\n")
		}
	}
	return b.String()
}

func parseTranscriptFile(t *testing.T, path string) *transcripts.Transcript {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := transcripts.ParseBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestExportCommand: :export in a session writes the running recording
// in a format, and says why when there is no recording.
func TestExportCommand(t *testing.T) {
	dir := t.TempDir()
	rec, out := filepath.Join(dir, "rec.txt"), filepath.Join(dir, "diagram.mmd")
	script := "EHLO me.example\nMAIL FROM:<bob@example.test>\n:export mermaid " + out + "\nQUIT\n"
	code, stdout, errOut := runCLI(t, script, "--record", rec)
	if code != exitOK {
		t.Fatalf("exit %d: %s\n%s", code, errOut, stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "C->>S: MAIL FROM:#lt;bob@example.test#gt;") || strings.Contains(string(b), "QUIT") {
		t.Errorf("the diagram is not the session up to :export:\n%s", b)
	}
	code, _, errOut = runCLI(t, "EHLO me.example\n:export python x.py\nQUIT\n")
	if code != exitUsage || !strings.Contains(errOut, ":export works from the session's recording") {
		t.Errorf("without a recording: exit %d, %q", code, errOut)
	}
}

func TestExportUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"export"}, "export needs one transcript, got 0 argument(s)"},
		{[]string{"export", "x.txt"}, "--as FORMAT is needed"},
		{[]string{"export", "../../transcripts/testdata/rfc5321-d1-typical.txt", "--as", "perl"}, `--as: no export called "perl"`},
		{[]string{"export", "/nonexistent.txt", "--as", "eml"}, "cannot read the transcript /nonexistent.txt"},
	} {
		code, _, errOut := runCLI(t, "", tc.args...)
		if code != exitUsage || !strings.Contains(errOut, tc.err) {
			t.Errorf("%v: exit %d, stderr %q, want 64 and %q", tc.args, code, errOut, tc.err)
		}
	}
}
