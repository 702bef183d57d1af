package common

import (
	"time"

	tea "charm.land/bubbletea/v2"
)

// PushedMsg tells the screens beneath that the root pushed a screen
// (DialogGuard waits for it).
type PushedMsg struct{}

// guardLimit bounds how long a guard waits for its dialog: a command
// that ends without pushing one must not leave the screen deaf.
const guardLimit = 2 * time.Second

// DialogGuard keeps a screen's keys from acting between the key that
// asks for a dialog and the root pushing it: the push is a message that
// keys typed ahead (`d enter enter`) can overtake. A screen passes the
// dialog's command through Open and asks Swallow for every message.
type DialogGuard struct {
	until time.Time
}

// Open arms the guard when cmd opens a dialog, and returns cmd.
func (g *DialogGuard) Open(c *Context, cmd tea.Cmd) tea.Cmd {
	if cmd != nil {
		g.until = c.Now().Add(guardLimit)
	}
	return cmd
}

// Swallow reports whether msg is a key to drop because the dialog is not
// on screen yet; a PushedMsg disarms the guard, and so does a flash (the
// dialog will not come: its tenant was not found, there is nothing to do).
func (g *DialogGuard) Swallow(c *Context, msg tea.Msg) bool {
	switch msg.(type) {
	case PushedMsg, FlashMsg:
		g.until = time.Time{}
	case tea.KeyPressMsg:
		return c.Now().Before(g.until)
	}
	return false
}
