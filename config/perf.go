package config

import "time"

// Perf holds load-test defaults.
type Perf struct {
	ReportDir string `toml:"report_dir"`
	// MaxOpenConns bounds each tenant's connection pool during a run
	// (0 = one connection per simulated user).
	MaxOpenConns int `toml:"max_open_conns"`
	// Interval is how often live snapshots are taken.
	Interval Duration `toml:"interval"`
	// OpTimeout bounds one operation (with its retries).
	OpTimeout Duration `toml:"op_timeout"`
}

func defaultPerf() Perf {
	return Perf{ReportDir: "storage/perf-reports", Interval: Duration(time.Second), OpTimeout: Duration(30 * time.Second)}
}

func (c Perf) validate(p *problems) {
	if c.MaxOpenConns < 0 {
		p.add("perf.max_open_conns", "must not be negative, got %d", c.MaxOpenConns)
	}
	if c.ReportDir == "" {
		p.add("perf.report_dir", "must not be empty")
	}
	if c.Interval.D() < 100*time.Millisecond {
		p.add("perf.interval", "must be at least 100ms, got %s", c.Interval.D())
	}
	if c.OpTimeout.D() < time.Second {
		p.add("perf.op_timeout", "must be at least 1s, got %s", c.OpTimeout.D())
	}
}
