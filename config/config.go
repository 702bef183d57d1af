// Package config holds tenancy's configuration: the TOML schema with its
// defaults, where the file is found, environment overrides for secrets, and
// validation that names every problem by its key.
package config

import (
	"time"
)

// Config is the whole configuration. Field tags are the TOML keys.
type Config struct {
	Central Central  `toml:"central"`
	Tenancy Tenancy  `toml:"tenancy"`
	Servers []Server `toml:"servers"`
	Redis   Redis    `toml:"redis"`
	UI      UI       `toml:"ui"`
	Backup  Backup   `toml:"backup"`
	Cache   Cache    `toml:"cache"`
	Perf    Perf     `toml:"perf"`
	// Queue and Schedules: config/queue.go.
	Queue     Queue      `toml:"queue"`
	Schedules []Schedule `toml:"schedule"`
	// SSH, Access and Audit: config/ssh.go.
	SSH    SSH    `toml:"ssh"`
	Access Access `toml:"access"`
	Audit  Audit  `toml:"audit"`

	// Path is the file the configuration was read from ("" when none).
	Path string `toml:"-"`
}

// Central is the central (landlord) database holding tenants and domains.
type Central struct {
	DSN string `toml:"dsn"`
}

// Tenancy holds how tenant databases are named and built.
type Tenancy struct {
	DatabasePrefix     string `toml:"database_prefix"`
	DatabaseSuffix     string `toml:"database_suffix"`
	Charset            string `toml:"charset"`
	Collation          string `toml:"collation"`
	MigrationsDir      string `toml:"migrations_dir"`
	SeedFile           string `toml:"seed_file"`
	CreateDatabaseUser bool   `toml:"create_database_user"`
	// UserHost is the host part of per-tenant users ('%' by default).
	UserHost string `toml:"user_host"`
	// MaintenanceForm is the shape of data.maintenance_mode that `tenants
	// down` writes (config/maintenance.go).
	MaintenanceForm string `toml:"maintenance_form"`
}

// Server is one MySQL/MariaDB server that holds tenant databases.
type Server struct {
	Name string `toml:"name"`
	DSN  string `toml:"dsn"`
}

// Redis is the cache server (standalone, Sentinel or Cluster).
type Redis struct {
	URL string `toml:"url"`
}

// UI holds dashboard settings.
type UI struct {
	ReadOnly        bool                `toml:"read_only"`
	RefreshInterval Duration            `toml:"refresh_interval"`
	Keys            map[string][]string `toml:"keys"`
}

// CentralServerName is the name of the server the central database lives on.
const CentralServerName = "central"

// Default returns the configuration with every default filled in.
func Default() *Config {
	return &Config{
		Tenancy: Tenancy{
			DatabasePrefix: "tenant",
			Charset:        "utf8mb4",
			Collation:      "utf8mb4_unicode_ci",
			UserHost:       "%",

			MaintenanceForm: MaintenanceFormAuto,
		},
		UI:     UI{RefreshInterval: Duration(10 * time.Second)},
		Backup: defaultBackup(),
		Cache:  defaultCache(),
		Perf:   defaultPerf(),
		Queue:  defaultQueue(),
		SSH:    defaultSSH(),
	}
}

// Server returns the server with the given name. The central server is
// always known, even when [[servers]] does not list it.
func (c *Config) Server(name string) (Server, bool) {
	for _, s := range c.AllServers() {
		if s.Name == name {
			return s, true
		}
	}
	return Server{}, false
}

// AllServers returns the configured servers, with the central server first
// (derived from central.dsn when [[servers]] does not name it).
func (c *Config) AllServers() []Server {
	out := make([]Server, 0, len(c.Servers)+1)
	hasCentral := false
	for _, s := range c.Servers {
		if s.Name == CentralServerName {
			hasCentral = true
		}
	}
	if !hasCentral {
		out = append(out, Server{Name: CentralServerName, DSN: c.Central.DSN})
	}
	return append(out, c.Servers...)
}
