package term

import "github.com/fatih/color"

// Theme is the interactive view's palette. Each colour is enabled or
// disabled explicitly, so the view never depends on fatih/color's global
// NoColor (main sets that once) and tests get plain text.
type Theme struct {
	Sent    *color.Color // what the client sent
	Server  *color.Color // the text of a server line
	Class   [6]*color.Color
	Explain *color.Color // explanations under replies: dim, so the wire stands out
	Event   *color.Color // === connected, TLS established, closed
	Warn    *color.Color
	Err     *color.Color
	Good    *color.Color // TLS on, verified
	Prompt  *color.Color
}

// NewTheme builds the palette; enabled false gives plain text.
func NewTheme(enabled bool) Theme {
	t := Theme{
		Sent:    color.New(color.FgCyan),
		Server:  color.New(color.Reset),
		Explain: color.New(color.Faint),
		Event:   color.New(color.FgMagenta, color.Faint),
		Warn:    color.New(color.FgYellow),
		Err:     color.New(color.FgRed, color.Bold),
		Good:    color.New(color.FgGreen),
		Prompt:  color.New(color.Bold),
	}
	// Reply codes by class: 2xx worked, 3xx go on, 4xx try later, 5xx no.
	t.Class = [6]*color.Color{
		color.New(color.Reset), color.New(color.Reset),
		color.New(color.FgGreen, color.Bold), color.New(color.FgBlue, color.Bold),
		color.New(color.FgYellow, color.Bold), color.New(color.FgRed, color.Bold),
	}
	for _, c := range t.all() {
		if enabled {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
	}
	return t
}

func (t Theme) all() []*color.Color {
	return append([]*color.Color{t.Sent, t.Server, t.Explain, t.Event, t.Warn, t.Err, t.Good, t.Prompt}, t.Class[:]...)
}

// code colours a reply code by its class.
func (t Theme) code(code int) *color.Color {
	if c := code / 100; c >= 0 && c < len(t.Class) {
		return t.Class[c]
	}
	return t.Server
}
