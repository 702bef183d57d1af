package config

import (
	"errors"
	"net/url"
	"time"

	"filippo.io/age"
)

// Backup holds where and how tenant backups are made.
type Backup struct {
	Dir string `toml:"dir"`
	// Storage is where backups go: file:///path or
	// s3://bucket/prefix?endpoint=…&region=…; empty means the folder Dir.
	Storage string `toml:"storage"`
	// EncryptTo lists age X25519 recipients (age1…); set, every backup is
	// encrypted to them.
	EncryptTo []string `toml:"encrypt_to"`
	// IdentityFile is an age identity file that restores and full
	// verifies of encrypted backups use when --identity is not given.
	IdentityFile string `toml:"identity_file"`
	Engine       string `toml:"engine"`
	Compression  string `toml:"compression"`
	// Workers is how many connections read one tenant's tables at once.
	Workers int `toml:"workers"`
	// ParallelTenants is how many tenants `backup create --all` dumps at once.
	ParallelTenants int       `toml:"parallel_tenants"`
	CleanupAfter    bool      `toml:"cleanup_after_backup"`
	Retention       Retention `toml:"retention"`
	// FinalOnDelete checks "final backup first" in the dashboard's delete
	// dialog (the CLI asks with `tenants delete --backup`).
	FinalOnDelete bool `toml:"final_on_delete"`
	// KeepDeleted is how long a deleted tenant's final backups outlive
	// it: `backup cleanup` removes one only once its tenant is gone and
	// it is older than this.
	KeepDeleted Duration `toml:"keep_deleted"`
}

// Retention is the default policy of `tenancy backup cleanup`.
type Retention struct {
	KeepLast    int      `toml:"keep_last"`
	KeepDaily   int      `toml:"keep_daily"`
	KeepWeekly  int      `toml:"keep_weekly"`
	KeepMonthly int      `toml:"keep_monthly"`
	OlderThan   Duration `toml:"older_than"`
}

func defaultBackup() Backup {
	return Backup{
		Dir:             "storage/tenant-backups",
		EncryptTo:       []string{},
		Engine:          "native",
		Compression:     "zstd",
		Workers:         2,
		ParallelTenants: 4,
		KeepDeleted:     Duration(30 * 24 * time.Hour),
	}
}

func (b Backup) validate(p *problems) {
	switch b.Engine {
	case "native", "mysqldump":
	default:
		p.add("backup.engine", "%q is not an engine: use \"native\" or \"mysqldump\"", b.Engine)
	}
	switch b.Compression {
	case "zstd", "gzip", "none":
	default:
		p.add("backup.compression", "%q is not a compression: use \"zstd\", \"gzip\" or \"none\"", b.Compression)
	}
	if b.Workers < 1 {
		p.add("backup.workers", "must be at least 1, got %d", b.Workers)
	}
	if b.ParallelTenants < 1 {
		p.add("backup.parallel_tenants", "must be at least 1, got %d", b.ParallelTenants)
	}
	if b.Dir == "" {
		p.add("backup.dir", "must not be empty")
	}
	if b.Storage != "" {
		// Problems name the URL without its user, password or query (a
		// secret written into it must not reach a terminal or a log).
		u, err := url.Parse(b.Storage)
		shown := ""
		if err == nil {
			shown = u.Scheme + "://" + u.Host + u.Path
		}
		var ue *url.Error
		switch {
		case errors.As(err, &ue):
			p.add("backup.storage", "is not a URL: %v", ue.Err)
		case err != nil:
			p.add("backup.storage", "is not a URL: %v", err)
		case u.User != nil:
			p.add("backup.storage", "the URL holds credentials (user:password@): take them out and give them in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or a profile)")
		case u.Scheme == "s3" && u.Host == "":
			p.add("backup.storage", "%q names no bucket: use s3://bucket/prefix?endpoint=host&region=name", shown)
		case u.Scheme == "file" && u.Path == "" && u.Host == "":
			p.add("backup.storage", "%q names no folder: use file:///absolute/path", shown)
		case u.Scheme != "s3" && u.Scheme != "file":
			p.add("backup.storage", "%q: use file:///path or s3://bucket/prefix?endpoint=host&region=name", shown)
		}
	}
	for _, r := range b.EncryptTo {
		if _, err := age.ParseX25519Recipient(r); err != nil {
			p.add("backup.encrypt_to", "%q is not an age X25519 recipient (age1…, from age-keygen -y): %v", r, err)
		}
	}
	r := b.Retention
	for key, v := range map[string]int{"keep_last": r.KeepLast, "keep_daily": r.KeepDaily, "keep_weekly": r.KeepWeekly, "keep_monthly": r.KeepMonthly} {
		if v < 0 {
			p.add("backup.retention."+key, "must be 0 (unset) or more, got %d", v)
		}
	}
	if b.KeepDeleted < 0 {
		p.add("backup.keep_deleted", "must not be negative, got %s", b.KeepDeleted.D())
	}
	if r.OlderThan < 0 {
		p.add("backup.retention.older_than", "must not be negative, got %s", r.OlderThan.D())
	}
}
