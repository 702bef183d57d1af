package tenants

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tenancy-dev/tenancy/config"
)

// keyMaintenance is the data key stancl/tenancy v3's MaintenanceMode trait
// writes; its CheckTenantForMaintenanceMode middleware reads it.
const keyMaintenance = "maintenance_mode"

// MaintenanceForm names one of the two shapes stancl v3 gives
// data.maintenance_mode.
type MaintenanceForm string

// The two forms. MaintenanceExcept is the current trait's
// (except/redirect/retry/refresh/secret/status, Laravel 8's down file);
// MaintenanceTime the first one's (time/message/retry/allowed).
const (
	MaintenanceExcept MaintenanceForm = config.MaintenanceFormExcept
	MaintenanceTime   MaintenanceForm = config.MaintenanceFormTime
)

// Maintenance is a tenant's maintenance mode as read from either form.
// Keys of the other form are kept when present, so one reader serves both.
type Maintenance struct {
	// Form is the shape it was stored in ("" when no key tells).
	Form MaintenanceForm `json:"form,omitempty"`
	// Since is the time form's "time" (when it went down).
	Since    *time.Time `json:"since,omitempty"`
	Message  string     `json:"message,omitempty"`
	Retry    int        `json:"retry,omitempty"`
	Refresh  int        `json:"refresh,omitempty"`
	Allowed  []string   `json:"allowed,omitempty"`
	Except   []string   `json:"except,omitempty"`
	Redirect string     `json:"redirect,omitempty"`
	Secret   string     `json:"secret,omitempty"`
	Status   int        `json:"status,omitempty"`
	Template string     `json:"template,omitempty"`
}

// Summary says in one line whether the tenant is down and how: "off", or
// "ON (503), retry 60s, bypass secret set, allowed 10.0.0.0/8, except
// form". The secret itself is never in it. Allowed addresses come from the
// tenant's data: a terminal sink escapes the line.
func (m *Maintenance) Summary() string {
	if m == nil {
		return "off"
	}
	parts := []string{fmt.Sprintf("ON (%d)", m.HTTPStatus())}
	if m.Retry > 0 {
		parts = append(parts, fmt.Sprintf("retry %ds", m.Retry))
	}
	if m.Secret != "" {
		parts = append(parts, "bypass secret set")
	}
	if len(m.Allowed) > 0 {
		parts = append(parts, "allowed "+strings.Join(m.Allowed, ", "))
	}
	if m.Form != "" {
		parts = append(parts, string(m.Form)+" form")
	}
	return strings.Join(parts, ", ")
}

// HTTPStatus is the status a request is answered with (503 unless the
// except form names another, as Laravel does).
func (m Maintenance) HTTPStatus() int {
	if m.Status >= 200 && m.Status <= 599 {
		return m.Status
	}
	return 503
}

// ParseMaintenance reads data.maintenance_mode. Like PHP's truthiness in
// stancl's middleware, null, false, "", 0, [] and {} mean up (nil); any
// other value means down. Numbers may be JSON numbers or strings, and
// allowed/except a list or one string (PHP's (array) cast).
func ParseMaintenance(raw json.RawMessage) *Maintenance {
	raw = bytes.TrimSpace(raw)
	switch string(raw) {
	case "", "null", "false", `""`, "0", `"0"`, "[]", "{}":
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return &Maintenance{} // a truthy scalar or list: down, with defaults
	}
	m := &Maintenance{
		Message: jsonString(obj["message"]), Retry: jsonInt(obj["retry"]), Refresh: jsonInt(obj["refresh"]),
		Allowed: jsonList(obj["allowed"]), Except: jsonList(obj["except"]), Redirect: jsonString(obj["redirect"]),
		Secret: jsonString(obj["secret"]), Status: jsonInt(obj["status"]), Template: jsonString(obj["template"]),
	}
	if ts := jsonInt(obj["time"]); ts > 0 {
		t := time.Unix(int64(ts), 0).UTC()
		m.Since = &t
	}
	// "time" only the first trait writes; the except form's keys only the
	// current one (an extra key tenancy adds for its own middleware, such
	// as a secret in the time form, never decides).
	if _, ok := obj["time"]; ok {
		m.Form = MaintenanceTime
		return m
	}
	for _, k := range []string{"except", "redirect", "refresh", "secret", "status", "template"} {
		if _, ok := obj[k]; ok {
			m.Form = MaintenanceExcept
			return m
		}
	}
	for _, k := range []string{"message", "allowed"} {
		if _, ok := obj[k]; ok {
			m.Form = MaintenanceTime
			return m
		}
	}
	return m
}

func jsonString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

func jsonInt(raw json.RawMessage) int {
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0
		}
		n = json.Number(strings.TrimSpace(s))
	}
	if i, err := strconv.Atoi(n.String()); err == nil {
		return i
	}
	if f, err := n.Float64(); err == nil {
		return int(f)
	}
	return 0
}

func jsonList(raw json.RawMessage) []string {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		if s := jsonString(raw); s != "" {
			return []string{s}
		}
		return nil
	}
	var out []string
	for _, v := range list {
		if s := jsonString(v); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// DownRequest is what `tenants down` sets.
type DownRequest struct {
	// Message is shown to visitors (the time form's message).
	Message string
	// Retry is the Retry-After header in seconds (0: none).
	Retry int
	// Secret, when set, lets a browser in: visiting /SECRET sets Laravel's
	// bypass cookie (except form).
	Secret string
	// Allowed IPs or CIDR ranges pass (the time form's allowed).
	Allowed []string
	// Form overrides [tenancy] maintenance_form ("": the configured one).
	Form MaintenanceForm
}

// maxRetry bounds Retry-After (a week): a larger value is a typo.
const maxRetry = 7 * 24 * 3600

// Validate names the first value that cannot be stored.
func (r DownRequest) Validate() error {
	if r.Retry < 0 || r.Retry > maxRetry {
		return fmt.Errorf("retry %d is not between 0 and %d seconds (a week)", r.Retry, maxRetry)
	}
	if err := validateText("maintenance message", r.Message, 1000); err != nil {
		return err
	}
	if r.Secret != "" {
		if len(r.Secret) > 255 {
			return fmt.Errorf("maintenance secret is %d bytes long; at most 255", len(r.Secret))
		}
		for i, c := range r.Secret {
			if !isNameRune(c) && c != '.' && c != '~' {
				return fmt.Errorf("maintenance secret has %s at byte %d: it is a URL path (/SECRET), so it may hold only ASCII letters, digits, '_', '-', '.' and '~'", describeRune(c), i)
			}
		}
	}
	for _, a := range r.Allowed {
		if _, err := parseAllowed(a); err != nil {
			return err
		}
	}
	switch r.Form {
	case "", MaintenanceExcept, MaintenanceTime:
	default:
		return fmt.Errorf("maintenance form %q is not one of except, time", r.Form)
	}
	return nil
}

// parseAllowed reads an allowed entry: an IP address or a CIDR range.
func parseAllowed(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("allowed address %q is neither an IP address (203.0.113.7, 2001:db8::1) nor a CIDR range (203.0.113.0/24)", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Allows reports whether ip (a remote address without port) is in the
// allowed list, as Symfony's IpUtils::checkIp does for stancl's middleware.
func (m Maintenance) Allows(ip string) bool {
	a, err := netip.ParseAddr(strings.Trim(ip, "[]"))
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, s := range m.Allowed {
		if p, err := parseAllowed(s); err == nil && p.Contains(a) {
			return true
		}
	}
	return false
}

// validateText refuses what a stored text shown on terminals and pages
// must not hold: invalid UTF-8 and control characters other than tab.
func validateText(what, s string, max int) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8", what)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Errorf("%s is %d characters long; at most %d", what, n, max)
	}
	for i, c := range s {
		if c != '\t' && isControl(c) {
			return fmt.Errorf("%s has the control character %s at byte %d", what, describeRune(c), i)
		}
	}
	return nil
}

// encodeMaintenance writes m in form, with stancl's keys in stancl's order
// (nulls included, as its trait writes them); a value the form has no key
// for is added under the other form's key, which stancl ignores.
func encodeMaintenance(m Maintenance, form MaintenanceForm) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('{')
	n := 0
	put := func(k string, v any) {
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		kj, _ := json.Marshal(k)
		vj, _ := json.Marshal(v)
		b.Write(kj)
		b.WriteByte(':')
		b.Write(vj)
	}
	orNil := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	intOrNil := func(i int) any {
		if i == 0 {
			return nil
		}
		return i
	}
	if form == MaintenanceTime {
		since := time.Now()
		if m.Since != nil {
			since = *m.Since
		}
		allowed := m.Allowed
		if allowed == nil {
			allowed = []string{}
		}
		put("time", since.Unix())
		put("message", orNil(m.Message))
		put("retry", intOrNil(m.Retry))
		put("allowed", allowed)
		if m.Secret != "" {
			put("secret", m.Secret)
		}
	} else {
		var except any
		if len(m.Except) > 0 {
			except = m.Except
		}
		put("except", except)
		put("redirect", orNil(m.Redirect))
		put("retry", intOrNil(m.Retry))
		put("refresh", intOrNil(m.Refresh))
		put("secret", orNil(m.Secret))
		put("status", m.HTTPStatus())
		if m.Message != "" {
			put("message", m.Message)
		}
		if len(m.Allowed) > 0 {
			put("allowed", m.Allowed)
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

// IgnoredByLaravel lists what stancl's middleware for form does not
// honour in r (tenancy's middleware honours all of it), for a warning.
func (r DownRequest) IgnoredByLaravel(form MaintenanceForm) []string {
	var out []string
	if form == MaintenanceTime && r.Secret != "" {
		out = append(out, "secret (the time form has no bypass cookie)")
	}
	if form == MaintenanceExcept && len(r.Allowed) > 0 {
		out = append(out, "allowed IPs (the except form has none; use a secret)")
	}
	if form == MaintenanceExcept && r.Message != "" {
		out = append(out, "message (the except form shows its 503 page)")
	}
	return out
}
