package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/tenancy-dev/tenancy/doctor"
	"github.com/tenancy-dev/tenancy/termtext"
)

// printDoctorJSON writes one exact JSON object per finding, then a
// summary object ("event": "summary") with each check's count and time.
func printDoctorJSON(w io.Writer, rep doctor.Report) {
	enc := jsonLines(w)
	for _, f := range rep.Findings {
		_ = enc.Encode(f)
	}
	_ = enc.Encode(struct {
		Event    string               `json:"event"`
		Counts   map[string]int       `json:"counts"`
		Checks   []doctor.CheckResult `json:"checks"`
		Tenants  int                  `json:"tenants"`
		Servers  int                  `json:"servers"`
		Queries  int                  `json:"queries"`
		ScanTook time.Duration        `json:"scan_took_ns"`
		Took     time.Duration        `json:"took_ns"`
	}{"summary", severityCounts(rep), rep.Checks, rep.Tenants, rep.Servers, rep.Queries, rep.ScanTook, rep.Took})
}

// printDoctorReport writes the findings grouped by check group, each
// group with its count and time; info findings beyond limit per check are
// counted, not listed. Every line fits reportWidth and every text is
// escaped (printFinding).
func printDoctorReport(w io.Writer, rep doctor.Report, limit int) {
	byGroup := map[string][]doctor.Finding{}
	group := groupOf()
	for _, f := range rep.Findings {
		byGroup[group[f.Check]] = append(byGroup[group[f.Check]], f)
	}
	for _, c := range rep.Checks {
		list := byGroup[c.Name]
		status := "ok"
		if len(list) > 0 {
			status = plural(len(list), "finding")
		}
		printf(w, "%s: %s (%s)\n", c.Name, status, took(c.Took))
		if c.Error != "" {
			printWrapped(w, "  ", "could not check everything: "+c.Error)
		}
		if len(list) == 0 {
			continue
		}
		shown := map[string]int{}
		hidden := map[string]int{}
		for _, f := range list {
			if f.Severity == doctor.Info && shown[f.Check] >= limit {
				hidden[f.Check]++
				continue
			}
			shown[f.Check]++
			printFinding(w, f)
		}
		for _, check := range sortedKeys(hidden) {
			printWrapped(w, "  ", fmt.Sprintf("… and %d more %s (info; --list N shows more, --json all)", hidden[check], check))
		}
	}
	c := rep.Counts()
	printWrapped(w, "", fmt.Sprintf("Doctor: %s, %s, %d info over %s on %s in %s (scan %s, %d queries).",
		plural(c[doctor.Error], "error"), plural(c[doctor.Warn], "warning"), c[doctor.Info], plural(rep.Tenants, "tenant"), plural(rep.Servers, "server"),
		took(rep.Took), took(rep.ScanTook), rep.Queries))
}

// reportWidth is the width the text report fits: an 80-column terminal,
// a cron mail.
const reportWidth = 80

// printFinding writes one finding in at most reportWidth columns: a head
// line (severity, check, tenant, server) cut with …, then the object and
// evidence, then the fix, each wrapped and indented. Every text is escaped
// before it is measured.
func printFinding(w io.Writer, f doctor.Finding) {
	head := fmt.Sprintf("  %-5s %s  %s", f.Severity, f.Check, tenantLabel(f))
	if f.Server != "" {
		head += " on " + f.Server
	}
	printf(w, "%s\n", ansi.Truncate(termtext.Line(head), reportWidth, "…"))
	evidence := f.Evidence
	if f.Object != "" {
		evidence = f.Object + ": " + evidence
	}
	printWrapped(w, "      ", evidence)
	switch {
	case f.FixKind == doctor.FixDestructive:
		printWrapped(w, "      ", "fix [--allow-drop]: "+f.Fix)
	case f.Fix != "":
		printWrapped(w, "      ", "fix: "+f.Fix)
	}
}

// printWrapped writes text escaped as one line, then wrapped at spaces to
// reportWidth with every line indented; a word wider than the line (a
// long database name) is broken where it must be. Hyphens never break a
// line: names and flags hold them.
func printWrapped(w io.Writer, indent, text string) {
	width := reportWidth - len(indent)
	line := ""
	flush := func() {
		printf(w, "%s%s\n", indent, line)
		line = ""
	}
	for _, word := range strings.Fields(termtext.Line(text)) {
		switch {
		case line == "":
		case ansi.StringWidth(line)+1+ansi.StringWidth(word) <= width:
			line += " "
		default:
			flush()
		}
		for ansi.StringWidth(line+word) > width {
			cut := ansi.Truncate(word, width-ansi.StringWidth(line), "")
			line += cut
			word = strings.TrimPrefix(word, cut)
			flush()
		}
		line += word
	}
	if line != "" {
		flush()
	}
}

// took shows a check's time; under a millisecond is "<1ms", not "0s".
func took(d time.Duration) string {
	if d < time.Millisecond {
		return "<1ms"
	}
	return d.Round(time.Millisecond).String()
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func groupOf() map[string]string {
	out := map[string]string{}
	group := ""
	for _, n := range doctor.CheckNames() {
		if !strings.Contains(n, "-") { // a group's name; checks have a dash
			group = n
		}
		out[n] = group
	}
	return out
}

func tenantLabel(f doctor.Finding) string {
	switch {
	case f.Tenant == "":
		return "-"
	case f.TenantName == "":
		return f.Tenant
	}
	return f.TenantName + " (" + f.Tenant + ")"
}

// printDoctorPlan says what --fix will do (on stderr: stdout stays the report).
func printDoctorPlan(w io.Writer, p doctor.Plan, allowDrop bool) {
	if p.Empty() {
		printf(w, "Nothing to fix automatically.\n")
		return
	}
	printf(w, "Plan:\n")
	for _, r := range p.Runs {
		printf(w, "  run %s over %s\n", r.Operation, plural(len(r.Tenants), "tenant"))
	}
	for _, id := range p.RestoreMissing {
		printf(w, "  restore the newest complete backup of tenant %s\n", id)
	}
	for _, f := range p.Direct {
		printWrapped(w, "  ", f.Object+": "+f.Fix)
	}
	for _, f := range p.Destructive {
		note := ""
		if !allowDrop {
			note = " (skipped: needs --allow-drop)"
		}
		printWrapped(w, "  ", f.Object+" on "+orDash(f.Server)+": "+f.Fix+note)
	}
}

func printFixResult(w io.Writer, res doctor.FixResult) {
	for _, r := range res.Runs {
		printf(w, "Run %d %s: %s, %d done, %d failed of %d.\n", r.ID, r.Operation, r.State, r.Done, r.Failed, r.Total)
	}
	for _, a := range res.Applied {
		if a.Done {
			extra := ""
			if a.Backup != nil {
				extra = fmt.Sprintf(" (backed up first: backup %d)", a.Backup.ID)
			}
			printWrapped(w, "", "✓ "+a.Finding.Check+" "+a.Finding.Object+": "+a.Finding.Fix+extra)
		} else {
			printWrapped(w, "", "✗ "+a.Finding.Check+" "+a.Finding.Object+": "+a.Error)
		}
	}
}
