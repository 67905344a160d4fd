// Package repl is smtprepl's session with a server, one line at a time: the
// interactive shell, script mode (stdin not a terminal) and the lessons all
// run the same [Session], so a line behaves alike whoever types it. A line
// is a colon-command (:help lists them), a line of message text while DATA
// is open, or an SMTP command sent as typed; every line that crosses the
// wire is shown through a [View].
//
// This package is the session core and knows no terminal: nothing it
// imports pulls in a line editor or colour. The terminal front end
// (line editing, completion, prompt, colour, history, the TLS report) is
// package repl/term.
//
//	[Session]        the core: [Session.Exec] runs a line, [Session.RunScript]
//	                 a script, [Session.ExecBatch] an RFC 2920 batch;
//	                 [NewScriptSession] prints transcript notation only, so
//	                 script output replays; [NewSession] takes any [View]
//	[View]           what the core needs from a front end (the wire, output,
//	                 DATA on and off); an [Explainer] adds explanations,
//	                 notes and warnings for a person, [RawViewer] and [Sizer]
//	                 are optional
//	[Config]         where and how to connect (TLS, STARTTLS, timeout,
//	                 pipelining, recording, the in-process sandbox)
//	[LessonTarget]   where a lesson runs: a [LessonServer] sandbox, or a
//	                 teacher's server ([ServerTarget])
//	[WriteMarkdown]  README's command reference, from the table that drives
//	                 dispatch, :help and completion, so they cannot drift
package repl
