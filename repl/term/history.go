package term

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
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

// keeper says what of a line may be kept (Session.Keepable): history
// holds no secret, not message text, not AUTH answers.
type keeper func(line string) (string, bool)

// history is the persistent, filtered history: lines go to the file and
// to readline's in-memory list, which Up and Ctrl-R search.
type history struct {
	lr      LineReader
	entries []string
	file    *os.File // nil when the file cannot be written: history is a comfort, not a must
}

// openHistory creates path's directory (0700) and file (0600), since a
// history is private even when it holds no secret, and loads it.
func openHistory(path string, lr LineReader, keep keeper) (*history, error) {
	h := &history{lr: lr}
	if path == "" {
		return h, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return h, fmt.Errorf("history: %w", err)
	}
	h.entries = loadHistory(path, keep)
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
func loadHistory(path string, keep keeper) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line, ok := keep(sc.Text()); ok {
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
