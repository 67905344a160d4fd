package explain

import (
	"fmt"
	"sync"
)

// Code describes one basic reply code.
type Code struct {
	Code    int
	Title   string // the RFC's phrase; two phrases joined by " / " when two RFCs use the code
	Meaning string // what it means in practice, in our words
	RFC     string // where it is defined, e.g. "RFC 5321 §4.2.3"
}

// replyClass is what the first digit of a reply code says (RFC 5321 §4.2.1).
type replyClass struct {
	pattern string // "5yz"
	title   string // the RFC's name
	short   string // the word printed in one-line descriptions
	meaning string
}

// replyCategory is what the second digit says (RFC 5321 §4.2.1).
type replyCategory struct {
	pattern string // "x5z"
	title   string
	meaning string
}

var replyClasses = sync.OnceValue(func() map[int]replyClass {
	return map[int]replyClass{
		1: {"1yz", "Positive Preliminary reply", "preliminary", "not used by SMTP: the FTP-style 1yz replies are not part of the SMTP model"},
		2: {"2yz", "Positive Completion reply", "success", "the command worked; send the next one"},
		3: {"3yz", "Positive Intermediate reply", "go on", "the server is waiting for more input (the message after DATA, the next AUTH step)"},
		4: {"4yz", "Transient Negative Completion reply", "temporary failure", "nothing happened, but the same command may succeed later: retry"},
		5: {"5yz", "Permanent Negative Completion reply", "permanent failure", "nothing happened, and repeating the command unchanged will not help"},
	}
})

var replyCategories = sync.OnceValue(func() map[int]replyCategory {
	return map[int]replyCategory{
		0: {"x0z", "Syntax", "about syntax: an unknown, malformed, unimplemented or out-of-order command"},
		1: {"x1z", "Information", "about information: answers to requests for status or help"},
		2: {"x2z", "Connections", "about the connection itself"},
		3: {"x3z", "Unspecified", "unspecified by RFC 5321; in practice the AUTH replies of RFC 4954 live here"},
		4: {"x4z", "Unspecified", "unspecified by RFC 5321 (354, and the 45z temporaries of extensions)"},
		5: {"x5z", "Mail system", "about the receiving mail system: mailboxes, storage, policy"},
	}
})

// codeIndex maps every known reply code to its entry.
var codeIndex = sync.OnceValue(func() map[int]Code {
	entries := codeEntries()
	index := make(map[int]Code, len(entries))
	for _, c := range entries {
		index[c.Code] = c
	}
	return index
})

// LookupCode returns the entry for a reply code. For an unregistered code
// in 100-599 it returns a description built from the first two digits
// (RFC 5321 §4.2.1) and ok=false; for anything else, a zero Code and false.
func LookupCode(code int) (Code, bool) {
	if c, ok := codeIndex()[code]; ok {
		return c, true
	}
	if code < 100 || code > 599 {
		return Code{}, false
	}
	return codeFromDigits(code), false
}

// codeFromDigits describes an unregistered code the way RFC 5321 §4.2.1
// asks clients to read one: by its first digit, then its second.
func codeFromDigits(code int) Code {
	class := replyClasses()[code/100]
	c := Code{Code: code, Title: class.title, Meaning: class.meaning, RFC: "RFC 5321 §4.2.1"}
	if code < 200 {
		return c // no categories: SMTP has no 1yz replies at all
	}
	if cat, ok := replyCategories()[code/10%10]; ok {
		c.Title += ", " + cat.title
		c.Meaning += "; " + cat.meaning
	} else {
		c.Title += ", undefined category"
		c.Meaning += fmt.Sprintf("; a second digit of %d is not defined", code/10%10)
	}
	return c
}

// DescribeCode returns one short line for a reply code, e.g.
// "550 permanent failure: the mailbox doesn't exist ...". It is never
// empty.
func DescribeCode(code int) string {
	c, known := LookupCode(code)
	switch {
	case c.Code == 0:
		return fmt.Sprintf("%d: not an SMTP reply code (SMTP codes are three digits, 200-599)", code)
	case !known:
		return fmt.Sprintf("%d %s (unregistered code): %s", code, replyClasses()[code/100].short, c.Meaning)
	}
	return fmt.Sprintf("%d %s: %s", code, replyClasses()[code/100].short, c.Meaning)
}
