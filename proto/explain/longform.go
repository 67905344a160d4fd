package explain

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// longForm collects labelled lines, aligned, for the output of Explain.
type longForm struct{ b strings.Builder }

func (f *longForm) title(s string) { f.b.WriteString(s + "\n") }

func (f *longForm) field(label, value string) {
	if value != "" {
		fmt.Fprintf(&f.b, "  %-12s %s\n", label+":", value)
	}
}

func (f *longForm) String() string { return f.b.String() }

// codeLong explains a reply code; withEnhanced lists the enhanced codes
// the registry pairs with it.
func codeLong(code int, withEnhanced bool) string {
	c, known := LookupCode(code)
	var f longForm
	title := fmt.Sprintf("%d %s", code, c.Title)
	if !known {
		title += " (unregistered code, read from its digits)"
	}
	f.title(title)
	f.field("meaning", c.Meaning)
	class := replyClasses()[code/100]
	f.field("class", fmt.Sprintf("%s %s: %s", class.pattern, class.title, class.meaning))
	if cat, ok := replyCategories()[code/10%10]; ok && code >= 200 {
		f.field("category", fmt.Sprintf("%s %s: %s", cat.pattern, cat.title, cat.meaning))
	}
	f.field("reference", c.RFC)
	if withEnhanced {
		writeEnhancedFor(&f, code)
	}
	return f.String()
}

func writeEnhancedFor(f *longForm, code int) {
	list := enhancedByBasic()[strconv.Itoa(code)]
	if len(list) == 0 {
		return
	}
	f.title(fmt.Sprintf("  enhanced codes the registry pairs with %d:", code))
	for _, key := range list {
		e, _ := LookupEnhanced(code/100, key.subject, key.detail)
		fmt.Fprintf(&f.b, "    %-8s %s\n", e.Code, e.Name)
	}
}

// enhancedByBasic inverts the registry's basic-code column: reply code to
// the enhanced codes listed with it, in registry order.
var enhancedByBasic = sync.OnceValue(func() map[string][]enhancedKey {
	index := make(map[string][]enhancedKey)
	for _, e := range enhancedEntries() {
		for _, basic := range e.BasicCodes {
			index[basic] = append(index[basic], enhancedKey{e.subject, e.detail})
		}
	}
	return index
})

func enhancedLong(status [3]int) string {
	e, known := LookupEnhanced(status[0], status[1], status[2])
	var f longForm
	switch {
	case known:
		f.title(e.Code + " " + e.Name)
	case e.Name != "":
		f.title(e.Code + " (unregistered detail of " + e.Name + ")")
	default:
		f.title(e.Code + " (unregistered)")
	}
	f.field("meaning", e.Meaning)
	if c, ok := enhancedClasses()[status[0]]; ok {
		f.field("class", fmt.Sprintf("%d.x.x %s: %s", status[0], c.title, c.meaning))
	} else if status[0] == 0 {
		f.field("class", "X stands for any class: 2 success, 4 temporary failure, 5 permanent failure")
	}
	if s, ok := enhancedSubjects()[status[1]]; ok {
		f.field("subject", fmt.Sprintf("x.%d.x %s: %s", status[1], s.title, s.meaning))
	}
	if known {
		f.field("reply codes", basicCodesFor(e.BasicCodes, status[0]))
	}
	f.field("reference", e.RFC)
	return f.String()
}

// basicCodesFor keeps the registry's reply codes that fit the class (all
// of them for class 0).
func basicCodesFor(basic []string, class int) string {
	if class != 0 {
		digit := strconv.Itoa(class)
		basic = slices.DeleteFunc(slices.Clone(basic), func(b string) bool {
			return b != "any" && !strings.HasPrefix(b, digit)
		})
	}
	if len(basic) == 0 {
		return "none listed by the registry"
	}
	return strings.Join(basic, " ")
}

// replyLong explains a whole reply: code, enhanced code, and the hint.
func replyLong(code int, status [3]int, text string) string {
	line := strconv.Itoa(code)
	if status[0] != 0 {
		line += fmt.Sprintf(" %d.%d.%d", status[0], status[1], status[2])
	}
	parts := []string{"reply: " + strings.TrimSpace(line+" "+text) + "\n", codeLong(code, status[0] == 0)}
	if status[0] != 0 {
		parts = append(parts, enhancedLong(status))
	}
	if hint := hintFor(newHintQuery("", false, code, status, text)); hint != "" {
		parts = append(parts, "hint: "+hint+"\n")
	}
	return strings.Join(parts, "\n")
}

func extensionLong(keyword, params string) string {
	e, _ := LookupExtension(keyword)
	params = strings.TrimSpace(params)
	var f longForm
	title := e.Keyword
	if e.Name != "" {
		title += " - " + e.Name
	}
	f.title(title)
	f.field("meaning", e.Meaning)
	if params != "" || e.Keyword == legacyAuth {
		f.field("here", DescribeExtension(keyword, params))
	}
	if e.Params != "none" {
		f.field("parameters", e.Params)
	}
	f.field("enables", e.Enables)
	f.field("status", e.Status)
	f.field("reference", e.RFC)
	return f.String()
}
