package detail

import (
	"fmt"
	"strings"
	"unicode"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/tenancy-dev/tenancy/ui/common"
)

// formScreen is a huh form pushed over the detail screen (edit, down). It
// ends with a Save/Cancel question that starts on Cancel, so enter typed
// through the fields (or a stray key) never writes: only a deliberate
// choice of the action does.
type formScreen struct {
	c      *common.Context
	title  string
	form   *huh.Form
	save   *bool
	submit func() tea.Cmd
	width  int
	height int
}

func newFormScreen(c *common.Context, title string, save *bool, submit func() tea.Cmd, groups ...*huh.Group) *formScreen {
	f := huh.NewForm(groups...).WithShowHelp(true).
		WithTheme(huh.ThemeFunc(func(bool) *huh.Styles { return formTheme(c.Styles.IsDark) }))
	return &formScreen{c: c, title: title, form: f, save: save, submit: submit}
}

// formTheme is huh's Charm theme with the chosen button also bold and
// underlined (visible under NO_COLOR), as ui/create's.
func formTheme(isDark bool) *huh.Styles {
	t := huh.ThemeCharm(isDark)
	t.Focused.FocusedButton = t.Focused.FocusedButton.Bold(true).Underline(true)
	t.Blurred.FocusedButton = t.Blurred.FocusedButton.Bold(true).Underline(true)
	return t
}

// saveQuestion is the form's last field: Save or Cancel, on Cancel.
func saveQuestion(title, action string, save *bool) huh.Field {
	return huh.NewConfirm().Key("save").Title(title).Affirmative(action).Negative("Cancel").Value(save)
}

func (s *formScreen) Init() tea.Cmd   { return s.form.Init() }
func (s *formScreen) Title() string   { return s.title }
func (s *formScreen) Capturing() bool { return true }

func (s *formScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.form = s.form.WithWidth(min(w-2, 80)).WithHeight(max(h-2, 5))
}

func (s *formScreen) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
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

func (s *formScreen) View() string {
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

func (s *formScreen) ShortHelp() []key.Binding {
	cancel := s.c.Keys.Back
	cancel.SetHelp("esc", "cancel")
	return []key.Binding{cancel}
}

func (s *formScreen) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }

// escapeJSON makes JSON text safe for a form field: a control or bidi
// character can only sit inside a JSON string, where \uXXXX means the
// same character, so the value is unchanged when parsed again.
func escapeJSON(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029') {
			fmt.Fprintf(&b, `\u%04x`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
