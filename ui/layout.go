package ui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// fit cuts or pads s to exactly h lines of at most w cells, so the footer
// stays on the last line whatever a screen renders.
func fit(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if lipgloss.Width(l) > w {
			lines[i] = ansi.Truncate(l, w, "")
		}
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// overlay draws fg over bg (w x h) with its top-left corner at x, y.
func overlay(bg, fg string, x, y, w, h int) string {
	return lipgloss.NewCompositor(lipgloss.NewLayer(fit(bg, w, h)), lipgloss.NewLayer(fg).X(x).Y(max(y, 0)).Z(1)).Render()
}

func padRight(s string, n int) string {
	if w := lipgloss.Width(s); w < n {
		return s + strings.Repeat(" ", n-w)
	}
	return s
}
