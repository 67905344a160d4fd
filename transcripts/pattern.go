package transcripts

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/smtprepl/smtprepl/proto/visible"
)

// MaxPattern bounds the text of a C~ line: a pattern stands for one
// command or header line, and a longer one is a file to distrust, not a
// regular expression to compile.
const MaxPattern = 4096

// compilePattern compiles a C~ line's text, anchored so that it matches
// the whole client line.
func compilePattern(text string) (*regexp.Regexp, error) {
	switch {
	case len(text) > MaxPattern:
		return nil, fmt.Errorf("a C~ pattern is longer than %d bytes", MaxPattern)
	case !visible.TextSafe(text):
		// A pattern is written back as it was read, so it must survive
		// an editor; a control character is spelled \x00 in the pattern.
		return nil, fmt.Errorf(`a C~ pattern holds control characters (write them as regexp escapes such as \x00)`)
	}
	re, err := regexp.Compile(`^(?:` + text + `)$`)
	if err != nil {
		return nil, fmt.Errorf("bad regular expression after \"C~\": %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	return re, nil
}

// matchPattern reports whether the client line text (without its line
// ending) is matched whole by the pattern p.
func matchPattern(p, text string) bool {
	re, err := compilePattern(p)
	return err == nil && re.MatchString(text)
}

// patternCache compiles each pattern of a session once; a session has a
// few, a hostile file many, so it stops keeping them past maxCached.
type patternCache map[string]*regexp.Regexp

const maxCached = 256

func (c patternCache) match(p, text string) bool {
	re, ok := c[p]
	if !ok {
		var err error
		if re, err = compilePattern(p); err != nil {
			return false
		}
		if len(c) < maxCached {
			c[p] = re
		}
	}
	return re.MatchString(text)
}
