package message

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// headerReader reads one header block. Its state is the field being read:
// a continuation line extends it, a new field flushes it, and a blank
// line or the end of input ends the block. Folding is undone by removing
// only the CRLF (RFC 5322 §2.2.3), so whitespace survives exactly.
type headerReader struct {
	br     *bufio.Reader
	budget int // header bytes still allowed
	max    int
	h      Header
	name   string // field being read; "" before the first
	value  []byte
}

func readHeader(br *bufio.Reader, max int) (Header, error) {
	hr := &headerReader{br: br, budget: max, max: max}
	for first := true; ; first = false {
		line, err := hr.line()
		switch {
		case err == io.EOF && first:
			return nil, errors.New("message: empty input")
		case err == io.EOF || err == nil && len(line) == 0:
			hr.flush()
			return hr.h, nil
		case err != nil:
			return nil, err
		case line[0] == ' ' || line[0] == '\t':
			err = hr.continuation(line)
		default:
			err = hr.field(line)
		}
		if err != nil {
			return nil, err
		}
	}
}

// line returns the next line without its line end, charging the budget.
func (hr *headerReader) line() ([]byte, error) {
	var line []byte
	for {
		frag, err := hr.br.ReadSlice('\n')
		if hr.budget -= len(frag); hr.budget < 0 {
			return nil, fmt.Errorf("message: header block larger than %d bytes", hr.max)
		}
		line = append(line, frag...)
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && len(line) > 0: // last line has no line end
		case err == io.EOF:
			return nil, err
		case err != nil:
			return nil, fmt.Errorf("message: reading header: %w", err)
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		return bytes.TrimSuffix(line, []byte("\r")), nil
	}
}

func (hr *headerReader) field(line []byte) error {
	name, value, ok := bytes.Cut(line, []byte(":"))
	name = bytes.TrimRight(name, " \t") // RFC 5322 §4.5 obsolete: space before the colon
	if !ok || checkFieldName(string(name)) != nil {
		return fmt.Errorf("message: malformed header line %q", clip(line))
	}
	hr.flush()
	hr.name, hr.value = string(name), append(hr.value[:0], value...)
	return nil
}

func (hr *headerReader) continuation(line []byte) error {
	if hr.name == "" {
		return fmt.Errorf("message: header starts with a continuation line %q", clip(line))
	}
	hr.value = append(hr.value, line...)
	return nil
}

func (hr *headerReader) flush() {
	if hr.name != "" {
		hr.h = append(hr.h, Field{Name: hr.name, Value: string(bytes.Trim(hr.value, " \t"))})
	}
}

func clip(b []byte) []byte {
	if len(b) > 60 {
		return b[:60]
	}
	return b
}
