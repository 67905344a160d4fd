package repl

import "strings"

// Keepable returns what of a line typed now may be kept (in history, in a
// lesson's record), and false when nothing may: nothing the session takes
// for an AUTH answer or for the text of a refused DATA.
func (s *Session) Keepable(line string) (string, bool) {
	if s.RefusedText() || s.p3.inAuth || s.p3.refusedAUTH && !s.pop3Command(line) || !isScriptCommand(line) && (s.guard.answersOver != "" || s.model.State().InAuth()) {
		return "", false
	}
	if s.pop3Word(line) {
		return strings.TrimSpace(line), true
	}
	return keepable(line, s.inData(), s.commands())
}

// keepable decides what of a typed line may be kept. Readline's own
// saving is off; every line passes here, so no secret is ever written:
// not message text, not AUTH responses, not the arguments of :auth, :b64,
// :unb64 or :plain, and not a lone word that is no command (an AUTH
// answer typed at the prompt after an abandoned wait, padded or not).
func keepable(line string, inData bool, cmds *commandTable) (string, bool) {
	line = strings.TrimSpace(line)
	switch {
	case line == "":
		return "", false
	case strings.HasPrefix(line, ":"):
		name, _, _ := strings.Cut(line[1:], " ")
		if c, ok := cmds.lookup(name); !ok || c.secret {
			return "", false
		}
		return line, true
	case inData:
		return "", false
	}
	fields := strings.Fields(line)
	verbName := strings.ToUpper(fields[0])
	if verbName == "AUTH" && len(fields) > 2 {
		return "AUTH " + fields[1], true // the initial response is the secret
	}
	if verbName == "PASS" || verbName == "APOP" && len(fields) > 2 {
		return "", false // POP3's password, or APOP's digest of one
	}
	if len(fields) == 1 && !isScriptCommand(line) {
		return "", false
	}
	return line, true
}
