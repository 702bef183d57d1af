package detail

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// askDomain opens the empty add-domain field.
func (m *Model) askDomain() tea.Cmd {
	m.prompt = addDomain
	m.input.Prompt = "add domain: "
	m.input.Placeholder = "e.g. shop.example.com"
	m.input.SetValue("")
	m.input.SetStyles(m.c.Styles.Input())
	return m.input.Focus()
}

// promptKey handles keys while a domain is typed (add) or chosen among
// the tenant's domains (remove).
func (m *Model) promptKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.Keys
	switch {
	case key.Matches(msg, k.Back):
		m.prompt = noPrompt
		m.input.Blur()
		return nil
	case key.Matches(msg, k.Open):
		kind, t := m.prompt, m.t
		domain := m.input.Value()
		if kind == removeDomain {
			domain = t.Domains[m.choice]
		}
		m.prompt = noPrompt
		m.input.Blur()
		return m.changeDomain(kind, t, domain)
	case m.prompt == addDomain:
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		common.EscapeInput(&m.input)
		return cmd
	case key.Matches(msg, k.NextField, k.Down):
		m.choice = (m.choice + 1) % len(m.t.Domains)
	case key.Matches(msg, k.PrevField, k.Up):
		m.choice = (m.choice + len(m.t.Domains) - 1) % len(m.t.Domains)
	}
	return nil
}

// choices renders the remove prompt: the tenant's domains, the chosen one
// reversed and bracketed (visible under NO_COLOR too).
func (m *Model) choices() string {
	st := m.c.Styles
	parts := make([]string, len(m.t.Domains))
	for i, d := range m.t.Domains {
		d = termtext.Line(d)
		if i == m.choice {
			parts[i] = st.Cursor.Render("[" + d + "]")
		} else {
			parts[i] = " " + d + " "
		}
	}
	return ansi.Truncate(st.PalettePrompt.Render("remove domain: ")+strings.Join(parts, " "), m.width, "…")
}

func (m *Model) promptHelp() []key.Binding {
	k := m.c.Keys
	confirm, cancel := k.Open, k.Back
	confirm.SetHelp("enter", "confirm")
	cancel.SetHelp("esc", "cancel")
	if m.prompt == addDomain {
		return []key.Binding{confirm, cancel}
	}
	choose := k.NextField
	choose.SetHelp("←/→", "choose")
	confirm.SetHelp("enter", "remove")
	return []key.Binding{choose, confirm, cancel}
}

// changeDomain adds or removes the domain as the service normalises it
// (lowercase, no trailing dot), and says so with that spelling.
func (m *Model) changeDomain(kind promptKind, t tenants.Tenant, domain string) tea.Cmd {
	norm, err := tenants.NormalizeDomain(domain)
	if err != nil {
		return common.FlashError(err) // it names the domain
	}
	return m.c.Run(func(ctx context.Context) tea.Msg {
		verb, action := "added", "add"
		if kind == addDomain {
			_, err = m.c.Service.AddDomain(ctx, t, norm)
		} else {
			verb, action = "removed", "remove"
			_, err = m.c.Service.RemoveDomain(ctx, t, norm)
		}
		if err != nil {
			if !strings.Contains(err.Error(), norm) {
				err = fmt.Errorf("%s domain %s on tenant %s: %w", action, norm, termtext.Line(t.Name), err)
			}
			return common.FlashMsg{Text: err.Error(), Error: true}
		}
		return tea.BatchMsg{common.Flash(verb + " domain " + norm), common.TenantsChanged()}
	})
}
