// Package transcripts reads, writes, records and compares SMTP session
// transcripts in the notation of RFC 5321 Appendix D ("C:" and "S:" lines),
// so that the RFC's own scenarios can be pasted in as they are.
//
// The format is described in README.md beside this file. The package holds:
//
//   - [Transcript]: metadata ([KV]) and [Entry] lines, one per line of the
//     file; [Parse], [ParseBytes] and [Transcript.WriteTo] read and write it,
//     byte for byte for a file in canonical form.
//   - [Reader]: the same, a line at a time, so that a file from a stranger
//     costs the memory of its longest line, not of the file; an
//     [EntrySource] ([Transcript.Stream] is one too) feeds [CompareStream],
//     [ReplayStream] and [NewMockStream]. [Entry.Shown] is an entry as a
//     terminal may show it: escaped and bounded.
//   - [Entry] and [Kind]: one client or server line (text plus CRLF, exact
//     bytes, or a C~ pattern a person wrote for what varies), an event, a
//     comment, a blank line or an elision;
//     [FromWire] picks the form for arbitrary bytes and [Entry.Bytes] gives
//     them back.
//   - [ParseSwaks]: swaks's " -> " / "<-  " transcript notation as input.
//   - [ParseSmtplib]: Python smtplib's set_debuglevel(1) and (2) output
//     ("send: 'ehlo x\r\n'", "reply: b'250 ok\r\n'") as input, its AUTH
//     secrets redacted on the way in.
//   - [Recorder]: writes entries as they happen, redacting AUTH secrets
//     (RFC 4954) with a marker that [Entry.Redacted] names on parse;
//     [Transcript.Redact] does the same to a transcript already read.
//   - [Exchange] and [Transcript.Exchanges]: the dialogue cut into turns
//     (commands, possibly an RFC 2920 pipelined batch, a DATA body, and the
//     replies), the unit that replay and mock work in.
//   - [Compare], [Rules], [Volatile], [Difference] and [FormatDifferences]:
//     pair each command with the reply that answered it and report where two
//     transcripts differ, ignoring per-session noise where told to.
//   - [Replay] sends a transcript's client side over a proto.Client and
//     returns what came back, for Compare; [Mock] plays its server side to
//     clients, one session per connection, checking AUTH for a [MockUser]
//     and reporting each connection's deviations and received [Message]s
//     in a [MockReport] (package mocktest wraps it for go test); [Rules.Keep], [ParseRule] and [FormatRules] back the
//     command line's rule flags.
//   - [Archive], [File], [ParseTxtar] and [FormatTxtar]: the txtar container
//     (golang.org/x/tools/txtar's format) that golden tests keep
//     transcripts in.
package transcripts
