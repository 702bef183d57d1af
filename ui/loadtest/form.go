package loadtest

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/huh/v2"

	"github.com/tenancy-dev/tenancy/perf"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// fields are the form's answers, as typed (huh writes through pointers).
type fields struct {
	users, length, mix, rate, warmup string
	confirmed                        bool
}

func defaultFields() *fields {
	return &fields{users: "4", length: "30s", mix: perf.DefaultMix.String(), rate: "0", warmup: "0s"}
}

// options turns the answers into run options (every field was validated).
func (f *fields) options(c *common.Context) (perf.Options, error) {
	o := perf.Options{SeedRows: 1000}
	var err error
	if o.Users, err = parseUsers(f.users); err != nil {
		return o, err
	}
	if o.Duration, o.Ops, err = parseLength(f.length); err != nil {
		return o, err
	}
	if o.Mix, err = perf.ParseMix(f.mix); err != nil {
		return o, err
	}
	if o.Rate, err = parseRate(f.rate); err != nil {
		return o, err
	}
	if o.Warmup, err = parseWarmup(f.warmup); err != nil {
		return o, err
	}
	pc := c.Config.Perf
	o.Interval, o.MaxOpenConns, o.OpTimeout = pc.Interval.D(), pc.MaxOpenConns, pc.OpTimeout.D()
	return o, nil
}

func parseUsers(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > 1000 {
		return 0, fmt.Errorf("users: a whole number from 1 to 1000")
	}
	return n, nil
}

// parseLength reads a duration ("30s") or an operation count ("5000 ops").
func parseLength(s string) (time.Duration, int64, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "ops"); ok {
		ops, err := strconv.ParseInt(strings.TrimSpace(n), 10, 64)
		if err != nil || ops < 1 {
			return 0, 0, fmt.Errorf("length: write a count like \"5000 ops\"")
		}
		return 0, ops, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Second {
		return 0, 0, fmt.Errorf("length: a duration of at least 1s (\"30s\", \"2m\") or a count (\"5000 ops\")")
	}
	return d, 0, nil
}

func parseRate(s string) (float64, error) {
	r, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || r < 0 {
		return 0, fmt.Errorf("rate: ops/s in total, 0 for as fast as possible")
	}
	return r, nil
}

func parseWarmup(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d < 0 {
		return 0, fmt.Errorf("warm-up: a duration such as \"5s\" (0s for none)")
	}
	return d, nil
}

func check[T any](parse func(string) (T, error)) func(string) error {
	return func(s string) error { _, err := parse(s); return err }
}

func newForm(c *common.Context, f *fields, target string) *huh.Form {
	return huh.NewForm(
		huh.NewGroup(
			huh.NewInput().Key("users").Title("Users per tenant").Value(&f.users).Validate(check(parseUsers)),
			huh.NewInput().Key("length").Title("Length").Description("a duration (30s) or a count (5000 ops)").
				Value(&f.length).Validate(func(s string) error { _, _, err := parseLength(s); return err }),
			huh.NewInput().Key("mix").Title("Mix").Description("percent of read, insert, update, delete").
				Value(&f.mix).Validate(check(perf.ParseMix)),
			huh.NewInput().Key("rate").Title("Rate").Description("ops/s in total; 0 = as fast as possible").
				Value(&f.rate).Validate(check(parseRate)),
			huh.NewInput().Key("warmup").Title("Warm-up").Value(&f.warmup).Validate(check(parseWarmup)),
		),
		huh.NewGroup(
			huh.NewConfirm().Key("confirm").Title("Load "+target+"?").
				Description("Creates "+perf.Table+" in each tenant's database, runs the users on it,\nverifies isolation and drops it. No other table is touched.").
				Affirmative("Run").Negative("Cancel").Value(&f.confirmed),
		),
	).WithShowHelp(true).WithTheme(huh.ThemeFunc(func(bool) *huh.Styles { return huh.ThemeCharm(c.Styles.IsDark) }))
}
