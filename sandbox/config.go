package sandbox

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/BurntSushi/toml"
)

// centralDatabase is the demo's central database name.
const centralDatabase = "tenancy_demo"

// fileConfig is the part of tenancy's config the sandbox writes.
type fileConfig struct {
	Central struct {
		DSN string `toml:"dsn"`
	} `toml:"central"`
	Tenancy struct {
		DatabasePrefix string `toml:"database_prefix"`
		MigrationsDir  string `toml:"migrations_dir"`
	} `toml:"tenancy"`
	Servers []struct {
		Name string `toml:"name"`
		DSN  string `toml:"dsn"`
	} `toml:"servers"`
	Redis *struct {
		URL string `toml:"url"`
	} `toml:"redis,omitempty"`
	Queue *struct {
		URL    string `toml:"url"`
		Prefix string `toml:"prefix"`
	} `toml:"queue,omitempty"`
	Backup struct {
		Dir string `toml:"dir"`
	} `toml:"backup"`
	Perf struct {
		ReportDir string `toml:"report_dir"`
	} `toml:"perf"`
}

// CentralDSN is the DSN of the demo's central database.
func (s *Sandbox) CentralDSN() string {
	return rootConfig(s.state.MySQLPort, centralDatabase).FormatDSN()
}

// writeConfig writes the config file pointing tenancy at the sandbox.
func (s *Sandbox) writeConfig() error {
	var fc fileConfig
	fc.Central.DSN = s.CentralDSN()
	fc.Tenancy.DatabasePrefix = "tenant_"
	fc.Tenancy.MigrationsDir = s.migrationsDir()
	fc.Servers = append(fc.Servers, struct {
		Name string `toml:"name"`
		DSN  string `toml:"dsn"`
	}{Name: SecondServer, DSN: rootConfig(s.state.SecondPort, "").FormatDSN()})
	if s.Redis {
		fc.Redis = &struct {
			URL string `toml:"url"`
		}{URL: "redis://127.0.0.1:" + strconv.Itoa(s.state.RedisPort) + "/0"}
	}
	if s.queued {
		fc.Queue = &struct {
			URL    string `toml:"url"`
			Prefix string `toml:"prefix"`
		}{URL: "redis://127.0.0.1:" + strconv.Itoa(s.state.RedisPort) + "/1", Prefix: "demo"} // a database of its own
	}
	fc.Backup.Dir = filepath.Join(s.Dir, "backups")
	fc.Perf.ReportDir = filepath.Join(s.Dir, "perf")
	var buf bytes.Buffer
	buf.WriteString("# Written by `tenancy demo` for its sandbox; rewritten on every run.\n")
	if err := toml.NewEncoder(&buf).Encode(fc); err != nil {
		return fmt.Errorf("encode demo config: %w", err)
	}
	if err := os.WriteFile(s.ConfigPath, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("write demo config %s: %w", s.ConfigPath, err)
	}
	return nil
}
