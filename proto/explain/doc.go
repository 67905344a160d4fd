// Package explain holds the tables that turn SMTP numbers and keywords into
// plain words, for the stepper's reply annotations and `smtprepl explain`:
//
//	[Code], [LookupCode], [DescribeCode]   basic reply codes (RFC 5321 §4.2)
//	[Enhanced], [LookupEnhanced], [DescribeEnhanced]
//	                                       enhanced status codes (RFC 3463)
//	[Extension], [LookupExtension], [DescribeExtension]
//	                                       EHLO keywords (RFC 5321 §2.2)
//	[Hint]                                 the one-line "what now" under a reply
//	[Explain]                              the long form for a typed query
//
// Coverage follows the registries copied into testdata/registries (the
// tests fail if any row there is missing here):
//
//   - reply codes: the 24 codes of RFC 5321 §4.2.2-4.2.3, the AUTH replies
//     of RFC 4954 (§4 and §6), 454/530 of RFC 3207 §4 and 521/556 of
//     RFC 7504, plus the ETRN (RFC 1985) and ATRN (RFC 2645) extras;
//   - enhanced codes: every entry of the IANA "SMTP Enhanced Status Codes"
//     registry (RFC 5248), as last updated 2024-12-06;
//   - extensions: every entry of the IANA "SMTP Service Extensions"
//     registry (updated 2025-09-19), plus keywords seen in the wild but never
//     registered (XCLIENT, XFORWARD, PIPECONNECT, X-EXPS, AUTH=LOGIN, ...).
//
// Titles and names are the RFC and IANA phrases; meanings and hints are our
// own words. Unknown but well-formed codes are not errors: they are
// described from their digits, as RFC 5321 §4.2.1 and RFC 3463 §2 tell
// clients to do, and the Lookup functions report ok=false.
//
// All tables are built once, on first use, and never change afterwards.
package explain
