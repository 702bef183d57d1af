// Package styles holds every colour and text style of the dashboard, for
// dark and light terminals. Colours are downsampled by the renderer to
// what the terminal supports, and dropped entirely under NO_COLOR, so no
// meaning rests on colour alone (statuses are words, the cursor row is
// reversed, marks are a glyph).
package styles

import (
	"image/color"

	"charm.land/bubbles/v2/textinput"
	"charm.land/lipgloss/v2"

	"github.com/tenancy-dev/tenancy/tenants"
)

// Styles is the dashboard's palette.
type Styles struct {
	IsDark bool

	App, Title, Subtle, Faint, Bold lipgloss.Style
	Header, HeaderKey, HeaderValue  lipgloss.Style
	ReadOnly                        lipgloss.Style
	Footer, FlashInfo, FlashError   lipgloss.Style
	FlashWarn                       lipgloss.Style

	TableHeader, Cursor, Marked, MarkedCursor lipgloss.Style

	Active, Inactive, Blocked, UnknownStatus lipgloss.Style

	Section, Label, Value, Code lipgloss.Style

	Dialog, DialogTitle, Danger   lipgloss.Style
	Button, ButtonFocused         lipgloss.Style
	DangerButton, ButtonDisabled  lipgloss.Style
	StepDone, StepFailed, StepRun lipgloss.Style

	Palette, PalettePrompt lipgloss.Style

	Accent color.Color
}

// New builds the styles for a dark or light background.
func New(isDark bool) *Styles {
	ld := lipgloss.LightDark(isDark)
	accent := ld(lipgloss.Color("#5A56E0"), lipgloss.Color("#8B87FF"))
	subtle := ld(lipgloss.Color("#6B6B6B"), lipgloss.Color("#9A9A9A"))
	faint := ld(lipgloss.Color("#A0A0A0"), lipgloss.Color("#5C5C5C"))
	green := ld(lipgloss.Color("#1E7B34"), lipgloss.Color("#5FD37A"))
	yellow := ld(lipgloss.Color("#8A6100"), lipgloss.Color("#E8C15A"))
	red := ld(lipgloss.Color("#B3261E"), lipgloss.Color("#FF6B6B"))
	barBG := ld(lipgloss.Color("#E4E4F7"), lipgloss.Color("#2A2840"))
	fg := ld(lipgloss.Color("#1A1A1A"), lipgloss.Color("#EDEDED"))

	s := &Styles{IsDark: isDark, Accent: accent}
	s.App = lipgloss.NewStyle()
	s.Title = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.Subtle = lipgloss.NewStyle().Foreground(subtle)
	s.Faint = lipgloss.NewStyle().Foreground(faint)
	s.Bold = lipgloss.NewStyle().Bold(true)

	s.Header = lipgloss.NewStyle().Background(barBG).Foreground(fg)
	s.HeaderKey = lipgloss.NewStyle().Background(barBG).Foreground(subtle)
	s.HeaderValue = lipgloss.NewStyle().Background(barBG).Foreground(fg).Bold(true)
	s.ReadOnly = lipgloss.NewStyle().Background(yellow).Foreground(lipgloss.Color("#000000")).Bold(true)
	s.Footer = lipgloss.NewStyle().Foreground(subtle)
	s.FlashInfo = lipgloss.NewStyle().Foreground(green).Bold(true)
	s.FlashWarn = lipgloss.NewStyle().Foreground(yellow).Bold(true)
	s.FlashError = lipgloss.NewStyle().Foreground(red).Bold(true)

	s.TableHeader = lipgloss.NewStyle().Bold(true).Foreground(subtle)
	s.Cursor = lipgloss.NewStyle().Reverse(true).Bold(true)
	s.Marked = lipgloss.NewStyle().Foreground(accent).Bold(true)
	s.MarkedCursor = lipgloss.NewStyle().Reverse(true).Bold(true).Foreground(accent)

	s.Active = lipgloss.NewStyle().Foreground(green)
	s.Inactive = lipgloss.NewStyle().Foreground(yellow)
	s.Blocked = lipgloss.NewStyle().Foreground(red).Bold(true)
	s.UnknownStatus = lipgloss.NewStyle().Foreground(subtle).Italic(true)

	s.Section = lipgloss.NewStyle().Bold(true).Foreground(accent).MarginTop(1)
	s.Label = lipgloss.NewStyle().Foreground(subtle)
	s.Value = lipgloss.NewStyle()
	s.Code = lipgloss.NewStyle().Foreground(ld(lipgloss.Color("#3D3D3D"), lipgloss.Color("#CFCFCF")))

	s.Dialog = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(1, 2)
	s.DialogTitle = lipgloss.NewStyle().Bold(true)
	s.Danger = lipgloss.NewStyle().Foreground(red).Bold(true)
	s.Button = lipgloss.NewStyle().Padding(0, 2).Border(lipgloss.NormalBorder(), false, false, false, false)
	s.ButtonFocused = s.Button.Reverse(true).Bold(true)
	s.DangerButton = s.Button.Reverse(true).Bold(true).Foreground(red)
	s.ButtonDisabled = s.Button.Foreground(faint).Strikethrough(true)
	s.StepDone = lipgloss.NewStyle().Foreground(green)
	s.StepFailed = lipgloss.NewStyle().Foreground(red).Bold(true)
	s.StepRun = lipgloss.NewStyle().Foreground(accent)

	s.Palette = lipgloss.NewStyle().Foreground(fg)
	s.PalettePrompt = lipgloss.NewStyle().Foreground(accent).Bold(true)
	return s
}

// Input returns the text field styles for this background (set them
// when a field gets the focus: the background may have been learnt since).
func (s *Styles) Input() textinput.Styles {
	st := textinput.DefaultStyles(s.IsDark)
	st.Focused.Prompt = s.PalettePrompt
	return st
}

// Status returns the style for a tenant status.
func (s *Styles) Status(st tenants.Status) lipgloss.Style {
	switch st {
	case tenants.StatusActive:
		return s.Active
	case tenants.StatusInactive:
		return s.Inactive
	case tenants.StatusBlocked:
		return s.Blocked
	}
	return s.UnknownStatus
}
