// Package proto is SMTP on the wire, both directions (RFC 5321), for a
// protocol stepper that must show every byte and never choke on a broken peer.
//
//	[Reply]          a complete, possibly multi-line server reply, raw lines kept
//	[EnhancedCode]   an RFC 3463 status code such as 5.1.1 (RFC 2034)
//	[ParseReply]     pure parsing of reply lines; [Reader] reads them, bounded
//	[Command]        a client command line, parsed tolerantly ([ParseCommand])
//	[ValidateLine]   the CRLF-injection guard every sent line passes
//	[Capabilities]   the keywords of an EHLO reply, upper-cased at parse time
//	[DotWriter]      DATA body writer: CRLF normalisation and dot-stuffing
//	[ReadDotBody]    the server side: unstuffing up to CRLF.CRLF, size-bounded
//	[Client]         a client connection: dial, implicit TLS, STARTTLS,
//	                 per-reply deadlines, and a [Tap] that sees every line;
//	                 over TCP, a Unix socket, or a process ([DialPipe])
//	[ProxyHeader]    a PROXY protocol v1/v2 header, built ([Options].Proxy
//	                 sends one first) and parsed ([ReadProxyHeader])
//	[XClientAttr]    one Postfix XCLIENT attribute, checked ([ParseXClientAttrs])
//	                 and matched to the EHLO offer; values in xtext ([XtextEncode])
//	[Session]        where a dialogue stands, fed (line, reply) pairs: which
//	                 verbs are legal next, which must wait (RFC 2920), what a
//	                 line is (command, message text, AUTH answer, skipped),
//	                 STARTTLS's handover, LMTP's reply per recipient
//	[ProtocolError]  the bytes were malformed (as opposed to a 4xx/5xx reply,
//	                 which is data to show, not an error)
//
// SASL helpers (PLAIN, LOGIN, CRAM-MD5, XOAUTH2) live in sasl.go.
package proto
