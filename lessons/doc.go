// Package lessons is smtprepl's lesson engine and the lessons themselves:
// text files embedded in the binary, in a format a teacher writes without
// Go (README.md beside this file describes it).
//
//	[Lesson], [Step], [Line]   a lesson as parsed: prose, lines to type,
//	                           checkpoints ([Expect], [If]) and data files
//	[Parse], [All], [Lookup]   reading lesson files; All and Lookup read
//	                           the embedded ones
//	[ReadFile], [FileError]    a teacher's lesson file from disk, bounded,
//	                           and every problem in it by line ([IsFile]
//	                           tells a path from a lesson's name)
//	[Runner]                   plays a lesson, guided (a [Student] types)
//	                           or unattended, and returns a [Result]
//	                           with each [Checkpoint]: passed, attempts, time
//	[Report]                   a Result as the JSON a teacher grades from
//	[Session]                  what a lesson drives: the REPL's own session
//	                           satisfies it, so lessons take the path typing
//	                           takes and this package never opens a socket
//
// The repl package wires a Runner to a terminal and to the practice
// server (repl.RunLesson); `smtprepl lesson` is the command line for it.
package lessons
