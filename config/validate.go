package config

import (
	"fmt"
	"net/url"
	"os"
	"regexp"
)

var (
	safeAffix   = regexp.MustCompile(`^[A-Za-z0-9_-]*$`)
	charsetName = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
)

// Validate checks the configuration without connecting anywhere.
func (c *Config) Validate() error {
	var p problems
	c.validate(&p)
	return p.err(c.Path)
}

func (c *Config) validate(p *problems) {
	switch {
	case c.Central.DSN == "":
		p.add("central.dsn", "not set: set it in the config file or in $%s (like root@tcp(127.0.0.1:3306)/central)", EnvCentralDSN)
	default:
		if mc, err := ParseDSN(c.Central.DSN); err != nil {
			p.add("central.dsn", "%v", err)
		} else if mc.DBName == "" {
			p.add("central.dsn", "names no database: add the central database after the slash, like root@tcp(127.0.0.1:3306)/central")
		}
	}
	c.Tenancy.validate(p)
	seen := map[string]bool{}
	for i, s := range c.Servers {
		key := fmt.Sprintf("servers[%d]", i)
		if s.Name == "" {
			p.add(key+".name", "must not be empty")
		} else if seen[s.Name] {
			p.add(key+".name", "%q is listed twice", s.Name)
		}
		seen[s.Name] = true
		if s.DSN == "" {
			p.add(key+".dsn", "not set: set it here or in $%s", ServerEnv(s.Name))
		} else if _, err := ParseDSN(s.DSN); err != nil {
			p.add(key+".dsn", "%v", err)
		}
	}
	if c.Redis.URL != "" {
		if u, err := url.Parse(c.Redis.URL); err != nil {
			p.add("redis.url", "%v", err)
		} else if u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "redis-sentinel" && u.Scheme != "redis-cluster" {
			p.add("redis.url", "scheme %q is not supported: use redis://, rediss://, redis-sentinel:// or redis-cluster://", u.Scheme)
		}
	}
	if c.UI.RefreshInterval < 0 {
		p.add("ui.refresh_interval", "must not be negative")
	}
	c.Backup.validate(p)
	c.Cache.validate(p)
	c.Perf.validate(p)
	c.Queue.validate(p)
	validateSchedules(c.Schedules, p)
	c.SSH.validate(p)
	c.Access.validate(p)
}

func (t Tenancy) validate(p *problems) {
	if !safeAffix.MatchString(t.DatabasePrefix) {
		p.add("tenancy.database_prefix", "%q may hold only letters, digits, '_' and '-'", t.DatabasePrefix)
	}
	if !safeAffix.MatchString(t.DatabaseSuffix) {
		p.add("tenancy.database_suffix", "%q may hold only letters, digits, '_' and '-'", t.DatabaseSuffix)
	}
	if !charsetName.MatchString(t.Charset) {
		p.add("tenancy.charset", "%q is not a character set name (like utf8mb4)", t.Charset)
	}
	if !charsetName.MatchString(t.Collation) {
		p.add("tenancy.collation", "%q is not a collation name (like utf8mb4_unicode_ci)", t.Collation)
	}
	if t.MigrationsDir != "" {
		if st, err := os.Stat(t.MigrationsDir); err != nil || !st.IsDir() {
			p.add("tenancy.migrations_dir", "%q is not a folder: point it at your goose migrations or leave it empty for the built-in schema", t.MigrationsDir)
		}
	}
	if t.SeedFile != "" {
		if _, err := os.Stat(t.SeedFile); err != nil {
			p.add("tenancy.seed_file", "%q cannot be read: %v", t.SeedFile, err)
		}
	}
	if t.UserHost == "" {
		p.add("tenancy.user_host", "must not be empty (use '%%' for any host)")
	}
	t.validateMaintenanceForm(p)
}
