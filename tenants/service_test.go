package tenants_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
)

// stanclMigration is the central schema stancl/tenancy v3's migrations
// create on MySQL (create_tenants_table, create_domains_table).
var stanclMigration = []string{
	"CREATE TABLE `tenants` (`id` VARCHAR(255) NOT NULL, `created_at` TIMESTAMP NULL, `updated_at` TIMESTAMP NULL, `data` JSON NULL, PRIMARY KEY (`id`)) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	"CREATE TABLE `domains` (`id` INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, `domain` VARCHAR(255) NOT NULL, `tenant_id` VARCHAR(255) NOT NULL, `created_at` TIMESTAMP NULL, `updated_at` TIMESTAMP NULL, UNIQUE KEY `domains_domain_unique` (`domain`), CONSTRAINT `domains_tenant_id_foreign` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON UPDATE CASCADE ON DELETE CASCADE) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
}

func newStanclEnv(t *testing.T) (*testdb.Env, *sqlx.DB) {
	env := testdb.New(t)
	env.Exec(t, "CREATE DATABASE "+tenants.QuoteIdent(env.Prefix+"central"))
	central := env.Database(t, env.Prefix+"central")
	for _, s := range stanclMigration {
		_, err := central.Exec(s)
		require.NoError(t, err)
	}
	return env, central
}

func TestLifecycleBothFlavours(t *testing.T) {
	for _, flavour := range []tenants.Flavour{tenants.FlavourArtflow, tenants.FlavourStancl} {
		t.Run(string(flavour), func(t *testing.T) {
			var env *testdb.Env
			var central *sqlx.DB
			if flavour == tenants.FlavourStancl {
				env, central = newStanclEnv(t)
			} else {
				env = testdb.NewCentral(t)
				central = env.Database(t, env.Prefix+"central")
			}
			ctx := context.Background()
			svc := env.Service(t)
			require.Equal(t, flavour, svc.Flavour())

			var steps []tenants.Step
			created, err := svc.Create(ctx, tenants.CreateRequest{Name: "Acme Corp", Domains: []string{"Acme.Test", "www.acme.test"}, Seed: true},
				func(p tenants.Progress) {
					if p.State == tenants.StepDone {
						steps = append(steps, p.Step)
					}
				})
			require.NoError(t, err)
			require.Equal(t, []tenants.Step{tenants.StepDatabase, tenants.StepRecords, tenants.StepMigrations, tenants.StepSeed}, steps)
			require.Equal(t, []string{"acme.test", "www.acme.test"}, created.Domains)
			require.Equal(t, env.Config.Tenancy.DatabasePrefix+created.ID, created.Database)
			require.Equal(t, tenants.StatusActive, created.Status)
			exists, err := tenants.DatabaseExists(ctx, env.Server, created.Database)
			require.NoError(t, err)
			require.True(t, exists)
			var users int
			require.NoError(t, env.Database(t, created.Database).Get(&users, "SELECT COUNT(*) FROM users"))
			require.Equal(t, 200, users)

			// Foreign keys in data survive our writes (stancl's VirtualColumn).
			_, err = central.Exec("UPDATE tenants SET data = JSON_SET(COALESCE(data, '{}'), '$.plan', 'gold', '$.tenancy_custom', 1) WHERE id = ?", created.ID)
			require.NoError(t, err)

			second, err := svc.Create(ctx, tenants.CreateRequest{Name: "Beta", Domains: []string{"beta.test"}, NoMigrate: true, Status: tenants.StatusInactive}, nil)
			require.NoError(t, err)
			list, err := svc.List(ctx, tenants.ListOptions{})
			require.NoError(t, err)
			require.Len(t, list, 2)
			require.Equal(t, 0, list[0].Index)
			require.Equal(t, 1, list[1].Index)
			// Rows created in the same second are ordered by id.
			require.Equal(t, second.ID, list[second.Index].ID, "a single-row read gives the same index as the listing")

			got, err := svc.Find(ctx, "www.acme.test")
			require.NoError(t, err)
			require.Equal(t, created.ID, got.ID)
			info, err := svc.DatabaseInfo(ctx, got)
			require.NoError(t, err)
			require.True(t, info.Exists)
			require.Len(t, info.Tables, 5) // goose_db_version + 4 tables
			require.Positive(t, info.Bytes)

			blocked, err := svc.SetStatus(ctx, got, tenants.StatusBlocked)
			require.NoError(t, err)
			require.Equal(t, tenants.StatusBlocked, blocked.Status)
			var raw string
			require.NoError(t, central.Get(&raw, "SELECT data FROM tenants WHERE id = ?", created.ID))
			var data map[string]any
			require.NoError(t, json.Unmarshal([]byte(raw), &data))
			require.Equal(t, "gold", data["plan"])
			require.EqualValues(t, 1, data["tenancy_custom"])
			if flavour == tenants.FlavourStancl {
				require.Equal(t, "blocked", data["status"])
				require.Equal(t, "Acme Corp", data["name"])
			} else {
				var status string
				require.NoError(t, central.Get(&status, "SELECT status FROM tenants WHERE id = ?", created.ID))
				require.Equal(t, "blocked", status)
			}

			active, err := svc.List(ctx, tenants.ListOptions{Status: tenants.StatusInactive})
			require.NoError(t, err)
			require.Len(t, active, 1)
			require.Equal(t, second.ID, active[0].ID)

			withDomain, err := svc.AddDomain(ctx, second, "B.test")
			require.NoError(t, err)
			require.Equal(t, []string{"beta.test", "b.test"}, withDomain.Domains)
			_, err = svc.AddDomain(ctx, second, "acme.test")
			require.ErrorContains(t, err, "already belongs")
			withDomain, err = svc.RemoveDomain(ctx, withDomain, "beta.test")
			require.NoError(t, err)
			require.Equal(t, []string{"b.test"}, withDomain.Domains)

			require.NoError(t, svc.Delete(ctx, blocked, tenants.DeleteOptions{}, nil))
			exists, err = tenants.DatabaseExists(ctx, env.Server, created.Database)
			require.NoError(t, err)
			require.False(t, exists)
			var domains int
			require.NoError(t, central.Get(&domains, "SELECT COUNT(*) FROM domains WHERE tenant_id = ?", created.ID))
			require.Zero(t, domains)
			_, err = svc.Find(ctx, created.ID)
			require.ErrorIs(t, err, tenants.ErrNotFound)

			require.NoError(t, svc.Delete(ctx, withDomain, tenants.DeleteOptions{KeepDatabase: true}, nil))
			exists, err = tenants.DatabaseExists(ctx, env.Server, second.Database)
			require.NoError(t, err)
			require.True(t, exists, "--keep-db keeps the database")
		})
	}
}

func TestStanclTenantWithOwnDatabaseName(t *testing.T) {
	env, central := newStanclEnv(t)
	_, err := central.Exec(`INSERT INTO tenants (id, data, created_at, updated_at) VALUES
		('foo', '{"tenancy_db_name":"custom_db","name":"Foo","status":"weird"}', NOW(), NOW()),
		('bar', NULL, NOW() + INTERVAL 1 SECOND, NULL)`)
	require.NoError(t, err)
	svc := env.Service(t)
	list, err := svc.List(context.Background(), tenants.ListOptions{})
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, "custom_db", list[0].Database)
	require.Equal(t, tenants.Status("weird"), list[0].Status, "unknown statuses are shown as they are")
	require.False(t, list[0].Status.Known())
	require.Equal(t, env.Config.Tenancy.DatabasePrefix+"bar", list[1].Database)
	require.Equal(t, tenants.StatusActive, list[1].Status)
}

func TestCreateRollsBackAtEveryStep(t *testing.T) {
	env := testdb.NewCentral(t)
	svc := env.Service(t)
	ctx := context.Background()
	yes := true
	for _, failAt := range tenants.CreateSteps {
		t.Run(string(failAt), func(t *testing.T) {
			tenants.SetBeforeStep(svc, func(s tenants.Step) error {
				if s == failAt {
					return errors.New("injected failure")
				}
				return nil
			})
			id := "rollback-" + string(failAt)
			var user string
			_, err := svc.Create(ctx, tenants.CreateRequest{ID: id, Name: "R " + string(failAt), Domains: []string{id + ".test"}, DBUser: &yes, Seed: true},
				func(p tenants.Progress) {
					if p.Step == tenants.StepUser && p.State == tenants.StepStarted {
						user = strings.Fields(p.Message)[2] // "create user NAME with access ..."
					}
				})
			var se *tenants.StepError
			require.ErrorAs(t, err, &se)
			require.Equal(t, failAt, se.Step)
			require.True(t, se.RolledBack)
			require.Contains(t, err.Error(), "rolled back")
			assertNothingLeft(t, env, id, user)
		})
	}
	tenants.SetBeforeStep(svc, nil)
}

func assertNothingLeft(t *testing.T, env *testdb.Env, id, user string) {
	t.Helper()
	exists, err := tenants.DatabaseExists(context.Background(), env.Server, env.Config.Tenancy.DatabasePrefix+id)
	require.NoError(t, err)
	require.False(t, exists, "database left behind")
	central := env.Database(t, env.Prefix+"central")
	var n int
	require.NoError(t, central.Get(&n, "SELECT COUNT(*) FROM tenants WHERE id = ?", id))
	require.Zero(t, n, "tenant row left behind")
	require.NoError(t, central.Get(&n, "SELECT COUNT(*) FROM domains WHERE tenant_id = ?", id))
	require.Zero(t, n, "domain rows left behind")
	if user != "" {
		require.NoError(t, env.Server.Get(&n, "SELECT COUNT(*) FROM mysql.user WHERE User = ?", user))
		require.Zero(t, n, "database user %s left behind", user)
	}
}

func TestCreateRefusesExistingDatabaseAndDuplicates(t *testing.T) {
	env := testdb.NewCentral(t)
	svc := env.Service(t)
	ctx := context.Background()
	name := env.Config.Tenancy.DatabasePrefix + "taken"
	env.Exec(t, "CREATE DATABASE "+tenants.QuoteIdent(name))
	_, err := svc.Create(ctx, tenants.CreateRequest{ID: "taken", Name: "Taken"}, nil)
	require.ErrorContains(t, err, "database "+name+" already exists")
	exists, err := tenants.DatabaseExists(ctx, env.Server, name)
	require.NoError(t, err)
	require.True(t, exists, "an existing database is never dropped by a failed create")

	_, err = svc.Create(ctx, tenants.CreateRequest{Name: "One", Domains: []string{"one.test"}, NoMigrate: true}, nil)
	require.NoError(t, err)
	_, err = svc.Create(ctx, tenants.CreateRequest{Name: "Two", Domains: []string{"ONE.test"}, NoMigrate: true}, nil)
	require.ErrorContains(t, err, "domain one.test already belongs to tenant [0] One (")
	_, err = svc.Create(ctx, tenants.CreateRequest{Name: "Bad", Domains: []string{"bad_domain"}}, nil)
	require.ErrorContains(t, err, "not a valid host name")
	_, err = svc.Create(ctx, tenants.CreateRequest{Name: "Long", Database: fmt.Sprintf("%065d", 0)}, nil)
	require.ErrorContains(t, err, "at most 64")
}

// TestGrantWildcardsEscaped proves a tenant user on a_c cannot reach abc,
// and neither can reach the other, by connecting as each.
func TestGrantWildcardsEscaped(t *testing.T) {
	env := testdb.NewCentral(t)
	svc := env.Service(t)
	ctx := context.Background()
	yes := true
	p := env.Config.Tenancy.DatabasePrefix
	ac, err := svc.Create(ctx, tenants.CreateRequest{Name: "AC", Database: p + "a_c", DBUser: &yes}, nil)
	require.NoError(t, err)
	abc, err := svc.Create(ctx, tenants.CreateRequest{Name: "ABC", Database: p + "abc", DBUser: &yes}, nil)
	require.NoError(t, err)
	for _, pair := range [][2]tenants.Tenant{{ac, abc}, {abc, ac}} {
		own, other := pair[0], pair[1]
		db := connectAs(t, own, "")
		_, err := db.Exec("CREATE TABLE " + tenants.QuoteIdent(own.Database) + ".own_table (id INT)")
		require.NoError(t, err, "%s can use its own database", own.Name)
		_, err = db.Exec("SELECT COUNT(*) FROM " + tenants.QuoteIdent(other.Database) + ".users")
		var me *mysql.MySQLError
		require.ErrorAs(t, err, &me, "%s must be refused %s", own.Name, other.Database)
		require.Contains(t, []uint16{1044, 1142}, me.Number, "access denied, got %v", err)
		_, err = db.Exec("CREATE TABLE " + tenants.QuoteIdent(other.Database) + ".intruder (id INT)")
		require.ErrorAs(t, err, &me)
	}
	require.NoError(t, svc.Delete(ctx, ac, tenants.DeleteOptions{}, nil))
	var n int
	require.NoError(t, env.Server.Get(&n, "SELECT COUNT(*) FROM mysql.user WHERE User = ?", ac.DBUser))
	require.Zero(t, n, "delete drops the tenant's user")
}

func connectAs(t *testing.T, tn tenants.Tenant, database string) *sqlx.DB {
	t.Helper()
	mc, err := config.ParseDSN(testdb.DSN())
	require.NoError(t, err)
	mc.User, mc.Passwd, mc.DBName = tn.DBUser, tn.DBPassword(), database
	conn, err := mysql.NewConnector(mc)
	require.NoError(t, err)
	db := sqlx.NewDb(sqlOpen(conn), "mysql")
	t.Cleanup(func() { db.Close() })
	require.NoError(t, db.Ping())
	return db
}

func TestConcurrentDeletesOneWins(t *testing.T) {
	env := testdb.NewCentral(t)
	ctx := context.Background()
	svc1 := env.Service(t)
	svc2 := env.Service(t) // a second process's service: its own connections
	tn, err := svc1.Create(ctx, tenants.CreateRequest{Name: "Contended"}, nil)
	require.NoError(t, err)

	// Hold the lock as a third party would, then let both delete at once.
	lock, err := tenants.AcquireLock(ctx, svc1.Central(), tn.ID)
	require.NoError(t, err)
	err = svc2.Delete(ctx, tn, tenants.DeleteOptions{}, nil)
	var le *tenants.LockedError
	require.ErrorAs(t, err, &le)
	require.Contains(t, err.Error(), "MySQL connection")
	require.NoError(t, lock.Release())

	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, svc := range []*tenants.Service{svc1, svc2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = svc.Delete(ctx, tn, tenants.DeleteOptions{}, nil)
		}()
	}
	wg.Wait()
	wins := 0
	for _, e := range errs {
		if e == nil {
			wins++
			continue
		}
		// The loser is either refused by the lock or finds the tenant gone.
		require.True(t, errors.As(e, &le) || errors.Is(e, tenants.ErrNotFound), "unexpected error: %v", e)
	}
	require.Equal(t, 1, wins, "exactly one delete wins: %v", errs)
}

func TestReadOnlyRefusesWrites(t *testing.T) {
	env := testdb.NewCentral(t)
	svc, err := tenants.Open(context.Background(), env.Config, tenants.Options{ReadOnly: true})
	require.NoError(t, err)
	defer svc.Close()
	_, err = svc.Create(context.Background(), tenants.CreateRequest{Name: "x"}, nil)
	require.ErrorIs(t, err, tenants.ErrReadOnly)
	// The session itself is read-only too.
	_, err = svc.Central().Exec("INSERT INTO tenants (id) VALUES ('sneaky')")
	require.Error(t, err)
	require.Contains(t, err.Error(), "READ ONLY")
}

func TestNewTenantsGoToTheLeastLoadedServer(t *testing.T) {
	env := testdb.NewCentral(t)
	// A second logical server on the same MariaDB: placement is by count.
	env.Config.Servers = []config.Server{{Name: "eu-2", DSN: testdb.DSN()}}
	svc := env.Service(t)
	ctx := context.Background()
	var placed []string
	for i := 0; i < 4; i++ {
		tn, err := svc.Create(ctx, tenants.CreateRequest{Name: fmt.Sprintf("P%d", i), NoMigrate: true}, nil)
		require.NoError(t, err)
		placed = append(placed, tn.Server)
	}
	require.Equal(t, []string{"central", "eu-2", "central", "eu-2"}, placed)
	_, err := svc.Create(ctx, tenants.CreateRequest{Name: "nowhere", Server: "mars"}, nil)
	require.ErrorContains(t, err, `server "mars" is not configured`)
}

func TestBrokenMigrationRollsBack(t *testing.T) {
	env := testdb.NewCentral(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "00001_ok.sql"), []byte("-- +goose Up\nCREATE TABLE ok (id INT);\n-- +goose Down\nDROP TABLE ok;\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "00002_broken.sql"), []byte("-- +goose Up\nCREATE TABLE broken (id INT, id INT);\n-- +goose Down\nSELECT 1;\n"), 0o644))
	env.Config.Tenancy.MigrationsDir = dir
	svc := env.Service(t)
	_, err := svc.Create(context.Background(), tenants.CreateRequest{ID: "broken-mig", Name: "Broken", Domains: []string{"broken.test"}}, nil)
	var se *tenants.StepError
	require.ErrorAs(t, err, &se)
	require.Equal(t, tenants.StepMigrations, se.Step)
	require.Contains(t, err.Error(), "Duplicate column")
	assertNothingLeft(t, env, "broken-mig", "")
}

func TestConcurrentCreatesOfOneIDOneWins(t *testing.T) {
	env := testdb.NewCentral(t)
	ctx := context.Background()
	svcs := []*tenants.Service{env.Service(t), env.Service(t)}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, svc := range svcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = svc.Create(ctx, tenants.CreateRequest{ID: "twin", Name: fmt.Sprintf("Twin %d", i), Domains: []string{fmt.Sprintf("twin%d.test", i)}}, nil)
		}()
	}
	wg.Wait()
	require.True(t, (errs[0] == nil) != (errs[1] == nil), "exactly one create wins: %v", errs)
	tn, err := svcs[0].Find(ctx, "twin")
	require.NoError(t, err)
	exists, err := tenants.DatabaseExists(ctx, env.Server, tn.Database)
	require.NoError(t, err)
	require.True(t, exists, "the loser's rollback never drops the winner's database")
	var users int
	require.NoError(t, env.Database(t, tn.Database).Get(&users, "SELECT COUNT(*) FROM goose_db_version"))
	require.Positive(t, users, "the winner's migrations are intact")
}
