package common

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"
)

// OpenMsg asks the root to build the named screen and push it. Home
// (a palette command's, as k9s does) first pops every screen above home,
// unless one of them is Busy; a dialog never replaces.
type OpenMsg struct {
	Name, Arg string
	Data      any
	Home      bool
}

// PushMsg asks the root to push a screen already built (dialogs).
type PushMsg struct{ Screen Screen }

// BackMsg asks the root to pop the top screen.
type BackMsg struct{}

// QuitMsg asks the root to end the program.
type QuitMsg struct{}

// FlashMsg shows a message in the footer for TTL (DefaultFlashTTL if 0).
type FlashMsg struct {
	Text  string
	Error bool
	// Warn marks a message that is not an error but not a success either
	// (⚠ instead of ✓).
	Warn bool
	TTL  time.Duration
}

// Mark is the sign the footer puts before the message: ✗, ⚠ or ✓.
func (f FlashMsg) Mark() string {
	switch {
	case f.Error:
		return "✗ "
	case f.Warn:
		return "⚠ "
	}
	return "✓ "
}

// DefaultFlashTTL is how long a flash message stays; errors stay twice
// as long (and the last ones are listed in the ? help).
const DefaultFlashTTL = 4 * time.Second

// TaskMsg starts (Done false) or ends (Done true) a task shown with a
// spinner in the footer.
type TaskMsg struct {
	ID   string
	Text string
	Done bool
}

// SlotMsg sets a header slot (say "cache" or "work") to Text; empty
// Text clears it. Short, if set, is the compact form the header falls
// back to when narrow (say "redis ✓" for "cache 120µs").
type SlotMsg struct{ Slot, Text, Short string }

// TenantsChangedMsg says tenants were written: lists reload.
type TenantsChangedMsg struct{}

// TenantCountMsg tells the header how many tenants the registry holds.
type TenantCountMsg struct{ N int }

// Plural counts a noun: "1 tenant", "8 tenants".
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func msgCmd(m tea.Msg) tea.Cmd { return func() tea.Msg { return m } }

// Open returns a command that opens the named screen.
func Open(name, arg string, data any) tea.Cmd {
	return msgCmd(OpenMsg{Name: name, Arg: arg, Data: data})
}

// Push returns a command that pushes s.
func Push(s Screen) tea.Cmd { return msgCmd(PushMsg{Screen: s}) }

// Back returns a command that closes the top screen.
func Back() tea.Cmd { return msgCmd(BackMsg{}) }

// Quit returns a command that ends the dashboard.
func Quit() tea.Cmd { return msgCmd(QuitMsg{}) }

// Flash returns a command that shows an informational footer message.
func Flash(text string) tea.Cmd { return msgCmd(FlashMsg{Text: text}) }

// FlashError returns a command that shows err as a footer message.
func FlashError(err error) tea.Cmd { return msgCmd(FlashMsg{Text: err.Error(), Error: true}) }

// FlashFirstError keeps err as a polling screen's last load error in
// *last and flashes it (after what, when given) only when the load
// before succeeded: a poll that keeps failing says so once (nil when it
// said so already).
func FlashFirstError(last *error, err error, what string) tea.Cmd {
	first := *last == nil
	*last = err
	switch {
	case !first:
		return nil
	case what != "":
		return FlashError(fmt.Errorf("%s: %w", what, err))
	}
	return FlashError(err)
}

// StartTask and EndTask bracket a long operation for the footer spinner.
func StartTask(id, text string) tea.Cmd { return msgCmd(TaskMsg{ID: id, Text: text}) }

// EndTask ends the task started with the same id.
func EndTask(id string) tea.Cmd { return msgCmd(TaskMsg{ID: id, Done: true}) }

// SetSlot returns a command that sets a header slot.
func SetSlot(slot, text string) tea.Cmd { return msgCmd(SlotMsg{Slot: slot, Text: text}) }

// TenantsChanged returns a command that makes lists reload.
func TenantsChanged() tea.Cmd { return msgCmd(TenantsChangedMsg{}) }
