// Package repl is smtprepl's session with a server, one line at a time: the
// interactive shell, script mode (stdin not a terminal) and the lessons all
// run the same [Session], so a line behaves alike whoever types it. A line
// is a colon-command (:help lists them), a line of message text while DATA
// is open, or an SMTP command sent as typed; every line that crosses the
// wire is shown, and the interactive view explains the replies.
//
//	[Session]        the core, with no terminal: [Session.Exec] runs a line,
//	                 [Session.RunScript] a script; [NewScriptSession] prints
//	                 transcript notation only, so script output replays
//	[Config]         where and how to connect (TLS, STARTTLS, timeout,
//	                 pipelining, recording, the in-process sandbox)
//	[Shell]          the interactive loop on a [LineReader]: history without
//	                 secrets, Ctrl-C cancels the running command only;
//	                 [RunTerminal] runs it on the process's terminal,
//	                 [RunShell] on any reader (tests script it)
//	[Theme]          the interactive view's colours, off for plain text
//	[RunLesson]      a lesson typed into a Session by the lesson engine or
//	                 the student, against a [LessonTarget] (a [LessonServer]
//	                 sandbox, or a teacher's server)
//	[WriteMarkdown]  README's command reference, from the table that drives
//	                 dispatch, :help and completion, so they cannot drift
package repl
