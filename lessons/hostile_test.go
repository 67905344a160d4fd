package lessons

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/smtprepl/smtprepl/proto/visible"
)

// hostileSession fails every line with an error that quotes a server
// (a certificate's names, say), escapes and all.
type hostileSession struct{ fakeSession }

func (h *hostileSession) Exec(context.Context, string) error {
	return errors.New("the certificate was issued for evil\x1b]52;c;cm0gLXJmIH4=\x07.test\u202e\u009b")
}

// TestReportEscapesWhatServersSaid: a lesson's report quotes errors,
// which quote servers; what reaches the terminal is escaped.
func TestReportEscapesWhatServersSaid(t *testing.T) {
	var out strings.Builder
	if _, err := (&Runner{Out: &out}).Run(context.Background(), mustParse(t, testLesson), &hostileSession{}); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if visible.Text(line) != line {
			t.Errorf("the report has the line %q, which holds controls", line)
		}
	}
	if !strings.Contains(out.String(), `evil\x1b]52;c;cm0gLXJmIH4=\x07.test\u202e\u009b`) {
		t.Errorf("the report does not show the error escaped:\n%s", out.String())
	}
}
