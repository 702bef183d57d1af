package backups

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// needsIdentity reports whether reading b's SQL needs an identity file
// that nobody gave: b is encrypted and [backup] identity_file is unset.
func (m *Model) needsIdentity(b backup.Backup) bool {
	return b.Encrypted() && m.c.Config.Backup.IdentityFile == ""
}

// identityCheckedMsg is the answer to an identity file's check against
// the backup's age header (path as opened: ~ expanded).
type identityCheckedMsg struct {
	id   int
	path string
	err  error
}

// identityForm asks for the age identity file that decrypts an encrypted
// backup when [backup] identity_file is not set. What is typed is checked
// against the stored backup's age header before next runs with the path:
// a file that is none of the recipients' is refused in the form, naming
// them, and nothing is read or written further. optional (verify) lets
// an empty answer go on without one (size and checksum only).
type identityForm struct {
	c        *common.Context
	b        backup.Backup
	what     string // "restore" or "verify"
	optional bool
	input    textinput.Model
	err      error
	checking int // the check in flight (0: none)
	next     func(path string) tea.Cmd
	width    int
}

func newIdentityForm(c *common.Context, b backup.Backup, what string, optional bool, next func(path string) tea.Cmd) *identityForm {
	in := textinput.New()
	in.Prompt = "Identity file > "
	in.Placeholder = "~/.config/age/key.txt"
	if optional {
		in.Placeholder = "empty: size and checksum only"
	}
	in.CharLimit = 4096
	d := common.Local[dashboard](c)
	d.mu.Lock()
	in.SetValue(d.identity) // the last one given in this dashboard
	d.mu.Unlock()
	in.CursorEnd()
	return &identityForm{c: c, b: b, what: what, optional: optional, input: in, next: next}
}

func (f *identityForm) IsDialog()       {}
func (f *identityForm) Title() string   { return "Identity" }
func (f *identityForm) Capturing() bool { return true }
func (f *identityForm) SetSize(w, _ int) {
	f.width = w
	f.input.SetWidth(f.innerWidth() - lipgloss.Width(f.input.Prompt) - 1)
}

func (f *identityForm) Init() tea.Cmd {
	f.input.SetStyles(f.c.Styles.Input())
	return f.input.Focus()
}

// innerWidth is the dialog's text width.
func (f *identityForm) innerWidth() int { return min(max(f.width-10, 30), 70) }

func (f *identityForm) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case identityCheckedMsg:
		if msg.id != f.checking {
			return f, nil
		}
		f.checking = 0
		if f.err = msg.err; f.err != nil { // ask again, with the path typed
			return f, nil
		}
		d := common.Local[dashboard](f.c)
		d.mu.Lock()
		d.identity = msg.path
		d.mu.Unlock()
		return f, tea.Sequence(common.Back(), f.next(msg.path))
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, f.c.Keys.Back):
			f.checking = 0
			return f, common.Back()
		case f.checking != 0:
			return f, nil // the check's answer decides
		case msg.Code == tea.KeyEnter:
			return f, f.submit()
		}
	}
	var cmd tea.Cmd
	f.input, cmd = f.input.Update(msg) // typing, a paste, the cursor's blink
	common.EscapeInput(&f.input)
	return f, cmd
}

// submit goes on without an identity (optional and empty) or checks the
// file typed.
func (f *identityForm) submit() tea.Cmd {
	path := strings.TrimSpace(f.input.Value())
	switch {
	case path == "" && f.optional:
		return tea.Sequence(common.Back(), f.next(""))
	case path == "":
		f.err = errNoIdentityFile
		return nil
	}
	f.err = nil
	return f.check(path)
}

var errNoIdentityFile = errors.New("type the path of an age identity file (age-keygen's output), or esc")

// check opens the identity file and the backup's age header with it.
func (f *identityForm) check(path string) tea.Cmd {
	f.checking = f.c.NextID()
	id, c, b := f.checking, f.c, f.b
	return c.Run(func(ctx context.Context) tea.Msg {
		if rest, ok := strings.CutPrefix(path, "~/"); ok {
			if home, err := os.UserHomeDir(); err == nil {
				path = filepath.Join(home, rest)
			}
		}
		bs, err := backup.Open(ctx, c.Service)
		if err == nil {
			err = bs.CheckIdentityFile(ctx, b, path)
		}
		return identityCheckedMsg{id: id, path: path, err: err}
	})
}

func (f *identityForm) View() string {
	st := f.c.Styles
	w := f.innerWidth()
	var out strings.Builder
	say := func(style lipgloss.Style, text string) {
		out.WriteString(style.Render(ansi.Wrap(text, w, " ")) + "\n")
	}
	to := "recipients the catalog does not know"
	if len(f.b.EncryptedTo) > 0 {
		to = termtext.Line(strings.Join(f.b.EncryptedTo, ", "))
	}
	say(st.DialogTitle, fmt.Sprintf("Backup %d is encrypted", f.b.ID))
	say(st.Subtle, "It was made for "+to+".")
	hint := "The " + f.what + " needs the age identity file of one of them, on the machine tenancy runs on ([backup] identity_file sets it for good)."
	if f.optional {
		hint = "A full verify decrypts it with the age identity file of one of them; leave it empty to check the stored size and checksum only."
	}
	say(st.Subtle, hint)
	out.WriteString("\n" + f.input.View() + "\n\n")
	switch {
	case f.checking != 0:
		say(st.Subtle, "checking the file against the backup…")
		out.WriteString("\n")
	case f.err != nil:
		say(st.FlashError, common.Message(f.err.Error()))
		out.WriteString("\n")
	}
	out.WriteString(st.Subtle.Render("enter checks it · esc cancels"))
	return st.Dialog.Render(out.String())
}

func (f *identityForm) ShortHelp() []key.Binding {
	k := f.c.Keys
	next, cancel := k.NextField, k.Back
	next.SetHelp("enter", "check and "+f.what)
	cancel.SetHelp("esc", "cancel")
	return []key.Binding{next, cancel}
}

func (f *identityForm) FullHelp() [][]key.Binding { return [][]key.Binding{f.ShortHelp()} }
