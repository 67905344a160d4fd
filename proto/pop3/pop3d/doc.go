// Package pop3d is a POP3 server (RFC 1939, with CAPA, STLS and AUTH
// PLAIN and LOGIN) over any store of messages: a Backend says who may log in and
// hands over a Maildrop. Its answers follow Dovecot's, word for word where
// clients read them (the sandbox's fidelity test holds the captures).
//
// Serve runs one session on a connection; listening and counting
// sessions are the caller's.
package pop3d
