package doctor

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
)

// fixAndRecheck applies the safe fixes of a report, requires none failed
// and returns the scan after them.
func (f *fixture) fixAndRecheck(t *testing.T, rep Report, opts Options, restore bool) Report {
	t.Helper()
	res, err := f.doc.Fix(context.Background(), PlanFixes(rep, restore), FixOptions{})
	require.NoError(t, err)
	require.Zero(t, res.Failed, "%+v", res)
	return f.run(t, opts)
}

func TestSchemaAndUserRepairs(t *testing.T) {
	f := newFixture(t)
	behind := f.tenant(t, "Behind", nil)
	q := tenants.QuoteIdent(behind.Database)
	f.env.Exec(t, "DROP TABLE "+q+".activity_log", "DELETE FROM "+q+".goose_db_version WHERE version_id = 3")
	unversioned := f.tenant(t, "Unversioned", func(r *tenants.CreateRequest) { r.NoMigrate = true })
	f.env.Exec(t, "CREATE TABLE "+tenants.QuoteIdent(unversioned.Database)+".legacy (id INT)")
	noUser := f.tenant(t, "NoUser", nil)
	f.env.Exec(t, "DROP USER "+tenants.QuoteString(noUser.DBUser)+"@'%'")
	wrongPw := f.tenant(t, "WrongPassword", nil)
	f.env.Exec(t, "SET PASSWORD FOR "+tenants.QuoteString(wrongPw.DBUser)+"@'%' = PASSWORD('not-the-recorded-one')")
	granted := f.tenant(t, "GrantOption", nil)
	f.env.Exec(t, "GRANT SELECT ON "+tenants.QuoteIdent(tenants.EscapeGrantPattern(granted.Database))+".* TO "+tenants.QuoteString(granted.DBUser)+"@'%' WITH GRANT OPTION")

	opts := Options{Checks: []string{"schema", "users"}}
	rep := f.run(t, opts)
	drift := find(rep, "schema-drift", behind.ID)
	require.Len(t, drift, 1, "%+v", rep.Findings)
	require.Contains(t, drift[0].Evidence, "migrated to version 2; the tenant migrations reach 3 (behind)")
	require.Len(t, find(rep, "schema-no-migrations", unversioned.ID), 1)
	require.Len(t, find(rep, "user-missing", noUser.ID), 1)
	require.Contains(t, find(rep, "user-password", wrongPw.ID)[0].Evidence, "does not match")
	require.Contains(t, find(rep, "user-grants", granted.ID)[0].Evidence, "GRANT OPTION")

	after := f.fixAndRecheck(t, rep, opts, false)
	for _, x := range after.Findings {
		if x.Check != "user-unmatched" { // other fleets' users on the shared server
			require.Equal(t, unversioned.ID, x.Tenant, "only the finding without a fix stays: %+v", x)
		}
	}
	for _, tn := range []tenants.Tenant{noUser, wrongPw, granted} {
		mc, err := f.ts.Servers().MySQLConfig("central", tn.Database)
		require.NoError(t, err)
		mc.User, mc.Passwd = tn.DBUser, tn.DBPassword()
		db, err := openCheck(context.Background(), mc)
		require.NoError(t, err, tn.Name)
		db.Close()
	}
}

func TestRegistryAndDomainFindings(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	control := f.tenant(t, "Plain", nil)
	elsewhere := f.tenant(t, "Elsewhere", nil)
	central := f.env.Database(t, f.env.Prefix+"central")
	_, err := central.Exec("UPDATE tenants SET name = ? WHERE id = ?", "Bad\x1b[31mName\u202e", control.ID)
	require.NoError(t, err)
	_, err = central.Exec("UPDATE tenants SET data = JSON_SET(COALESCE(data, '{}'), '$.tenancy_db_connection', 'nowhere') WHERE id = ?", elsewhere.ID)
	require.NoError(t, err)
	_, err = central.Exec("INSERT INTO domains (domain, tenant_id) VALUES ('bad_domain!.test', ?)", control.ID)
	require.NoError(t, err)
	conn, err := central.Conn(ctx)
	require.NoError(t, err)
	_, err = conn.ExecContext(ctx, "SET SESSION foreign_key_checks = 0")
	require.NoError(t, err)
	_, err = conn.ExecContext(ctx, "INSERT INTO domains (domain, tenant_id) VALUES ('ghost.example.test', 'no-such-tenant')")
	require.NoError(t, err)
	conn.Close()

	rep := f.run(t, Options{Checks: []string{"registry", "domains", "databases"}})
	name := find(rep, "registry-name", control.ID)
	require.Len(t, name, 1, "%+v", rep.Findings)
	require.Contains(t, name[0].Evidence, `\e[31m`)
	require.Contains(t, find(rep, "registry-server", elsewhere.ID)[0].Evidence, `"nowhere"`)
	require.Empty(t, find(rep, "database-missing", elsewhere.ID), "a row on an unknown server is not called missing")
	require.Len(t, find(rep, "domain-invalid", "bad_domain!.test"), 1)
	ghost := find(rep, "domain-orphan", "ghost.example.test")
	require.Len(t, ghost, 1)
	require.Equal(t, "no-such-tenant", ghost[0].Tenant)

	// --tenant keeps only that tenant's findings.
	only := f.run(t, Options{Checks: []string{"registry", "domains"}, Tenants: []string{control.ID}})
	for _, x := range only.Findings {
		require.Equal(t, control.ID, x.Tenant)
	}
	require.NotEmpty(t, only.Findings)
}

func TestBackupFindings(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.tenant(t, "Alpha", nil)
	b := f.tenant(t, "Beta", nil)
	never := f.tenant(t, "Never", nil)
	ba, err := f.bs.Create(ctx, backup.CreateRequest{Tenant: a}, nil)
	require.NoError(t, err)
	bb, err := f.bs.Create(ctx, backup.CreateRequest{Tenant: b}, nil)
	require.NoError(t, err)
	// Alpha's file: one byte changed, same size. Beta's: grown.
	pa := f.bs.Path(ba)
	data, err := os.ReadFile(pa)
	require.NoError(t, err)
	data[len(data)/2] ^= 0xff
	require.NoError(t, os.WriteFile(pa, data, 0o600))
	fb, err := os.OpenFile(f.bs.Path(bb), os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = fb.Write([]byte("junk"))
	require.NoError(t, err)
	fb.Close()
	root := f.bs.Path(backup.Backup{})
	require.NoError(t, os.WriteFile(filepath.Join(root, a.ID, "stray.sql.zst"), []byte("x"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(root, a.ID, ".x.sql.zst.tmp-123"), []byte("x"), 0o600))

	opts := Options{Checks: []string{"backups"}, BackupMaxAge: time.Hour}
	rep := f.run(t, opts)
	require.Empty(t, find(rep, "backup-checksum", ""), "without --deep sizes only")
	require.Contains(t, find(rep, "backup-size", b.ID)[0].Evidence, "the catalog recorded")
	require.Len(t, find(rep, "backup-unlisted-file", a.ID+"/stray.sql.zst"), 1, "%+v", rep.Findings)
	require.Len(t, find(rep, "backup-temp-file", a.ID+"/.x.sql.zst.tmp-123"), 1)
	require.Contains(t, find(rep, "backup-stale", never.ID)[0].Evidence, "no complete backup")
	require.Empty(t, find(rep, "backup-stale", a.ID))

	opts.Deep = true
	deep := f.run(t, opts)
	sum := find(deep, "backup-checksum", a.ID)
	require.Len(t, sum, 1, "%+v", deep.Findings)
	require.Contains(t, sum[0].Evidence, "damaged")
	old := opts
	old.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	require.Len(t, find(f.run(t, old), "backup-stale", a.ID), 1)
}

func TestRestoreMissing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tn := f.tenant(t, "Restored", nil)
	q := tenants.QuoteIdent(tn.Database)
	f.env.Exec(t, "INSERT INTO "+q+".users (name, email, password) VALUES ('Ada', 'ada@example.test', 'x')")
	_, err := f.bs.Create(ctx, backup.CreateRequest{Tenant: tn}, nil)
	require.NoError(t, err)
	f.env.Exec(t, "DROP DATABASE "+q)

	opts := Options{Checks: []string{"databases", "schema"}}
	rep := f.run(t, opts)
	require.Len(t, find(rep, "database-missing", tn.ID), 1)
	after := f.fixAndRecheck(t, rep, opts, true)
	require.Empty(t, find(after, "", tn.ID), "%+v", after.Findings)
	var name string
	require.NoError(t, f.env.Server.Get(&name, "SELECT name FROM "+q+".users WHERE email = 'ada@example.test'"))
	require.Equal(t, "Ada", name)
}

func TestServerDownAndUnreadableVersions(t *testing.T) {
	f := newFixture(t)
	f.env.Config.Servers = append(f.env.Config.Servers, config.Server{Name: "down", DSN: "root@tcp(127.0.0.1:1)/"})
	f.ts = f.env.Service(t)
	f.doc = New(f.ts, f.bs)
	onCentral := func(r *tenants.CreateRequest) { r.Server = "central" }
	ok := f.tenant(t, "Readable", onCentral)
	broken := f.tenant(t, "OddGooseTable", onCentral)
	q := tenants.QuoteIdent(broken.Database)
	f.env.Exec(t, "DROP TABLE "+q+".goose_db_version", "CREATE TABLE "+q+".goose_db_version (id INT)")
	f.env.Exec(t, "DELETE FROM "+tenants.QuoteIdent(ok.Database)+".goose_db_version WHERE version_id = 3")
	lost := f.tenant(t, "OnDownServer", onCentral)
	central := f.env.Database(t, f.env.Prefix+"central")
	_, err := central.Exec("UPDATE tenants SET data = JSON_SET(COALESCE(data, '{}'), '$.tenancy_db_connection', 'down') WHERE id = ?", lost.ID)
	require.NoError(t, err)

	rep := f.run(t, Options{Checks: []string{"servers", "databases", "schema"}})
	down := find(rep, "server-unreachable", "down")
	require.Len(t, down, 1, "%+v", rep.Findings)
	require.Contains(t, down[0].Evidence, "127.0.0.1:1")
	require.Empty(t, find(rep, "database-missing", lost.ID), "a tenant on a server that cannot be read is not called missing")
	require.Len(t, find(rep, "schema-drift", ok.ID), 1, "the readable tenant's version was read despite its neighbour")
	require.Len(t, find(rep, "server-version", "central"), 1)
}
