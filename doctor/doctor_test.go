package doctor

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/tenants"
)

// drifted is a fleet with one of each kind of drift.
type drifted struct {
	healthy, missing, halfMade, wideGrant, suspended, caseDup, referencer tenants.Tenant
	orphan, lookAlike, referenced                                         string
	orphanUser                                                            string
	runningBackup                                                         int64
	lostBackup                                                            backup.Backup
}

func buildDrift(t *testing.T, f *fixture) drifted {
	t.Helper()
	ctx := context.Background()
	prefix := f.env.Config.Tenancy.DatabasePrefix
	var d drifted
	d.healthy = f.tenant(t, "Healthy", nil)
	d.missing = f.tenant(t, "Missing", nil)
	f.env.Exec(t, "DROP DATABASE "+tenants.QuoteIdent(d.missing.Database))
	d.halfMade = f.tenant(t, "HalfMade", func(r *tenants.CreateRequest) { r.NoMigrate = true; r.DBUser = nil })
	d.wideGrant = f.tenant(t, "WideGrant", nil)
	// The unescaped pattern: its '_' match any character.
	f.env.Exec(t, "GRANT SELECT ON "+tenants.QuoteIdent(d.wideGrant.Database)+".* TO "+tenants.QuoteString(d.wideGrant.DBUser)+"@'%'")
	d.suspended = f.tenant(t, "Suspended", nil)
	central := f.env.Database(t, f.env.Prefix+"central")
	_, err := central.Exec("ALTER TABLE tenants MODIFY `status` VARCHAR(32) NOT NULL DEFAULT 'active'")
	require.NoError(t, err)
	_, err = central.Exec("UPDATE tenants SET status = 'suspended' WHERE id = ?", d.suspended.ID)
	require.NoError(t, err)
	d.caseDup = f.tenant(t, "CaseDup", nil)
	_, err = central.Exec("ALTER TABLE domains MODIFY `domain` VARCHAR(255) COLLATE utf8mb4_bin NOT NULL")
	require.NoError(t, err)
	_, err = central.Exec("INSERT INTO domains (domain, tenant_id) VALUES (?, ?)", "Shop-"+d.caseDup.Domains[0], d.caseDup.ID)
	require.NoError(t, err)
	_, err = central.Exec("INSERT INTO domains (domain, tenant_id) VALUES (?, ?)", "shop-"+d.caseDup.Domains[0], d.healthy.ID)
	require.NoError(t, err)

	// An orphan that follows the naming exactly, with a table and a row.
	d.orphan = prefix + uuid.NewString()
	f.env.Exec(t, "CREATE DATABASE "+tenants.QuoteIdent(d.orphan), "CREATE TABLE "+tenants.QuoteIdent(d.orphan)+".notes (id INT PRIMARY KEY, body TEXT)",
		"INSERT INTO "+tenants.QuoteIdent(d.orphan)+".notes VALUES (1, 'keep me')")
	d.lookAlike = prefix + "reports"
	f.env.Exec(t, "CREATE DATABASE "+tenants.QuoteIdent(d.lookAlike))
	// A uuid-named database another row records as its tenancy_db_name.
	d.referenced = prefix + uuid.NewString()
	d.referencer = f.tenant(t, "Referencer", func(r *tenants.CreateRequest) { r.Database = d.referenced; r.DBUser = nil; r.Domains = nil })

	d.orphanUser = randomUser()
	f.user(t, d.orphanUser, "GRANT SELECT ON "+tenants.QuoteIdent(tenants.EscapeGrantPattern(d.orphan))+".* TO %s")

	// A backup whose file went missing, and a row a dead process left running.
	b, err := f.bs.Create(ctx, backup.CreateRequest{Tenant: d.healthy}, nil)
	require.NoError(t, err)
	d.lostBackup = b
	require.NoError(t, os.Remove(f.bs.Path(b)))
	res, err := central.Exec("INSERT INTO tenant_backups (tenant_id, file, kind, compression, engine, server, database_name, status, started_at) VALUES (?, ?, 'full', 'zstd', 'native', 'central', ?, 'running', ?)",
		d.caseDup.ID, d.caseDup.ID+"/dead.sql.zst", d.caseDup.Database, time.Now().UTC().Add(-time.Hour))
	require.NoError(t, err)
	d.runningBackup, err = res.LastInsertId()
	require.NoError(t, err)
	return d
}

func TestFindsEveryDrift(t *testing.T) {
	f := newFixture(t)
	d := buildDrift(t, f)
	rep := f.run(t, Options{})

	one := func(check, about string) Finding {
		t.Helper()
		got := find(rep, check, about)
		require.Len(t, got, 1, "%s about %s in %+v", check, about, rep.Findings)
		return got[0]
	}
	m := one("database-missing", d.missing.ID)
	require.Equal(t, Error, m.Severity)
	require.Contains(t, m.Evidence, d.missing.Database)
	require.Equal(t, FixSafe, m.FixKind)

	o := one("database-orphan", d.orphan)
	require.Equal(t, FixDestructive, o.FixKind)
	require.Contains(t, o.Evidence, "no tenant row references it (1 tables)")
	require.Contains(t, one("database-unmatched", d.lookAlike).Evidence, "unmatched, ignored")
	require.Empty(t, find(rep, "database-orphan", d.lookAlike))
	require.Empty(t, find(rep, "database-orphan", d.referenced))
	require.Empty(t, find(rep, "database-unmatched", d.referenced))
	require.Empty(t, find(rep, "database-orphan", f.env.Prefix+"central"))

	require.Contains(t, one("schema-half-made", d.halfMade.ID).Evidence, "no tables")
	g := one("user-grants", d.wideGrant.ID)
	require.Contains(t, g.Evidence, "unescaped")
	require.Contains(t, g.Evidence, d.wideGrant.Database)
	u := one("user-orphan", d.orphanUser+"@%")
	require.Contains(t, u.Evidence, d.orphan)
	require.Equal(t, FixDestructive, u.FixKind)

	require.Contains(t, one("registry-status", d.suspended.ID).Evidence, `"suspended"`)
	dup := one("domain-case-duplicate", "shop-"+d.caseDup.Domains[0])
	require.Contains(t, dup.Evidence, "Shop-"+d.caseDup.Domains[0])
	require.Contains(t, one("domain-none", d.referencer.ID).Evidence, "no domain")

	r := one("backup-running", "backup "+itoa(d.runningBackup))
	require.Equal(t, FixSafe, r.FixKind)
	require.Contains(t, one("backup-file-missing", d.caseDupIgnore(d.lostBackup)).Evidence, "does not exist")

	// The healthy tenant has no finding but the info ones.
	for _, x := range rep.Findings {
		if x.Tenant == d.healthy.ID && x.Check != "backup-file-missing" {
			require.Equal(t, Info, x.Severity, "%+v", x)
		}
	}
	for _, c := range rep.Checks {
		require.Empty(t, c.Error, c.Name)
	}
}

func (drifted) caseDupIgnore(b backup.Backup) string {
	return "backup " + itoa(b.ID) + " (" + b.File + ")"
}

func itoa(n int64) string { return fmtInt(n) }

func TestSafeFixRepairs(t *testing.T) {
	f := newFixture(t)
	d := buildDrift(t, f)
	ctx := context.Background()
	rep := f.run(t, Options{})
	plan := PlanFixes(rep, false)
	require.NotEmpty(t, plan.Runs)
	res, err := f.doc.Fix(ctx, plan, FixOptions{Limits: fleet.Limits{Parallel: 2}})
	require.NoError(t, err)
	require.Zero(t, res.Failed, "%+v", res)
	for _, r := range res.Runs {
		require.Equal(t, fleet.RunDone, r.State, r.Operation)
	}

	after := f.run(t, Options{})
	for _, check := range []string{"database-missing", "schema-half-made", "user-grants", "backup-running"} {
		require.Empty(t, find(after, check, ""), check)
	}
	require.True(t, f.databaseExists(t, d.missing.Database))
	var tables int
	require.NoError(t, f.env.Server.Get(&tables, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", d.halfMade.Database))
	require.Positive(t, tables)
	// The recreated user logs in and reaches its own database only.
	mc, err := f.ts.Servers().MySQLConfig("central", d.wideGrant.Database)
	require.NoError(t, err)
	mc.User, mc.Passwd = d.wideGrant.DBUser, d.wideGrant.DBPassword()
	db, err := openCheck(ctx, mc)
	require.NoError(t, err)
	var grants []string
	rows, err := db.Query("SHOW GRANTS")
	require.NoError(t, err)
	for rows.Next() {
		var g string
		require.NoError(t, rows.Scan(&g))
		grants = append(grants, g)
	}
	rows.Close()
	db.Close()
	require.Len(t, grants, 2, "%v", grants)
	require.Contains(t, grants[1], tenants.EscapeGrantPattern(d.wideGrant.Database))
	var state string
	require.NoError(t, f.ts.Central().Get(&state, "SELECT status FROM tenant_backups WHERE id = ?", d.runningBackup))
	require.Equal(t, backup.StatusFailed, state)

	// Safe fixes never touch the destructive ones.
	require.True(t, f.databaseExists(t, d.orphan))
	require.True(t, f.databaseExists(t, d.lookAlike))
	require.Len(t, find(after, "database-orphan", d.orphan), 1)
	require.Len(t, find(after, "user-orphan", d.orphanUser+"@%"), 1)
	// The fixes were recorded as runs.
	fs, err := fleet.Open(ctx, f.ts, Operations(f.ts.Config()))
	require.NoError(t, err)
	runs, err := fs.List(ctx, 10)
	require.NoError(t, err)
	require.Len(t, runs, len(res.Runs))
}

func TestDestructiveFixBacksUpFirst(t *testing.T) {
	f := newFixture(t)
	d := buildDrift(t, f)
	ctx := context.Background()
	rep := f.run(t, Options{})
	plan := PlanFixes(rep, false)

	// Without AllowDrop nothing destructive happens.
	_, err := f.doc.Fix(ctx, Plan{Destructive: plan.Destructive}, FixOptions{})
	require.NoError(t, err)
	require.True(t, f.databaseExists(t, d.orphan))

	// A failing backup: nothing is dropped.
	real := f.doc.backupFirst
	f.doc.backupFirst = func(context.Context, tenants.Tenant) (backup.Backup, error) {
		return backup.Backup{}, errBoom
	}
	res, err := f.doc.Fix(ctx, Plan{Destructive: plan.Destructive}, FixOptions{AllowDrop: true})
	require.NoError(t, err)
	require.True(t, f.databaseExists(t, d.orphan))
	require.Positive(t, res.Failed)

	// With the real backup: backed up, then dropped; the look-alike and
	// the referenced database are untouched.
	f.doc.backupFirst = real
	res, err = f.doc.Fix(ctx, Plan{Destructive: plan.Destructive}, FixOptions{AllowDrop: true})
	require.NoError(t, err)
	var dropped *Applied
	for i, a := range res.Applied {
		if a.Finding.Object == d.orphan {
			dropped = &res.Applied[i]
		}
	}
	require.NotNil(t, dropped)
	require.True(t, dropped.Done, dropped.Error)
	require.NotNil(t, dropped.Backup)
	require.Equal(t, backup.StatusComplete, dropped.Backup.Status)
	require.False(t, f.databaseExists(t, d.orphan))
	require.True(t, f.databaseExists(t, d.lookAlike))
	require.True(t, f.databaseExists(t, d.referenced))
	require.True(t, fileExists(f.bs.Path(*dropped.Backup)))
	// The backup restores: the orphan's row is back in a new database.
	list, err := f.bs.List(ctx, OrphanTenantID(d.orphan))
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, backup.KindOrphan, list[0].Kind)
	// A cleanup by the strictest policy keeps it: orphan backups are
	// outside retention.
	decisions, err := f.bs.Cleanup(ctx, "", backup.Policy{Last: 1}, false)
	require.NoError(t, err)
	kept := false
	for _, dec := range decisions {
		if dec.Backup.ID == list[0].ID {
			kept = dec.Keep
			require.Contains(t, dec.Reasons, "orphan backup: outside retention")
		}
	}
	require.True(t, kept, "the orphan backup is in the cleanup's plan and kept")
	require.True(t, fileExists(f.bs.Path(list[0])))
	list, err = f.bs.List(ctx, OrphanTenantID(d.orphan))
	require.NoError(t, err)
	require.Len(t, list, 1)
	restored := f.env.Config.Tenancy.DatabasePrefix + "restored"
	_, err = f.bs.Restore(ctx, backup.RestoreRequest{Backup: list[0], Target: tenants.Tenant{ID: list[0].TenantID, Server: "central", Database: d.orphan}, NewDatabase: restored}, nil)
	require.NoError(t, err)
	var body string
	require.NoError(t, f.env.Server.Get(&body, "SELECT body FROM "+tenants.QuoteIdent(restored)+".notes WHERE id = 1"))
	require.Equal(t, "keep me", body)

	var n int
	require.NoError(t, f.env.Server.Get(&n, "SELECT COUNT(*) FROM mysql.user WHERE User = ?", d.orphanUser))
	require.Zero(t, n, "the orphan user is dropped")
	require.NoError(t, f.ts.Central().Get(&n, "SELECT COUNT(*) FROM tenant_backups WHERE id = ?", d.lostBackup.ID))
	require.Zero(t, n, "the row of the missing file is deleted")

	after := f.run(t, Options{})
	require.Empty(t, find(after, "database-orphan", ""))
	require.Empty(t, find(after, "user-orphan", ""))
	require.Len(t, find(after, "database-unmatched", d.lookAlike), 1)
}
