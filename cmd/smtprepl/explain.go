package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/smtprepl/smtprepl/proto/explain"
)

const explainUsage = `usage: smtprepl explain CODE|ENHANCED|"CODE ENHANCED"|KEYWORD|PORT|"<>"
Examples: smtprepl explain 550; smtprepl explain 5.7.8; smtprepl explain "550 5.1.1"; smtprepl explain PIPELINING;
smtprepl explain 587; smtprepl explain "(535, b'5.7.8 Username and Password not accepted.')"`

func runExplain(_ context.Context, e *env, args []string) (int, error) {
	fs := newFlagSet("explain", e, explainUsage)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return exitUsage, err
	}
	if len(pos) == 0 {
		return exitUsage, usagef("explain needs something to explain, e.g. 550, 5.7.8, \"550 5.1.1\" or PIPELINING")
	}
	text, err := explain.Explain(strings.Join(pos, " "))
	if err != nil {
		return exitUsage, usagef("%s", strings.TrimPrefix(err.Error(), "explain: "))
	}
	fmt.Fprintln(e.stdout, strings.TrimRight(text, "\n"))
	return exitOK, nil
}
