package fleet

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
)

// builtIn is the built-in schema's migrations plus extra files.
func builtIn(t *testing.T, extra map[string]string) *Migrations {
	t.Helper()
	m, err := LoadMigrations("")
	require.NoError(t, err)
	for name, text := range extra {
		m.Files[name] = text
	}
	if len(extra) > 0 {
		m.Source = "test migrations"
	}
	require.NoError(t, m.index())
	return m
}

const nicknameMigration = "-- +goose NO TRANSACTION\n-- +goose Up\nALTER TABLE users ADD COLUMN nickname VARCHAR(50) NULL;\n" +
	"-- +goose Down\nALTER TABLE users DROP COLUMN nickname;\n"

// migrateTo brings one tenant to version v (0: the latest) directly.
func (f *fixture) migrateTo(t *testing.T, tn tenants.Tenant, m *Migrations, v int64) {
	t.Helper()
	var to *int64
	if v > 0 {
		to = &v
	}
	op, err := NewMigrate(m, Up, to, 0)
	require.NoError(t, err)
	_, err = op.Do(context.Background(), Env{Servers: f.ts.Servers()}, tn)
	require.NoError(t, err)
}

type gooseRowText struct {
	ID        int64  `db:"id"`
	Version   int64  `db:"version_id"`
	IsApplied bool   `db:"is_applied"`
	Tstamp    string `db:"tstamp"`
}

func (f *fixture) gooseRows(t *testing.T, tn tenants.Tenant) []gooseRowText {
	t.Helper()
	var out []gooseRowText
	require.NoError(t, f.env.Server.Select(&out, "SELECT id, version_id, is_applied, CAST(tstamp AS CHAR) AS tstamp FROM "+
		tenants.QuoteIdent(tn.Database)+".goose_db_version ORDER BY id"))
	return out
}

func (f *fixture) status(t *testing.T, sel Selection, m *Migrations) MigrateStatus {
	t.Helper()
	st, err := f.fs.MigrateStatus(context.Background(), sel, m)
	require.NoError(t, err)
	return st
}

// TestMigrateUpLeavesCurrentTenantsAlone: 10 tenants, 3 at the latest
// version, the others behind or never migrated. The run holds items only
// for the 7 with work (its arguments count the 3), the 3 keep their goose
// rows exactly, and every tenant ends at the latest version.
func TestMigrateUpLeavesCurrentTenantsAlone(t *testing.T) {
	f := newFixture(t)
	m := builtIn(t, nil)
	list := f.tenants(t, 10, config.CentralServerName)
	current := list[:3]
	for _, tn := range current {
		f.migrateTo(t, tn, m, 0)
	}
	for _, tn := range list[3:6] {
		f.migrateTo(t, tn, m, 1)
	}
	before := map[string][]gooseRowText{}
	for _, tn := range current {
		before[tn.ID] = f.gooseRows(t, tn)
		require.Len(t, before[tn.ID], 4, "the zero row and three migrations")
	}

	op, err := NewMigrate(m, Up, nil, 0)
	require.NoError(t, err)
	plan, check, err := f.fs.PlanMigrate(context.Background(), CreateRequest{Operation: op, Selection: Selection{All: true}})
	require.NoError(t, err)
	require.Len(t, plan.Items, 7)
	require.Equal(t, 3, check.NothingToDo)
	actions := map[string]string{}
	for _, it := range plan.Items {
		actions[it.Tenant.ID] = it.Action
	}
	require.Equal(t, "version 1 → 3: apply 00002_projects.sql, 00003_activity_log.sql", actions[list[3].ID])
	require.Equal(t, "version 0 → 3: apply 00001_users.sql, 00002_projects.sql, 00003_activity_log.sql", actions[list[9].ID])

	run, check, err := f.fs.CreateMigrate(context.Background(), CreateRequest{Operation: op, Selection: Selection{All: true}})
	require.NoError(t, err)
	require.Equal(t, 7, run.Total)
	require.Equal(t, 10, check.Selected)
	var args Migrate
	require.NoError(t, json.Unmarshal([]byte(run.Args), &args))
	require.Equal(t, 3, args.NothingToDo, "the run's record says how many were already current")
	require.Equal(t, 10, args.Selected)

	done, err := f.fs.Work(context.Background(), run.ID, fastTick)
	require.NoError(t, err)
	require.Equal(t, RunDone, done.State)
	require.Equal(t, 7, done.Done)
	items := f.items(t, run.ID)
	for _, tn := range current {
		require.NotContains(t, items, tn.ID, "no item for a current tenant")
		require.Equal(t, before[tn.ID], f.gooseRows(t, tn), "a current tenant's goose table is untouched")
	}
	require.Contains(t, items[list[3].ID].Result.Summary, "2 migration(s): up 00002_projects.sql, up 00003_activity_log.sql")
	st := f.status(t, Selection{All: true}, m)
	require.Equal(t, 10, st.Summary.Current)
	require.Equal(t, map[int64]int{3: 10}, st.Summary.AtVersion)

	// Nothing left: no run is recorded.
	run, check, err = f.fs.CreateMigrate(context.Background(), CreateRequest{Operation: op, Selection: Selection{All: true}})
	require.NoError(t, err)
	require.Zero(t, run.ID)
	require.Equal(t, 10, check.NothingToDo)
}

// TestMigrateFailsOnThreeThenFailedOf: a migration adding a column that 3
// of 10 tenants already have: those 3 fail with the server's error, the 7
// others are done; after the column is dropped in the 3, a --failed-of
// run finishes the fleet.
func TestMigrateFailsOnThreeThenFailedOf(t *testing.T) {
	f := newFixture(t)
	base := builtIn(t, nil)
	m := builtIn(t, map[string]string{"00004_nickname.sql": nicknameMigration})
	list := f.tenants(t, 10, config.CentralServerName)
	for _, tn := range list {
		f.migrateTo(t, tn, base, 0)
	}
	broken := []tenants.Tenant{list[1], list[4], list[8]}
	for _, tn := range broken {
		f.execIn(t, tn, "ALTER TABLE users ADD COLUMN nickname VARCHAR(50) NULL")
	}
	op, err := NewMigrate(m, Up, nil, 0)
	require.NoError(t, err)
	run, _, err := f.fs.CreateMigrate(context.Background(), CreateRequest{Operation: op, Selection: Selection{All: true}})
	require.NoError(t, err)
	require.Equal(t, 10, run.Total)
	done, err := f.fs.Work(context.Background(), run.ID, fastTick)
	require.NoError(t, err)
	require.Equal(t, RunFailed, done.State)
	require.Equal(t, 7, done.Done)
	require.Equal(t, 3, done.Failed)
	items := f.items(t, run.ID)
	for _, tn := range broken {
		require.Equal(t, ItemFailed, items[tn.ID].State)
		require.Contains(t, items[tn.ID].Error, "migration 00004_nickname.sql up in "+tn.Database)
		require.Contains(t, items[tn.ID].Error, "Duplicate column name 'nickname'")
	}
	st := f.status(t, Selection{All: true}, m)
	require.Equal(t, map[int64]int{3: 3, 4: 7}, st.Summary.AtVersion)
	require.Equal(t, 3, st.Summary.Behind)

	for _, tn := range broken {
		f.execIn(t, tn, "ALTER TABLE users DROP COLUMN nickname")
	}
	op, err = NewMigrate(m, Up, nil, 0)
	require.NoError(t, err)
	retry, _, err := f.fs.CreateMigrate(context.Background(), CreateRequest{Operation: op, Selection: Selection{FailedOf: run.ID}})
	require.NoError(t, err)
	require.Equal(t, 3, retry.Total)
	done, err = f.fs.Work(context.Background(), retry.ID, fastTick)
	require.NoError(t, err)
	require.Equal(t, RunDone, done.State)
	st = f.status(t, Selection{All: true}, m)
	require.Equal(t, map[int64]int{4: 10}, st.Summary.AtVersion)
	require.Equal(t, 10, st.Summary.Current)
}

// TestMigrateDownRedoTo: down one step, redo, down --to, up --to.
func TestMigrateDownRedoTo(t *testing.T) {
	f := newFixture(t)
	m := builtIn(t, nil)
	list := f.tenants(t, 3, config.CentralServerName)
	for _, tn := range list {
		f.migrateTo(t, tn, m, 0)
	}
	work := func(dir Direction, to *int64) (Run, MigrateCheck) {
		t.Helper()
		op, err := NewMigrate(m, dir, to, 0)
		require.NoError(t, err)
		run, c, err := f.fs.CreateMigrate(context.Background(), CreateRequest{Operation: op, Selection: Selection{All: true}})
		require.NoError(t, err)
		if run.ID == 0 {
			return run, c
		}
		done, err := f.fs.Work(context.Background(), run.ID, fastTick)
		require.NoError(t, err)
		require.Equal(t, RunDone, done.State, "%+v", f.items(t, run.ID))
		return done, c
	}
	at := func() map[int64]int { return f.status(t, Selection{All: true}, m).Summary.AtVersion }

	work(Down, nil)
	require.Equal(t, map[int64]int{2: 3}, at())
	run, _ := work(Redo, nil)
	require.Contains(t, f.items(t, run.ID)[list[0].ID].Result.Summary, "down 00002_projects.sql, up 00002_projects.sql")
	require.Equal(t, map[int64]int{2: 3}, at())
	zero := int64(0)
	work(Down, &zero)
	require.Equal(t, map[int64]int{0: 3}, at())
	_, c := work(Down, &zero)
	require.Equal(t, 3, c.NothingToDo, "nothing left to roll back: no run")
	two := int64(2)
	work(Up, &two)
	require.Equal(t, map[int64]int{2: 3}, at())

	_, err := NewMigrate(m, Redo, &two, 0)
	require.Error(t, err)
	_, err = NewMigrate(m, "sideways", nil, 0)
	require.Error(t, err)
}

// TestMigrateFinishesAHalfMadeVersionTable: a process killed between
// goose's CREATE TABLE (which MySQL commits at once) and its zero row
// leaves the table empty; the next migrate adds the row and migrates,
// where goose alone refuses the tenant ("missing zero version
// migration": CI's kill test met it).
func TestMigrateFinishesAHalfMadeVersionTable(t *testing.T) {
	f := newFixture(t)
	tn := f.tenants(t, 1, config.CentralServerName)[0]
	f.execIn(t, tn, "CREATE TABLE goose_db_version (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, "+
		"version_id BIGINT NOT NULL, is_applied BOOLEAN NOT NULL, tstamp TIMESTAMP NULL DEFAULT now())")
	m := builtIn(t, nil)
	f.migrateTo(t, tn, m, 0)
	rows := f.gooseRows(t, tn)
	require.Len(t, rows, 1+len(m.Versions()))
	require.Equal(t, int64(0), rows[0].Version, "the zero row first")
	require.Equal(t, m.Latest(), rows[len(rows)-1].Version)
}
