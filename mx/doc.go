// Package mx finds where mail for a domain goes, the way an MTA does
// (RFC 5321 §5.1): MX records in preference order, randomised among equals,
// the domain's own addresses when it has no MX, and the null MX of RFC 7505.
//
// It asks one DNS server directly, not the C library's resolver, because a
// debugging tool must tell NXDOMAIN from SERVFAIL from a timeout (the
// system resolver folds them into "no such host"), and must be pointable at
// a given server (--resolver) for split-horizon DNS and for tests.
//
// Resolver.Query asks one question (Answer, Record, TLSA, and an *Error
// that names how it failed); Resolver.Route and LookupAddrs are an MTA's
// lookups on top. Messages are built and read with x/net's dnsmessage;
// this package adds the exchange and the records dnsmessage does not know.
package mx
