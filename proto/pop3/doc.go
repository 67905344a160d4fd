// Package pop3 is POP3's wire format (RFC 1939, RFC 2449 CAPA, RFC 2595
// STLS, RFC 5034 AUTH), for both ends, without I/O of its own:
//
//   - Command and ParseCommand: a command line, keyword and arguments.
//   - Status and ParseStatus: the first line of a response (+OK, -ERR, or
//     a SASL "+ " continuation), and its RFC 2449 response code.
//   - MultiLine: whether a command's +OK is followed by lines up to a lone ".".
//   - Stuff and Unstuff: the byte-stuffing of those lines.
//   - Explain: what a command does and what its answer means, for a person.
//
// The server is pop3d; the client side lives in repl, over proto.Client.
package pop3
