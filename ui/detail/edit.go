package detail

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/tenantops"
)

// editFields are the edit form's values. The name and settings are shown
// escaped (a name from the registry may hold control characters); a value
// left as shown is left as stored.
type editFields struct {
	name, shownName string
	homepage        bool
	settings        string
	shownSettings   string
	// settingsEditable is false when the stored settings are not a JSON
	// object: the form then leaves them alone.
	settingsEditable bool
	save             bool
}

func newEditFields(t tenants.Tenant) *editFields {
	f := &editFields{name: termtext.Line(t.Name), homepage: t.HasHomepage}
	f.shownName = f.name
	raw := bytes.TrimSpace(t.Settings)
	var obj map[string]json.RawMessage
	switch {
	case len(raw) == 0 || string(raw) == "null":
		f.settings, f.settingsEditable = "{}", true
	case json.Unmarshal(raw, &obj) == nil && obj != nil:
		f.settings, f.settingsEditable = escapeJSON(prettyJSON(raw)), true
	}
	f.shownSettings = f.settings
	return f
}

// request is what the form changes, compared with the tenant as loaded.
func (f *editFields) request(t tenants.Tenant) (tenants.EditRequest, error) {
	var req tenants.EditRequest
	if name := strings.TrimSpace(f.name); f.name != f.shownName && name != t.Name {
		req.Name = &name
	}
	if f.homepage != t.HasHomepage {
		req.HasHomepage = &f.homepage
	}
	if !f.settingsEditable || f.settings == f.shownSettings {
		return req, nil
	}
	after, err := settingsObject(f.settings)
	if err != nil {
		return req, err
	}
	before := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(t.Settings)) > 0 && string(bytes.TrimSpace(t.Settings)) != "null" {
		_ = json.Unmarshal(t.Settings, &before)
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			req.UnsetSettings = append(req.UnsetSettings, k)
		}
	}
	for k, v := range after {
		if old, ok := before[k]; !ok || !sameJSON(old, v) {
			if req.SetSettings == nil {
				req.SetSettings = map[string]json.RawMessage{}
			}
			req.SetSettings[k] = v
		}
	}
	return req, nil
}

func settingsObject(s string) (map[string]json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &obj); err != nil || obj == nil {
		return nil, fmt.Errorf("settings must be a JSON object, like {\"theme\": \"dark\"}")
	}
	return obj, nil
}

func sameJSON(a, b json.RawMessage) bool {
	var x, y bytes.Buffer
	if json.Compact(&x, a) != nil || json.Compact(&y, b) != nil {
		return false
	}
	return x.String() == y.String()
}

// editForm is the edit screen for t (opened with e).
func (m *Model) editForm() tea.Cmd {
	t := m.t
	f := newEditFields(t)
	fields := []huh.Field{
		huh.NewInput().Key("name").Title("Name").Value(&f.name).Validate(func(s string) error {
			if s == f.shownName {
				return nil
			}
			return tenants.ValidateTenantName(s)
		}),
		huh.NewConfirm().Key("homepage").Title("Has homepage?").Affirmative("Yes").Negative("No").Value(&f.homepage),
	}
	if f.settingsEditable {
		fields = append(fields, huh.NewText().Key("settings").Title("Settings").
			Description("a JSON object; keys removed here are unset").Lines(5).Value(&f.settings).
			Validate(func(s string) error { _, err := settingsObject(s); return err }))
	} else {
		fields = append(fields, huh.NewNote().Title("Settings").Description("not a JSON object: left as stored (fix them with SQL)"))
	}
	fields = append(fields, tenantops.SaveQuestion("Save the changes?", "Save", &f.save))
	title := "Edit " + termtext.Line(t.Name)
	s := tenantops.NewForm(m.c, title, &f.save, func() tea.Cmd { return m.saveEdit(t, f) }, huh.NewGroup(fields...))
	return common.Push(s)
}

// saveEdit writes what the form changed.
func (m *Model) saveEdit(t tenants.Tenant, f *editFields) tea.Cmd {
	req, err := f.request(t)
	if err != nil {
		return common.FlashError(err)
	}
	if req.Empty() {
		return common.Flash("nothing was changed")
	}
	return m.c.Run(func(ctx context.Context) tea.Msg {
		after, err := m.c.Service.Edit(ctx, t, req)
		if err != nil {
			return common.FlashMsg{Text: fmt.Sprintf("edit tenant %s: %v", termtext.Line(t.Name), err), Error: true}
		}
		return tea.BatchMsg{common.Flash("saved tenant " + termtext.Line(after.Name)), common.TenantsChanged()}
	})
}

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
