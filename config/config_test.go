package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/stretchr/testify/require"
)

func TestDefaults(t *testing.T) {
	cfg, err := Parse(`[central]
dsn = "root@tcp(127.0.0.1:3306)/central"`)
	require.NoError(t, err)
	require.Equal(t, "tenant", cfg.Tenancy.DatabasePrefix)
	require.Equal(t, "", cfg.Tenancy.DatabaseSuffix)
	require.Equal(t, "utf8mb4", cfg.Tenancy.Charset)
	require.Equal(t, "utf8mb4_unicode_ci", cfg.Tenancy.Collation)
	require.False(t, cfg.Tenancy.CreateDatabaseUser)
	require.Equal(t, 10*time.Second, cfg.UI.RefreshInterval.D())
	servers := cfg.AllServers()
	require.Len(t, servers, 1)
	require.Equal(t, CentralServerName, servers[0].Name)
}

func TestEveryProblemNamedByKey(t *testing.T) {
	_, err := Parse(`
[central]
dsn = "not a dsn"
[tenancy]
create_database_user = "yes"
database_prefix = "bad prefix!"
colation = "typo"
[ui]
read_only = "yes"
refresh_interval = "fast"
[backup]
compression = "lz4"
[[servers]]
name = "eu"
dsn = ""
[[servers]]
name = "eu"
dsn = "root@tcp(10.0.0.1:3306)/"
[bogus]
x = 1
`)
	var cerr *Error
	require.ErrorAs(t, err, &cerr)
	keys := map[string]bool{}
	for _, p := range cerr.Problems {
		keys[p.Key] = true
	}
	for _, k := range []string{"central.dsn", "tenancy.database_prefix", "tenancy.colation", "ui.read_only", "ui.refresh_interval", "tenancy.create_database_user", "backup.compression", "servers[0].dsn", "servers[1].name", "bogus.x"} {
		require.True(t, keys[k], "missing problem for %s in:\n%v", k, err)
	}
	require.Contains(t, err.Error(), "unknown key")
	require.Equal(t, 2, strings.Count(err.Error(), "unknown key"), "only the misspelt key and the bogus section are unknown:\n%v", err)
	require.Contains(t, err.Error(), `"fast" is not a duration`)
	require.Contains(t, err.Error(), `tenancy.colation: unknown key (see config.example.toml for every key); did you mean "collation"?`)
}

func TestSyntaxError(t *testing.T) {
	_, err := Parse("[central\ndsn=1")
	require.ErrorContains(t, err, "(syntax): line 2")
	require.NotContains(t, err.Error(), "central.dsn", "nothing after a syntax error is reported")
}

func TestCentralDSNNeedsDatabase(t *testing.T) {
	_, err := Parse(`[central]
dsn = "root@tcp(127.0.0.1:3306)/"`)
	require.ErrorContains(t, err, "names no database")
	_, err = Parse(`[central]
dsn = "root@tcp(127.0.0.1:3306)/c?multiStatements=true"`)
	require.ErrorContains(t, err, "multiStatements")
}

func TestNegativeRetentionRefused(t *testing.T) {
	_, err := Parse(`[central]
dsn = "root@tcp(127.0.0.1:3306)/c"
[backup.retention]
keep_last = -3
older_than = "-1h"`)
	require.ErrorContains(t, err, "backup.retention.keep_last: must be 0 (unset) or more, got -3")
	require.ErrorContains(t, err, "backup.retention.older_than: must not be negative")
}

func TestParseDSNForms(t *testing.T) {
	mc, err := ParseDSN("mysql://app:s3cret@db.internal/central?tls=false")
	require.NoError(t, err)
	require.Equal(t, "app", mc.User)
	require.Equal(t, "s3cret", mc.Passwd)
	require.Equal(t, "db.internal:3306", mc.Addr)
	require.Equal(t, "central", mc.DBName)
	require.True(t, mc.ParseTime)
	mc, err = ParseDSN("root@unix(/run/mysqld/mysqld.sock)/central")
	require.NoError(t, err)
	require.Equal(t, "unix", mc.Net)
}

func TestFindOrderAndEnv(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	xdg := filepath.Join(dir, "xdg")
	t.Setenv("XDG_CONFIG_HOME", xdg)
	t.Setenv(EnvConfig, "")
	write := func(path, central string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte("[central]\ndsn = \"root@tcp(127.0.0.1:3306)/"+central+"\"\n[[servers]]\nname = \"eu-1\"\ndsn = \"root@tcp(127.0.0.1:3307)/\"\n"), 0o600))
	}
	path, err := Find("")
	require.NoError(t, err)
	require.Equal(t, "", path)

	write(filepath.Join(xdg, "tenancy", "config.toml"), "from_xdg")
	cfg, err := Load("")
	require.NoError(t, err)
	require.Contains(t, cfg.Central.DSN, "from_xdg")

	write(filepath.Join(dir, "tenancy.toml"), "from_cwd")
	cfg, err = Load("")
	require.NoError(t, err)
	require.Contains(t, cfg.Central.DSN, "from_cwd")

	write(filepath.Join(dir, "env.toml"), "from_env")
	t.Setenv(EnvConfig, filepath.Join(dir, "env.toml"))
	cfg, err = Load("")
	require.NoError(t, err)
	require.Contains(t, cfg.Central.DSN, "from_env")

	write(filepath.Join(dir, "flag.toml"), "from_flag")
	cfg, err = Load(filepath.Join(dir, "flag.toml"))
	require.NoError(t, err)
	require.Contains(t, cfg.Central.DSN, "from_flag")

	t.Setenv(EnvCentralDSN, "root@tcp(127.0.0.1:3306)/secret_central")
	t.Setenv(ServerEnv("eu-1"), "root@tcp(127.0.0.1:3399)/")
	t.Setenv(EnvRedisURL, "redis://127.0.0.1:6379/0")
	cfg, err = Load(filepath.Join(dir, "flag.toml"))
	require.NoError(t, err)
	require.Contains(t, cfg.Central.DSN, "secret_central", "the environment wins over the file")
	require.Equal(t, "TENANCY_SERVER_EU_1_DSN", ServerEnv("eu-1"))
	require.Contains(t, cfg.Servers[0].DSN, "3399")
	require.Equal(t, "redis://127.0.0.1:6379/0", cfg.Redis.URL)

	_, err = Load(filepath.Join(dir, "missing.toml"))
	require.ErrorContains(t, err, "missing.toml")
}

func TestExampleConfigIsComplete(t *testing.T) {
	// config.example.toml lists every key with its default, and parses.
	data, err := os.ReadFile("../config.example.toml")
	require.NoError(t, err)
	cfg, err := Parse(string(data))
	require.NoError(t, err)
	def := Default()
	require.Equal(t, def.Tenancy, cfg.Tenancy)
	require.Equal(t, def.Backup, cfg.Backup)
	require.Equal(t, def.Cache, cfg.Cache)
	require.Equal(t, def.Perf, cfg.Perf)
	require.Equal(t, def.UI.RefreshInterval, cfg.UI.RefreshInterval)

	// Every key of the defaults appears in the example (so new keys get documented).
	var buf bytes.Buffer
	require.NoError(t, toml.NewEncoder(&buf).Encode(def))
	var defaults map[string]any
	_, err = toml.Decode(buf.String(), &defaults)
	require.NoError(t, err)
	var example map[string]any
	md, err := toml.Decode(string(data), &example)
	require.NoError(t, err)
	have := map[string]bool{}
	for _, k := range md.Keys() {
		have[k.String()] = true
	}
	for _, k := range flatten("", defaults) {
		require.True(t, have[k], "config.example.toml does not document %s", k)
	}
}

func flatten(prefix string, m map[string]any) []string {
	var out []string
	for k, v := range m {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok {
			out = append(out, flatten(key, sub)...)
			continue
		}
		out = append(out, key)
	}
	return out
}

func TestUnreachableServerNamed(t *testing.T) {
	cfg, err := Parse(`[central]
dsn = "root@tcp(127.0.0.1:1)/central"
[[servers]]
name = "eu"
dsn = "root@tcp(127.0.0.1:2)/"`)
	require.NoError(t, err)
	err = cfg.CheckReachable(t.Context())
	var cerr *Error
	require.ErrorAs(t, err, &cerr)
	require.Len(t, cerr.Problems, 2)
	require.Equal(t, "central.dsn", cerr.Problems[0].Key)
	require.Contains(t, cerr.Problems[1].Key, "servers[0].dsn")
	require.Contains(t, err.Error(), "cannot connect")
}
