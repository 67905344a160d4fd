package mx

import "fmt"

// Kind is which way a DNS query failed. They mean different things to an
// MTA: a name that does not exist bounces the mail, a server failure or a
// timeout only delays it.
type Kind int

// The ways a query fails.
const (
	NXDomain    Kind = iota + 1 // the name does not exist (RCODE 3)
	ServFail                    // the server could not answer (RCODE 2)
	Refused                     // the server will not answer us (RCODE 5)
	OtherRcode                  // any other non-zero RCODE
	Timeout                     // no answer in time
	Unreachable                 // the query could not be sent or was answered with an error
	Canceled                    // the user gave up
	BadName                     // not a domain name at all
)

// Error is a failed query.
type Error struct {
	Name   string
	Type   Type
	Server string
	Kind   Kind
	Rcode  string // for OtherRcode
	Err    error  // the transport's error, for Timeout and Unreachable
}

func (e *Error) Unwrap() error { return e.Err }

// Temporary reports whether an MTA would try again later rather than
// bounce: everything but a name that does not exist or cannot be one.
func (e *Error) Temporary() bool { return e.Kind != NXDomain && e.Kind != BadName }

func (e *Error) Error() string {
	q := fmt.Sprintf("the %s query for %s", e.Type, e.Name)
	switch e.Kind {
	case NXDomain:
		return fmt.Sprintf("%s: NXDOMAIN from %s: the name does not exist", q, e.Server)
	case ServFail:
		return fmt.Sprintf("%s: SERVFAIL from %s: the server could not get an answer", q, e.Server)
	case Refused:
		return fmt.Sprintf("%s: REFUSED by %s: that server will not answer this client", q, e.Server)
	case OtherRcode:
		return fmt.Sprintf("%s: %s from %s", q, e.Rcode, e.Server)
	case Timeout:
		return fmt.Sprintf("%s: no answer from %s in time", q, e.Server)
	case Canceled:
		return fmt.Sprintf("%s: given up", q)
	case BadName:
		return fmt.Sprintf("%q is not a domain name", e.Name)
	}
	return fmt.Sprintf("%s: could not ask %s: %v", q, e.Server, e.Err)
}

// Explain says what the failure means for mail, the way the shell explains
// a reply code.
func (e *Error) Explain() string {
	switch e.Kind {
	case NXDomain:
		return "The domain does not exist in DNS (NXDOMAIN is an authoritative \"no such name\"). " +
			"An MTA bounces mail to it at once, typically 550 5.1.2 or 5.4.4: check the spelling after the @."
	case ServFail:
		return "SERVFAIL means the resolver tried and failed: the domain's name servers are down or " +
			"unreachable, or DNSSEC validation failed. It is temporary as far as mail goes: an MTA " +
			"queues the message and retries (4.4.3), and bounces only after its queue lifetime."
	case Refused:
		return "The DNS server refused the query, usually because it does not recurse for this " +
			"client (an authoritative-only server, or an access list). Ask another resolver with --resolver."
	case Timeout:
		return "The DNS server did not answer in time: a firewall dropping port 53, a wrong " +
			"--resolver address, or an overloaded server. An MTA treats this like SERVFAIL: it retries later."
	case Unreachable:
		return "The query could not reach the DNS server (nothing listening, no route, or the " +
			"answer was not DNS). Check --resolver, or the nameserver in /etc/resolv.conf."
	case OtherRcode:
		return "The DNS server answered with an unusual error code; an MTA treats it as a temporary failure."
	case BadName:
		return "A domain is labels of at most 63 octets separated by dots, at most 253 octets in all."
	}
	return ""
}
