package repl

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// historyKeep is how many lines are loaded into line editing at start.
const historyKeep = 500

// DefaultHistoryPath is $XDG_STATE_HOME/smtprepl/history, or
// ~/.local/state/smtprepl/history (the XDG default), or "" without a home.
func DefaultHistoryPath(getenv func(string) string) string {
	if dir := getenv("XDG_STATE_HOME"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "smtprepl", "history")
	}
	home := getenv("HOME")
	if home == "" {
		return ""
	}
	return filepath.Join(home, ".local", "state", "smtprepl", "history")
}

// historyEntry decides what of a typed line may be kept. Readline's own
// saving is off; every line passes here, so no secret is ever written:
// not message text, not AUTH responses, not the arguments of :auth, :b64,
// :unb64 or :plain, and not a lone base64 word (an AUTH answer typed at
// the prompt after an abandoned wait).
func historyEntry(line string, inData bool, cmds *commandTable) (string, bool) {
	line = strings.TrimSpace(line)
	switch {
	case line == "":
		return "", false
	case strings.HasPrefix(line, ":"):
		name, _, _ := strings.Cut(line[1:], " ")
		if c, ok := cmds.lookup(name); !ok || c.secret {
			return "", false
		}
		return line, true
	case inData:
		return "", false
	}
	fields := strings.Fields(line)
	verbName := strings.ToUpper(fields[0])
	if verbName == "AUTH" && len(fields) > 2 {
		return "AUTH " + fields[1], true // the initial response is the secret
	}
	if _, known := lookupVerb(verbName); !known && len(fields) == 1 && looksBase64(line) {
		return "", false
	}
	return line, true
}

func looksBase64(s string) bool {
	if len(s) < 4 || len(s)%4 != 0 {
		return s == "="
	}
	_, err := base64.StdEncoding.DecodeString(s)
	return err == nil
}

// history is the persistent, filtered history: lines go to the file and
// to readline's in-memory list, which Up and Ctrl-R search.
type history struct {
	lr      LineReader
	entries []string
	file    *os.File // nil when the file cannot be written: history is a comfort, not a must
}

// openHistory creates path's directory (0700) and file (0600), since a
// history is private even when it holds no secret, and loads it.
func openHistory(path string, lr LineReader, cmds *commandTable) (*history, error) {
	h := &history{lr: lr}
	if path == "" {
		return h, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return h, fmt.Errorf("history: %w", err)
	}
	h.entries = loadHistory(path, cmds)
	h.rebuild()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return h, fmt.Errorf("history: %w", err)
	}
	h.file = f
	return h, nil
}

// loadHistory reads the last lines of the file, filtered again: a file
// written by an older version or by hand must not bring a secret back.
func loadHistory(path string, cmds *commandTable) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line, ok := historyEntry(sc.Text(), false, cmds); ok {
			lines = append(lines, line)
		}
	}
	return lines[max(0, len(lines)-historyKeep):]
}

// add keeps a line that historyEntry allowed.
func (h *history) add(line string) {
	h.entries = append(h.entries, line)
	if len(h.entries) > historyKeep {
		h.entries = h.entries[1:]
	}
	h.rebuild()
	if h.file != nil {
		fmt.Fprintln(h.file, line)
	}
}

// forget drops readline's working copy of a line that was not kept.
func (h *history) forget() { h.rebuild() }

// rebuild replaces readline's in-memory list with exactly our entries.
// Readline keeps the line being edited (and a recalled line's edits) in
// its list, and saving through it would store that working copy instead
// of our filtered entry; rebuilding from our list is the one way to be
// sure an unsaved answer or an initial response never comes back on Up.
func (h *history) rebuild() {
	h.lr.ResetHistory()
	for _, e := range h.entries {
		h.lr.SaveHistory(e)
	}
}

func (h *history) Close() error {
	if h.file == nil {
		return nil
	}
	return h.file.Close()
}
