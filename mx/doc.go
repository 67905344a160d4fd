// Package mx finds where mail for a domain goes, the way an MTA does
// (RFC 5321 §5.1): MX records in preference order, randomised among equals,
// the domain's own addresses when it has no MX, and the null MX of RFC 7505.
//
// It asks one DNS server directly, not the C library's resolver, because a
// debugging tool must tell NXDOMAIN from SERVFAIL from a timeout (the
// system resolver folds them into "no such host"), and must be pointable at
// a given server (--resolver) for split-horizon DNS and for tests.
package mx
