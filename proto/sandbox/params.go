package sandbox

import (
	"math"
	"strconv"
	"strings"

	"github.com/smtprepl/smtprepl/proto"
)

// paramRule checks one MAIL or RCPT parameter; nil means accepted. The
// refusals are Postfix's texts.
type paramRule func(p proto.Param) *canned

// mailParamRules: SIZE (RFC 1870), BODY (RFC 6152), SMTPUTF8 (RFC 6531),
// RET and ENVID (RFC 3461), AUTH (RFC 4954 §5).
func mailParamRules() map[string]paramRule {
	return map[string]paramRule{
		"SIZE":     checkSize,
		"BODY":     oneOf("7BIT", "8BITMIME"),
		"SMTPUTF8": checkFlag,
		"RET":      valueRule(func(v string) bool { return strings.EqualFold(v, "FULL") || strings.EqualFold(v, "HDRS") }, "Bad RET parameter syntax"),
		"ENVID":    valueRule(func(v string) bool { return len(v) <= 100 && validXtext(v) }, "Bad ENVID parameter syntax"),
		"AUTH":     valueRule(func(v string) bool { return v == "<>" || validXtext(v) }, "Bad AUTH parameter syntax"),
	}
}

// rcptParamRules: NOTIFY and ORCPT (RFC 3461).
func rcptParamRules() map[string]paramRule {
	return map[string]paramRule{
		"NOTIFY": valueRule(validNotify, "Error: Bad NOTIFY parameter syntax"),
		"ORCPT":  valueRule(validOrcpt, "Error: Bad ORCPT parameter syntax"),
	}
}

// checkParams refuses the first unknown or malformed parameter.
func checkParams(rules map[string]paramRule, params []proto.Param) *canned {
	for _, p := range params {
		rule, ok := rules[p.Key]
		if !ok {
			return unsupported(p)
		}
		if c := rule(p); c != nil {
			return c
		}
	}
	return nil
}

func unsupported(p proto.Param) *canned {
	return &canned{555, ec(5, 5, 4), "Unsupported option: " + clip(p.String())}
}

func valueRule(valid func(string) bool, refusal string) paramRule {
	return func(p proto.Param) *canned {
		if p.HasValue && p.Value != "" && valid(p.Value) {
			return nil
		}
		return &canned{501, ec(5, 5, 4), refusal}
	}
}

func oneOf(values ...string) paramRule {
	return func(p proto.Param) *canned {
		for _, v := range values {
			if p.HasValue && strings.EqualFold(p.Value, v) {
				return nil
			}
		}
		return unsupported(p)
	}
}

func checkFlag(p proto.Param) *canned {
	if p.HasValue {
		return unsupported(p)
	}
	return nil
}

func checkSize(p proto.Param) *canned {
	if _, ok := parseSize(p.Value); p.HasValue && ok {
		return nil
	}
	return &canned{501, ec(5, 5, 4), "Bad message size syntax"}
}

// parseSize reads a decimal byte count: digits only, no sign. A count too
// big for int64 is still a count, just more than any limit.
func parseSize(s string) (int64, bool) {
	if s == "" || strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return math.MaxInt64, true
	}
	return n, true
}

// validNotify: NEVER alone, or a list of SUCCESS, FAILURE, DELAY.
func validNotify(v string) bool {
	items := strings.Split(strings.ToUpper(v), ",")
	if len(items) == 1 && items[0] == "NEVER" {
		return true
	}
	seen := map[string]bool{}
	for _, it := range items {
		if it != "SUCCESS" && it != "FAILURE" && it != "DELAY" || seen[it] {
			return false
		}
		seen[it] = true
	}
	return true
}

// validOrcpt: addr-type ";" xtext, e.g. "rfc822;alice@example.test".
func validOrcpt(v string) bool {
	kind, addr, ok := strings.Cut(v, ";")
	return ok && kind != "" && strings.IndexFunc(kind, func(r rune) bool { return !isAlnum(r) && r != '-' }) < 0 &&
		addr != "" && validXtext(addr)
}

// validXtext follows RFC 3461 §4: printable ASCII with "+XX" hex
// escapes. RFC 3461 also excludes "=", but Postfix lets it through (the CI
// peer accepts ENVID=a=b), and so do we. Octets above 0x7f pass for RFC
// 6533's utf-8 address types.
func validXtext(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
			i += 2
		case c <= ' ' || c == 0x7f:
			return false
		}
	}
	return true
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f' }
