package transcripts

import (
	"bytes"
	"strings"
)

// Archive is a txtar archive, the format of golang.org/x/tools/txtar: a
// comment, then files, each introduced by a marker line "-- NAME --". There
// are no syntax errors: any text is an archive. This small copy keeps the
// module free of x/tools.
type Archive struct {
	Comment []byte
	Files   []File
}

// File is one file of an [Archive].
type File struct {
	Name string // the marker's name, trimmed of spaces
	Data []byte // the lines up to the next marker, ending in a newline
}

// ParseTxtar parses a txtar archive. Marker lines may end in CRLF.
func ParseTxtar(data []byte) *Archive {
	a := &Archive{}
	var name string
	a.Comment, name, data = nextMarker(data)
	for name != "" {
		f := File{Name: name}
		f.Data, name, data = nextMarker(data)
		a.Files = append(a.Files, f)
	}
	return a
}

// FormatTxtar returns the text of a; every section ends in a newline.
// Formatting an archive that ParseTxtar returned gives the input back when
// the input ended in a newline.
func FormatTxtar(a *Archive) []byte {
	var b bytes.Buffer
	b.Write(withNL(a.Comment))
	for _, f := range a.Files {
		b.WriteString("-- " + f.Name + " --\n")
		b.Write(withNL(f.Data))
	}
	return b.Bytes()
}

// nextMarker returns the text before the next marker line, the marker's
// name and the text after it; name is "" when there is no marker.
func nextMarker(data []byte) (before []byte, name string, after []byte) {
	for i := 0; ; {
		if name, after := marker(data[i:]); name != "" {
			return data[:i], name, after
		}
		j := bytes.Index(data[i:], []byte("\n-- "))
		if j < 0 {
			return withNL(data), "", nil
		}
		i += j + 1
	}
}

// marker parses a "-- NAME --" line at the start of data.
func marker(data []byte) (name string, after []byte) {
	if !bytes.HasPrefix(data, []byte("-- ")) {
		return "", nil
	}
	line := data
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		line, after = data[:i], data[i+1:]
	}
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) < len("-- ")+len(" --") || !bytes.HasSuffix(line, []byte(" --")) {
		return "", nil
	}
	return strings.TrimSpace(string(line[len("-- ") : len(line)-len(" --")])), after
}

// withNL returns data ending in a newline, unless it is empty.
func withNL(data []byte) []byte {
	if len(data) == 0 || data[len(data)-1] == '\n' {
		return data
	}
	return append(bytes.Clone(data), '\n')
}
