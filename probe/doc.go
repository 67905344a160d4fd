// Package probe finds out everything a server says about itself without
// sending mail: the greeting, EHLO before and after STARTTLS, the TLS
// version, cipher and certificate chain, DANE's TLSA records, the domain's
// MTA-STS policy and TLS-RPT record, and how long each step took. It never
// sends MAIL, RCPT or DATA.
//
// The result is a Report, whose JSON form is documented in schema.json
// and versioned; Text renders it for a person, ending in findings that are
// explained the way the shell explains replies.
package probe
