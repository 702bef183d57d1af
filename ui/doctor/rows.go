package doctor

import (
	"fmt"
	"strings"

	health "github.com/tenancy-dev/tenancy/doctor"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// entry is one line of the list: a check's heading or one finding.
type entry struct {
	// check is set on headings; finding is an index into the report's
	// findings otherwise.
	check   string
	counts  map[health.Severity]int
	finding int
}

func (e entry) heading() bool { return e.check != "" }

// severities are what the severity filter cycles through: the least
// severity shown ("" is every finding).
var severities = []health.Severity{"", health.Warn, health.Error}

// findingKey identifies a finding across scans, for marks.
func findingKey(f health.Finding) string {
	return f.Check + "\x00" + f.Tenant + "\x00" + f.Server + "\x00" + f.Object
}

// matches reports whether f contains the filter text (lower case, as
// escaped on screen) in its check, tenant, server, object or evidence.
func matches(f health.Finding, filter string) bool {
	if filter == "" {
		return true
	}
	for _, s := range []string{f.Check, f.TenantName, f.Tenant, f.Server, f.Object, f.Evidence} {
		if strings.Contains(strings.ToLower(termtext.Line(s)), filter) {
			return true
		}
	}
	return false
}

// entries groups the findings shown under the filters by check (the
// report is sorted by check, then severity), each group under a heading
// with its counts by severity.
func entries(rep *health.Report, least health.Severity, filter string) []entry {
	if rep == nil {
		return nil
	}
	filter = strings.ToLower(filter)
	var out []entry
	head := -1
	for i, f := range rep.Findings {
		if least != "" && !f.Severity.AtLeast(least) || !matches(f, filter) {
			continue
		}
		if head < 0 || out[head].check != f.Check {
			out = append(out, entry{check: f.Check, counts: map[health.Severity]int{}})
			head = len(out) - 1
		}
		out[head].counts[f.Severity]++
		out = append(out, entry{finding: i})
	}
	return out
}

// countsText says a group's or a report's counts, worst first, naming
// only the severities present.
func countsText(c map[health.Severity]int) string {
	var parts []string
	for _, s := range []struct {
		sev  health.Severity
		noun string
	}{{health.Error, "error"}, {health.Warn, "warning"}, {health.Info, "info"}} {
		switch n := c[s.sev]; {
		case n == 0:
		case s.sev == health.Info:
			parts = append(parts, fmt.Sprintf("%d info", n))
		default:
			parts = append(parts, common.Plural(n, s.noun))
		}
	}
	if len(parts) == 0 {
		return "no findings"
	}
	return strings.Join(parts, ", ")
}

// tenantLabel names a finding's tenant: its name, else its id.
func tenantLabel(f health.Finding) string {
	switch {
	case f.TenantName != "":
		return f.TenantName
	case f.Tenant != "":
		return f.Tenant
	}
	return "-"
}

// fixLabel is the list's short word for a finding's fix.
func fixLabel(f health.Finding) string {
	switch f.FixKind {
	case health.FixSafe:
		return "fix"
	case health.FixDestructive:
		return "drop"
	}
	return "-"
}
