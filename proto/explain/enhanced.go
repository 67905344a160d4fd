package explain

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Enhanced describes one enhanced status code (RFC 3463, RFC 2034).
type Enhanced struct {
	Code       string   // "5.7.8"; "X.7.8" when looked up with class 0
	Name       string   // the IANA registry name
	Meaning    string   // our words
	RFC        string   // where it is defined, e.g. "RFC 4954 §6"
	BasicCodes []string // reply codes the registry pairs it with: "535", or "any", "4XX", "5XX"
}

// statusPart is a class or subject of an enhanced code (RFC 3463 §2).
type statusPart struct {
	title   string // the RFC's name
	meaning string
	section string // where its details are enumerated
}

var enhancedClasses = sync.OnceValue(func() map[int]statusPart {
	return map[int]statusPart{
		2: {"Success", "the action was carried out", "RFC 3463 §2"},
		4: {"Persistent Transient Failure", "the message is fine but a passing condition got in the way; a later attempt may work", "RFC 3463 §2"},
		5: {"Permanent Failure", "resending unchanged will not work; the message or the destination must change", "RFC 3463 §2"},
	}
})

var enhancedSubjects = sync.OnceValue(func() map[int]statusPart {
	return map[int]statusPart{
		0: {"Other or Undefined Status", "no detail beyond the class", "RFC 3463 §3.1"},
		1: {"Addressing Status", "about an address (sender or recipient); usually the sender can fix it", "RFC 3463 §3.2"},
		2: {"Mailbox Status", "about the recipient's mailbox; usually up to the recipient", "RFC 3463 §3.3"},
		3: {"Mail System Status", "about the destination mail system; up to its administrator", "RFC 3463 §3.4"},
		4: {"Network and Routing Status", "about the network, DNS or routing between mail systems", "RFC 3463 §3.5"},
		5: {"Mail Delivery Protocol Status", "about the SMTP exchange itself: commands, syntax, sequence", "RFC 3463 §3.6"},
		6: {"Message Content or Media Status", "about the message content: formats, conversions, encodings", "RFC 3463 §3.7"},
		7: {"Security or Policy Status", "about security or policy: authentication, relaying, filtering, cryptography", "RFC 3463 §3.8"},
	}
})

// enhancedKey is subject and detail; the registry lists codes class-free.
type enhancedKey struct{ subject, detail int }

var enhancedIndex = sync.OnceValue(func() map[enhancedKey]Enhanced {
	entries := enhancedEntries()
	index := make(map[enhancedKey]Enhanced, len(entries))
	for _, e := range entries {
		index[enhancedKey{e.subject, e.detail}] = e.Enhanced
	}
	return index
})

// LookupEnhanced returns the registry entry for class.subject.detail; class
// 0 means "any class" and gives the registry's "X.s.d" form. For an
// unregistered code it returns a description from the class and subject
// (as RFC 3463 §2 tells clients to report) and ok=false.
func LookupEnhanced(class, subject, detail int) (Enhanced, bool) {
	code := enhancedString(class, subject, detail)
	if !validEnhanced(class, subject, detail) {
		return Enhanced{Code: code, Meaning: "not a valid enhanced status code: it is class.subject.detail, the class 2, 4 or 5", RFC: "RFC 3463 §2"}, false
	}
	if e, ok := enhancedIndex()[enhancedKey{subject, detail}]; ok {
		e.Code = code
		e.BasicCodes = slices.Clone(e.BasicCodes)
		return e, true
	}
	return enhancedFromParts(code, class, subject), false
}

func validEnhanced(class, subject, detail int) bool {
	classOK := class == 0 || class == 2 || class == 4 || class == 5
	return classOK && subject >= 0 && subject <= 999 && detail >= 0 && detail <= 999
}

func enhancedString(class, subject, detail int) string {
	c := "X"
	if class != 0 {
		c = strconv.Itoa(class)
	}
	return fmt.Sprintf("%s.%d.%d", c, subject, detail)
}

// enhancedFromParts describes an unregistered detail from what is known.
func enhancedFromParts(code string, class, subject int) Enhanced {
	e := Enhanced{Code: code, Meaning: "unregistered detail", RFC: "RFC 3463 §2"}
	if c, ok := enhancedClasses()[class]; ok {
		e.Meaning += "; " + strings.ToLower(c.title) + ": " + c.meaning
	}
	if s, ok := enhancedSubjects()[subject]; ok {
		e.Name = s.title
		e.Meaning += "; " + s.meaning
		e.RFC = s.section
	} else {
		e.Meaning += fmt.Sprintf("; subject %d is not defined", subject)
	}
	return e
}

// DescribeEnhanced returns one line for an enhanced code, e.g.
// "5.1.1 Bad destination mailbox address: the recipient mailbox ...".
// It is never empty.
func DescribeEnhanced(class, subject, detail int) string {
	e, ok := LookupEnhanced(class, subject, detail)
	if !ok {
		return e.Code + ": " + e.Meaning
	}
	return fmt.Sprintf("%s %s: %s", e.Code, e.Name, e.Meaning)
}
