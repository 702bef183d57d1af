package tenants

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/jmoiron/sqlx"

	"github.com/tenancy-dev/tenancy/access"
)

// EditRequest changes a tenant's editable attributes; nil and empty
// fields are left as they are.
type EditRequest struct {
	Name        *string
	HasHomepage *bool
	// SetSettings sets keys of the settings object (artflow's settings
	// column, or data.settings on a stancl registry); other keys stay.
	SetSettings map[string]json.RawMessage
	// UnsetSettings removes keys of the settings object.
	UnsetSettings []string
}

// Empty reports whether the request changes nothing.
func (r EditRequest) Empty() bool {
	return r.Name == nil && r.HasHomepage == nil && len(r.SetSettings) == 0 && len(r.UnsetSettings) == 0
}

// maxTenantName is artflow's name column (VARCHAR(255)).
const maxTenantName = 255

// ValidateTenantName checks a display name tenancy writes: not blank, at
// most 255 characters, no control or bidi-override characters (names
// already in a registry are shown escaped; new ones are kept clean).
func ValidateTenantName(name string) error {
	if strings.TrimSpace(name) == "" {
		return fmt.Errorf("a tenant needs a name")
	}
	return validateText("tenant name", name, maxTenantName)
}

// Validate names the first value that cannot be written.
func (r EditRequest) Validate() error {
	if r.Name != nil {
		if err := ValidateTenantName(*r.Name); err != nil {
			return err
		}
	}
	for k, v := range r.SetSettings {
		if err := validateSettingKey(k); err != nil {
			return err
		}
		if !json.Valid(v) {
			return fmt.Errorf("setting %q: %s is not JSON (use key=value for a string, key:=JSON for numbers, booleans, lists)", k, v)
		}
		if slices.Contains(r.UnsetSettings, k) {
			return fmt.Errorf("setting %q is both set and unset: pick one", k)
		}
	}
	for _, k := range r.UnsetSettings {
		if err := validateSettingKey(k); err != nil {
			return err
		}
	}
	return nil
}

func validateSettingKey(k string) error {
	if strings.TrimSpace(k) == "" {
		return fmt.Errorf("a setting needs a key (key=value)")
	}
	return validateText(fmt.Sprintf("setting key %q", k), k, 255)
}

// ParseSetting reads one --setting argument: key=value sets a string,
// key:=JSON sets any JSON value (42, true, ["a"], {"x":1}, null).
func ParseSetting(arg string) (string, json.RawMessage, error) {
	i := strings.IndexByte(arg, '=')
	if i <= 0 {
		return "", nil, fmt.Errorf("setting %q is not key=value or key:=JSON", arg)
	}
	k, v := arg[:i], arg[i+1:]
	if raw, ok := strings.CutSuffix(k, ":"); ok && raw != "" {
		if !json.Valid([]byte(v)) {
			return "", nil, fmt.Errorf("setting %s:=%s: the value is not JSON (quote strings: %s:='\"text\"', or use %s=text)", raw, v, raw, raw)
		}
		return raw, json.RawMessage(v), nil
	}
	s, _ := json.Marshal(v)
	return k, s, nil
}

// Edit writes the request under the tenant's row lock: the settings are
// read, changed and written in one transaction, so a concurrent write to
// other keys is not lost, and on a stancl registry every data key the
// request does not name survives. The change is published.
func (s *Service) Edit(ctx context.Context, t Tenant, req EditRequest) (_ Tenant, err error) {
	if err := access.Require(ctx, access.TenantEdit, t.ID); err != nil {
		return t, err
	}
	defer access.Done(ctx, access.TenantEdit, t.ID, &err)
	if s.readOnly {
		return t, ErrReadOnly
	}
	if err := req.Validate(); err != nil {
		return t, err
	}
	if req.Empty() {
		return t, fmt.Errorf("nothing to change: give --name, --homepage, --setting or --unset-setting")
	}
	err = s.reg.updateWith(ctx, t.ID, func(cur Tenant) (attrs, error) {
		a := attrs{}
		if req.Name != nil {
			a["name"] = strings.TrimSpace(*req.Name)
		}
		if req.HasHomepage != nil {
			a["has_homepage"] = *req.HasHomepage
		}
		if len(req.SetSettings) > 0 || len(req.UnsetSettings) > 0 {
			settings, err := editSettings(cur, req)
			if err != nil {
				return nil, err
			}
			if settings != nil {
				a["settings"] = settings
			}
		}
		return a, nil
	})
	if err != nil {
		return t, err
	}
	return s.changed(ctx, t.ID, t.Domains)
}

// editSettings applies the request to the tenant's settings object; nil
// means nothing to write (no settings, and only keys unset).
func editSettings(cur Tenant, req EditRequest) (json.RawMessage, error) {
	obj := map[string]json.RawMessage{}
	raw := strings.TrimSpace(string(cur.Settings))
	empty := raw == "" || raw == "null"
	if !empty {
		if err := json.Unmarshal([]byte(raw), &obj); err != nil || obj == nil {
			return nil, fmt.Errorf("tenant %s: its settings are not a JSON object (%.60q), so keys cannot be changed safely; fix them with SQL first", cur.ID, raw)
		}
	}
	for _, k := range req.UnsetSettings {
		delete(obj, k)
	}
	keys := make([]string, 0, len(req.SetSettings))
	for k := range req.SetSettings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		obj[k] = req.SetSettings[k]
	}
	if empty && len(obj) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode settings of tenant %s: %w", cur.ID, err)
	}
	return b, nil
}

// updateWith reads the tenant's row under a lock, lets fn decide the
// attributes from what is stored now, and writes them in one transaction.
func (r *Registry) updateWith(ctx context.Context, id string, fn func(Tenant) (attrs, error)) error {
	return withTx(ctx, r.db, func(tx *sqlx.Tx) error {
		var row tenantRow
		err := tx.QueryRowxContext(ctx, "SELECT "+r.selectList()+" FROM `tenants` WHERE `id` = ? FOR UPDATE", id).StructScan(&row)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("tenant %s: %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("read tenant %s: %w", id, err)
		}
		a, err := fn(r.fromRow(row))
		if err != nil {
			return err
		}
		return r.updateTx(ctx, tx, id, a)
	})
}

// isControl reports C0/C1 controls, DEL and the bidi controls that could
// reorder what a terminal shows.
func isControl(c rune) bool {
	return unicode.IsControl(c) || unicode.Is(unicode.Bidi_Control, c)
}
