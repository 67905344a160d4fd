package transcripts

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"text/tabwriter"
)

// Keep drops the volatile rule called name, so that under Exact that part
// of the text is compared after all; "all" drops every rule. An unknown
// name is an error that lists the known ones.
func (r *Rules) Keep(name string) error {
	if name == "all" {
		r.Volatile = nil
		return nil
	}
	for i, v := range r.Volatile {
		if v.Name == name {
			r.Volatile = append(r.Volatile[:i:i], r.Volatile[i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("transcripts: no rule %q (rules: %s)", name, strings.Join(r.names(), ", "))
}

func (r *Rules) names() []string {
	names := []string{"all"}
	for _, v := range r.Volatile {
		names = append(names, v.Name)
	}
	return names
}

// ParseRule reads "NAME=REGEXP", a rule that masks, in every reply line,
// what REGEXP matches (its first group, when it has one).
func ParseRule(spec string) (Volatile, error) {
	name, expr, ok := strings.Cut(spec, "=")
	if !ok || name == "" || expr == "" || strings.ContainsAny(name, " <>") {
		return Volatile{}, fmt.Errorf("transcripts: rule %q: want NAME=REGEXP, e.g. ticket=ticket ([0-9]+)", spec)
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return Volatile{}, fmt.Errorf("transcripts: rule %q: %w", name, err)
	}
	return Volatile{Name: name, Pattern: re}, nil
}

// FormatRules writes what Compare looks at under r and the volatile rules
// as a table: name, which reply lines, pattern.
func FormatRules(w io.Writer, r Rules) error {
	var b strings.Builder
	if r.Exact {
		b.WriteString("Each reply's code, enhanced code, number of lines and text are compared;\n" +
			"these parts of the text are masked first:\n\n")
	} else {
		b.WriteString("Each reply's code, enhanced code and number of lines are compared. With\n" +
			"--exact the text is compared too, after masking these parts:\n\n")
	}
	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tAPPLIES TO\tPATTERN")
	for _, v := range r.Volatile {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", v.Name, scope(v), v.Pattern)
	}
	if len(r.Volatile) == 0 {
		fmt.Fprintln(tw, "(none)\t\t")
	}
	tw.Flush()
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("transcripts: %w", err)
	}
	return nil
}

// scope says in words which reply lines a rule applies to.
func scope(v Volatile) string {
	lines := "every line"
	if v.FirstLine {
		lines = "first line"
	}
	switch v.Verb {
	case "":
		return lines + " of every reply"
	case Greeting:
		return lines + " of the greeting"
	}
	return lines + " of the reply to " + v.Verb
}
