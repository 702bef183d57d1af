package config

// Perf holds load-test defaults.
type Perf struct {
	ReportDir string `toml:"report_dir"`
	// MaxOpenConns bounds each tenant's connection pool during a run
	// (0 = one connection per simulated user).
	MaxOpenConns int `toml:"max_open_conns"`
}

func defaultPerf() Perf {
	return Perf{ReportDir: "storage/perf-reports"}
}

func (c Perf) validate(p *problems) {
	if c.MaxOpenConns < 0 {
		p.add("perf.max_open_conns", "must not be negative, got %d", c.MaxOpenConns)
	}
	if c.ReportDir == "" {
		p.add("perf.report_dir", "must not be empty")
	}
}
