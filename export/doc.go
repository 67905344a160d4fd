// Package export turns a recorded session into something another person
// or program runs: the swaks or curl command line that repeats it, an
// smtplib script as coursework writes them, a Go program, a Mermaid
// sequence diagram for a lab report or a ticket, or the message itself as
// an .eml file. Secrets stay redacted: exports read them from the
// environment (SMTP_USER, SMTP_PASSWORD) when they run.
package export
