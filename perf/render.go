package perf

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tenancy-dev/tenancy/termtext"
)

// Line renders a snapshot as one sysbench-like line.
func (s *Snapshot) Line() string {
	t := s.Total
	warm := ""
	if s.Warmup {
		warm = " (warm-up)"
	}
	elapsed := fmt.Sprintf("%.0fs", s.Elapsed)
	if math.Abs(s.Elapsed-math.Round(s.Elapsed)) > 0.05 {
		elapsed = fmt.Sprintf("%.1fs", s.Elapsed)
	}
	return fmt.Sprintf("[ %s ]%s ops/s: %.1f (r/i/u/d: %.1f/%.1f/%.1f/%.1f) lat ms p50: %.2f p95: %.2f p99: %.2f max: %.2f err/s: %.2f retries: %d conns: %d",
		elapsed, warm, t.OpsPerSec, t.ByKind["read"], t.ByKind["insert"], t.ByKind["update"], t.ByKind["delete"],
		t.P50, t.P95, t.P99, t.Max, t.ErrorsPerSec, t.Retries, t.ConnsInUse)
}

// section is one part of a rendered report: a title, free lines, then
// an optional table whose first row is the header.
type section struct {
	title string
	lines []string
	table [][]string
}

func (r *Report) sections() []section {
	p := r.Parameters
	mode := "closed loop"
	if p.Rate > 0 {
		mode = fmt.Sprintf("fixed rate %.0f ops/s", p.Rate)
	}
	length := p.Duration.String()
	if p.Ops > 0 {
		length = fmt.Sprintf("%d ops", p.Ops)
	}
	verdict := "PASSED: every tenant saw only its own rows, all of them"
	if !r.Isolation.Passed {
		verdict = "FAILED: see the evidence below"
	}
	head := section{title: "Load test " + r.RunID, lines: []string{
		fmt.Sprintf("%s × %s, %s (+%s warm-up), %s, mix %s, %d seed rows, pool %d per tenant",
			count(len(r.Tenants), "tenant"), count(p.Users, "user"), length, p.Warmup, mode, p.Mix, p.SeedRows, p.MaxOpenConns),
		fmt.Sprintf("started %s, measured %.1fs", r.Started.UTC().Format(time.RFC3339), r.Measured),
		"isolation " + verdict,
	}}
	if r.Cancelled {
		head.lines = append(head.lines, "stopped early: the figures cover the time measured")
	}
	out := []section{head, summarySection("Total", r.Total), tenantsSection(r.Tenants), isolationSection(r.Isolation)}
	cleanup := section{title: "Cleanup", lines: []string{"work tables " + r.Cleanup}}
	for _, e := range r.CleanupErrors {
		cleanup.lines = append(cleanup.lines, "FAILED "+termtext.Line(e))
	}
	return append(out, cleanup)
}

func summarySection(title string, s Summary) section {
	l := s.Latency
	sec := section{title: title, lines: []string{
		fmt.Sprintf("ops %d (%.1f/s), errors %d, retried %d deadlocks and %d lock wait timeouts", s.Ops, s.OpsPerSec, s.Errors, s.Deadlocks, s.LockWaits),
		fmt.Sprintf("latency ms: min %.2f avg %.2f p50 %.2f p90 %.2f p95 %.2f p99 %.2f p99.9 %.2f max %.2f", l.Min, l.Avg, l.P50, l.P90, l.P95, l.P99, l.P999, l.Max),
		fmt.Sprintf("fairness over %d users: Jain %.3f, ops per user %d..%d", s.Fairness.Users, s.Fairness.Jain, s.Fairness.MinOps, s.Fairness.MaxOps),
	}}
	for _, kind := range slices.Sorted(maps.Keys(s.ErrorKinds)) {
		sec.lines = append(sec.lines, fmt.Sprintf("error %s × %d, e.g. %s", kind, s.ErrorKinds[kind], s.ErrorSamples[kind]))
	}
	sec.table = [][]string{{"kind", "ops", "ops/s", "avg ms"}}
	for _, k := range Kinds {
		ks := s.ByKind[k.String()]
		sec.table = append(sec.table, []string{k.String(), fmt.Sprint(ks.Ops), fmt.Sprintf("%.1f", ks.OpsPerSec), fmt.Sprintf("%.2f", ks.AvgMs)})
	}
	return sec
}

func tenantsSection(list []TenantReport) section {
	sec := section{title: "Tenants", table: [][]string{{"tenant", "ops", "ops/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors", "retries", "jain"}}}
	for _, t := range list {
		l := t.Latency
		sec.table = append(sec.table, []string{termtext.Line(t.Name), fmt.Sprint(t.Ops), fmt.Sprintf("%.1f", t.OpsPerSec),
			fmt.Sprintf("%.2f", l.P50), fmt.Sprintf("%.2f", l.P95), fmt.Sprintf("%.2f", l.P99), fmt.Sprintf("%.2f", l.Max),
			fmt.Sprint(t.Errors), fmt.Sprint(t.Deadlocks + t.LockWaits), fmt.Sprintf("%.3f", t.Fairness.Jain)})
	}
	return sec
}

// Failures lists every failed check with its evidence, one line each.
func (iso Isolation) Failures() []string {
	var out []string
	for _, rc := range iso.Rows {
		for _, e := range rc.Evidence {
			out = append(out, termtext.Line(fmt.Sprintf("FAILED rows of %s: %s", rc.Name, e)))
		}
	}
	for _, pc := range iso.Pairs {
		for _, e := range pc.Evidence {
			out = append(out, termtext.Line(fmt.Sprintf("FAILED %s's user %s reached %s: %s", pc.From, pc.User, pc.To, e)))
		}
	}
	return out
}

func isolationSection(iso Isolation) section {
	sec := section{title: "Isolation", lines: iso.Failures()}
	okRows, refused := 0, 0
	for _, rc := range iso.Rows {
		if rc.Passed {
			okRows++
		}
	}
	for _, pc := range iso.Pairs {
		if pc.Passed {
			refused++
		}
	}
	sec.lines = append(sec.lines, fmt.Sprintf("rows: %d of %d tenant tables hold exactly their own committed rows", okRows, len(iso.Rows)))
	if iso.Note != "" {
		sec.lines = append(sec.lines, "credentials: "+termtext.Line(iso.Note))
	} else {
		sec.lines = append(sec.lines, fmt.Sprintf("credentials: %d of %d cross-tenant pairs tried (of %d possible) were refused", refused, len(iso.Pairs), iso.PairsPossible))
	}
	return sec
}

// WriteText renders the report for a terminal.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for i, s := range r.sections() {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(s.title + "\n")
		for _, l := range s.lines {
			b.WriteString("  " + l + "\n")
		}
		if len(s.table) > 0 {
			tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
			for _, row := range s.table {
				fmt.Fprintf(tw, "  %s\t\n", strings.Join(row, "\t"))
			}
			tw.Flush()
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown renders the report as Markdown.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	for i, s := range r.sections() {
		level := "## "
		if i == 0 {
			level = "# "
		}
		b.WriteString(level + s.title + "\n\n")
		for _, l := range s.lines {
			b.WriteString("- " + l + "\n")
		}
		if len(s.lines) > 0 {
			b.WriteString("\n")
		}
		for j, row := range s.table {
			cells := make([]string, len(row))
			for k, c := range row {
				cells[k] = strings.ReplaceAll(c, "|", `\|`)
			}
			b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
			if j == 0 {
				b.WriteString(strings.Repeat("|---", len(row)) + "|\n")
			}
		}
		if len(s.table) > 0 {
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// count writes a number with its noun: "1 tenant", "3 tenants".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
