package pop3

// What each command does, and what its answers mean, for a person
// stepping a POP3 server by hand. RFC 1939 sections are cited so a
// student can read on.
type explanation struct {
	does string // what the command asks for
	ok   string // what +OK means after it
	err  string // what -ERR means after it
}

func explanations() map[string]explanation {
	return map[string]explanation{
		"USER": {"names the mailbox to log in to (RFC 1939 §7); PASS follows with its password",
			"the name is noted, nothing is checked yet: PASS decides (servers say +OK even for unknown names, so as not to tell who exists)",
			"this server takes no USER now: maybe it wants STLS first, or you are logged in already"},
		"PASS": {"sends the password for USER's mailbox, in clear unless STLS came first (RFC 1939 §7)",
			"logged in, in the TRANSACTION state: the messages are numbered from 1 for this session (STAT, LIST)",
			"the user name or the password is wrong ([AUTH]); [IN-USE] means another session holds the mailbox, [SYS/TEMP] a server fault (RFC 3206). USER again before another PASS"},
		"AUTH": {"logs in with a SASL mechanism (RFC 5034): AUTH PLAIN with base64 of \"\\0user\\0password\", or AUTH LOGIN, then the user and the password, each in base64",
			"logged in, as after PASS",
			"the mechanism is unknown, the base64 is malformed, or the credentials are wrong"},
		"APOP": {"logs in with an MD5 digest of the greeting's <timestamp> and a shared secret (RFC 1939 §7)",
			"logged in", "APOP is off here (most servers today): use USER/PASS after STLS, or AUTH"},
		"STLS": {"asks to start TLS on this connection (RFC 2595 §4); then the client's TLS handshake",
			"the server now waits for the handshake; after it, nothing said before counts: log in now",
			"TLS is not available here, or already on"},
		"CAPA": {"lists the server's capabilities (RFC 2449), one per line, ended by a lone \".\"",
			"the list follows; it changes after STLS and after login",
			"an old server without CAPA (RFC 1939 only)"},
		"STAT": {"how many messages and how many octets the maildrop holds (RFC 1939 §5)",
			"\"+OK count octets\", messages marked deleted not counted",
			"not logged in yet: USER and PASS first"},
		"LIST": {"the size of each message, or with a number of one (RFC 1939 §5)",
			"alone: \"n octets\" lines follow, ended by a lone \".\"; with a number, one line",
			"no such message, marked deleted, or not logged in"},
		"UIDL": {"each message's unique id, which stays the same across sessions (RFC 1939 §7): how clients that leave mail on the server know what they have seen",
			"alone: \"n id\" lines follow, ended by a lone \".\"; with a number, one line",
			"no such message, marked deleted, or not logged in"},
		"RETR": {"fetches one whole message (RFC 1939 §5)",
			"the message follows, lines starting with \".\" doubled on the wire, ended by a lone \".\"; the octet count is of the message with CRLF line ends, before that stuffing",
			"no such message, marked deleted, or not logged in"},
		"TOP": {"fetches a message's header and its first N body lines (RFC 1939 §7): TOP msg n",
			"the header, the empty line and N lines follow, ended by a lone \".\"",
			"no such message, a bad number, or not logged in"},
		"DELE": {"marks a message deleted (RFC 1939 §5): it goes at QUIT, not before",
			"marked; RSET unmarks, a dropped connection deletes nothing",
			"no such message, or marked already"},
		"RSET": {"unmarks every message marked deleted (RFC 1939 §5)", "nothing will be deleted at QUIT now", "not logged in"},
		"NOOP": {"does nothing (RFC 1939 §5): keeps the connection alive", "the server is there", "not logged in"},
		"QUIT": {"ends the session (RFC 1939 §6); after login, the UPDATE state deletes what DELE marked",
			"bye; \"messages deleted\" means DELE's marks took effect",
			"some marked messages could not be deleted"},
	}
}

// Explain says what cmd does and what ind means after it; "" for a
// command this table does not know.
func Explain(keyword string, ind Indicator) string {
	e, ok := explanations()[keyword]
	if !ok {
		if ind == Err {
			return "the server does not know this command here: the verbs are USER PASS STLS CAPA AUTH QUIT before login, STAT LIST UIDL RETR TOP DELE RSET NOOP QUIT after (RFC 1939)"
		}
		return ""
	}
	switch ind {
	case OK:
		return keyword + ": " + e.does + ". +OK: " + e.ok
	case Err:
		return keyword + ": " + e.does + ". -ERR: " + e.err
	}
	return keyword + ": " + e.does
}

// Keywords are the commands of a state (RFC 1939 §4 and §5): before
// login (AUTHORIZATION) or after (TRANSACTION), for completion.
func Keywords(loggedIn bool) []string {
	if loggedIn {
		return []string{"STAT", "LIST", "UIDL", "RETR", "TOP", "DELE", "RSET", "NOOP", "CAPA", "QUIT"}
	}
	return []string{"USER", "PASS", "STLS", "AUTH", "APOP", "CAPA", "QUIT"}
}

// Help is what a command does and what each answer to it means, for
// :help; "" for a command this table does not know.
func Help(keyword string) string {
	e, ok := explanations()[keyword]
	if !ok {
		return ""
	}
	return keyword + ": " + e.does + "\n  +OK:  " + e.ok + "\n  -ERR: " + e.err
}
