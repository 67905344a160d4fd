// Package term is smtprepl's terminal front end on the session core
// (package repl): everything that knows a person sits at a terminal.
//
//	[Shell]          the interactive loop on a [LineReader] (readline on a
//	                 terminal): history without secrets, Ctrl-C cancels the
//	                 running command only; [RunTerminal] runs it on the
//	                 process's terminal, [RunShell] on any reader
//	view             the wire in colour with an explanation under every
//	                 reply, the EHLO table, the TLS report; it is the
//	                 session's [repl.Explainer]
//	[Prompt]         where the session stands ([repl.PromptState]), in words
//	completion       readline's Tab on [repl.Session.Completions], less what
//	                 a terminal cannot show as it is
//	[Theme]          the colours (fatih/color), off for plain text
//	[RunLesson]      a lesson shown as the shell shows a session, typed by
//	                 the lesson engine (--auto) or by the student
//
// The core never imports this package, so script mode, lessons' engine
// and the tests of the core link no line editor and no colour.
package term
