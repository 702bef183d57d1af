package tenantops

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/tenancy-dev/tenancy/ui/common"
)

// Form is a huh form pushed over a screen (the detail's edit, maintenance
// down from the detail and the list). It ends with a Save/Cancel question
// (SaveQuestion) that starts on Cancel, so enter typed through the fields
// (or a stray key) never writes: only a deliberate choice of the action
// does.
type Form struct {
	c      *common.Context
	title  string
	form   *huh.Form
	save   *bool
	submit func() tea.Cmd
	width  int
	height int
}

// NewForm returns the form of groups; submit runs once when *save was
// chosen.
func NewForm(c *common.Context, title string, save *bool, submit func() tea.Cmd, groups ...*huh.Group) *Form {
	f := huh.NewForm(groups...).WithShowHelp(true).
		WithTheme(huh.ThemeFunc(func(bool) *huh.Styles { return formTheme(c.Styles.IsDark) }))
	return &Form{c: c, title: title, form: f, save: save, submit: submit}
}

// formTheme is huh's Charm theme with the chosen button also bold and
// underlined (visible under NO_COLOR), as ui/create's.
func formTheme(isDark bool) *huh.Styles {
	t := huh.ThemeCharm(isDark)
	t.Focused.FocusedButton = t.Focused.FocusedButton.Bold(true).Underline(true)
	t.Blurred.FocusedButton = t.Blurred.FocusedButton.Bold(true).Underline(true)
	return t
}

// SaveQuestion is a form's last field: action or Cancel, on Cancel.
func SaveQuestion(title, action string, save *bool) huh.Field {
	return huh.NewConfirm().Key("save").Title(title).Affirmative(action).Negative("Cancel").Value(save)
}

// Init implements common.Screen.
func (s *Form) Init() tea.Cmd { return s.form.Init() }

// Title implements common.Screen.
func (s *Form) Title() string { return s.title }

// Capturing implements common.Screen: every key is the form's.
func (s *Form) Capturing() bool { return true }

// Saving reports whether the action (not Cancel) is chosen.
func (s *Form) Saving() bool { return *s.save }

// SetSize implements common.Screen.
func (s *Form) SetSize(w, h int) {
	s.width, s.height = w, h
	s.form = s.form.WithWidth(min(w-2, 80)).WithHeight(max(h-2, 5))
}

// Update implements common.Screen.
func (s *Form) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, s.c.Keys.Back) {
		return s, tea.Batch(common.Back(), common.Flash("nothing was changed"))
	}
	fm, cmd := s.form.Update(msg)
	s.form = fm.(*huh.Form)
	switch s.form.State {
	case huh.StateCompleted:
		s.form.State = huh.StateAborted // one submit, however many keys follow
		if !*s.save {
			return s, tea.Batch(common.Back(), common.Flash("cancelled: nothing was changed"))
		}
		return s, tea.Sequence(common.Back(), s.submit())
	case huh.StateAborted:
		return s, nil
	}
	return s, cmd
}

// View implements common.Screen.
func (s *Form) View() string {
	st := s.c.Styles
	return st.Title.Render(s.title) + "\n" + fit(s.form.View(), s.height-1)
}

// fit keeps the first n lines of a view (huh may render more than its
// height at small sizes).
func fit(v string, n int) string {
	lines := strings.Split(v, "\n")
	if len(lines) > n && n > 0 {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// ShortHelp implements help.KeyMap.
func (s *Form) ShortHelp() []key.Binding {
	cancel := s.c.Keys.Back
	cancel.SetHelp("esc", "cancel")
	return []key.Binding{cancel}
}

// FullHelp implements help.KeyMap.
func (s *Form) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }
