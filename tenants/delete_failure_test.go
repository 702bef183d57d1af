package tenants_test

import (
	"context"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
)

// MySQL's refusals the limited account meets.
const (
	errDBAccessDenied       = 1044 // ER_DBACCESS_DENIED_ERROR
	errSpecificAccessDenied = 1227 // ER_SPECIFIC_ACCESS_DENIED_ERROR
)

// limitedServer adds a server "limited" to env's config: the same MySQL
// server, reached through an account that may log in and nothing else,
// so every DROP it sends is refused by the server itself. It returns the
// account, for grants.
func limitedServer(t *testing.T, env *testdb.Env) string {
	t.Helper()
	user, password := env.Prefix+"limited", "limited-pw"
	account := tenants.QuoteString(user) + "@'%'"
	env.Exec(t, "CREATE USER "+account+" IDENTIFIED BY "+tenants.QuoteString(password))
	t.Cleanup(func() { _, _ = env.Server.Exec("DROP USER IF EXISTS " + account) })
	mc, err := config.ParseDSN(testdb.DSN())
	require.NoError(t, err)
	mc.User, mc.Passwd = user, password
	env.Config.Servers = append(env.Config.Servers, config.Server{Name: "limited", DSN: mc.FormatDSN()})
	return account
}

// TestDeleteWhoseDropFailsKeepsTheTenant: when the server refuses a drop,
// the tenant stays registered with its domains, and the error says so and
// what was already dropped.
func TestDeleteWhoseDropFailsKeepsTheTenant(t *testing.T) {
	for _, c := range []struct {
		name      string
		grantDrop bool // the limited account may drop the tenant's database
		failed    tenants.Step
		code      uint16
		says      string
	}{
		{"database", false, tenants.StepDropDatabase, errDBAccessDenied, "nothing was removed and the tenant is still registered"},
		{"user", true, tenants.StepDropUser, errSpecificAccessDenied, "the tenant is still registered, but its database "},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := testdb.NewCentral(t)
			limited := limitedServer(t, env)
			svc := env.Service(t)
			ctx := context.Background()
			yes := true
			created, err := svc.Create(ctx, tenants.CreateRequest{Name: "Stays", Domains: []string{"stays.test", "www.stays.test"}, DBUser: &yes, NoMigrate: true, Server: config.CentralServerName}, nil)
			require.NoError(t, err)
			if c.grantDrop {
				env.Exec(t, "GRANT DROP ON "+tenants.QuoteIdent(tenants.EscapeGrantPattern(created.Database))+".* TO "+limited)
			}
			// Its database is now managed through the limited account.
			central := env.Database(t, env.Prefix+"central")
			_, err = central.Exec("UPDATE tenants SET data = JSON_SET(COALESCE(data, '{}'), '$.tenancy_db_connection', 'limited') WHERE id = ?", created.ID)
			require.NoError(t, err)
			tn, err := svc.Find(ctx, created.ID)
			require.NoError(t, err)
			require.Equal(t, "limited", tn.Server)

			var failed []tenants.Step
			err = svc.Delete(ctx, tn, tenants.DeleteOptions{}, func(p tenants.Progress) {
				if p.State == tenants.StepFailed {
					failed = append(failed, p.Step)
				}
			})
			var me *mysql.MySQLError
			require.ErrorAs(t, err, &me)
			require.Equal(t, c.code, me.Number, "%v", err)
			require.Equal(t, []tenants.Step{c.failed}, failed)
			require.ErrorContains(t, err, c.says)

			after, err := svc.Find(ctx, tn.ID)
			require.NoError(t, err, "the tenant is still registered")
			require.Equal(t, []string{"stays.test", "www.stays.test"}, after.Domains)
			var domains int
			require.NoError(t, central.Get(&domains, "SELECT COUNT(*) FROM domains WHERE tenant_id = ?", tn.ID))
			require.Equal(t, 2, domains)
			exists, err := tenants.DatabaseExists(ctx, env.Server, tn.Database)
			require.NoError(t, err)
			require.Equal(t, !c.grantDrop, exists, "the database is kept unless its drop succeeded")
		})
	}
}
