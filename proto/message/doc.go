// Package message builds RFC 5322 / MIME messages one explained step at a
// time and parses received messages back into a tree.
//
// Building:
//
//   - [Message]: the header fields in the order they were set, the envelope
//     recipients (Bcc) and the body; [Message.WriteTo] streams the result
//     with CRLF line endings, ready for DATA (dot-stuffing is the DATA
//     writer's job).
//   - [Options]: 8BITMIME, boundary generator ([CounterBoundary]) and clock,
//     so output can be made byte-exact.
//   - [Part]: one node of the MIME tree under construction: a text body, a
//     streamed file (attachment or inline), or a multipart container.
//   - [Step]: what one builder call added to the message, why, and which RFC
//     says so; a lesson or the :compose command shows it.
//   - [Opener]: a function that opens an attachment's bytes at write time,
//     so large files are never held in memory; [Bytes], [File] and [Reader]
//     make one.
//   - [Encoding]: a Content-Transfer-Encoding, chosen by [ChooseEncoding].
//
// Header fields:
//
//   - [Header], [Field]: an ordered list of wire-form fields; never a map,
//     because order matters to readers and lessons.
//
// Parsing:
//
//   - [Parse], [ParseLimits], [Limits]: read a message into an [Entity] tree
//     with bounded depth, part count, header size and kept body bytes.
//   - [Entity]: one parsed node (RFC 2045's "entity": header plus body),
//     rendered as an indented tree by [Entity.Tree].
package message
