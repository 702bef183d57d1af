package perf

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
)

// TestOnlyAccessDeniedCountsAsRefused: a cross-tenant read passes the
// isolation check only when the server denies access; an error that is
// not a denial (a syntax error, an unknown database or table, no server
// at all) proves nothing and is evidence, as is an answer.
func TestOnlyAccessDeniedCountsAsRefused(t *testing.T) {
	env, _, list := fleet(t, 2, true)
	a, b := list[0], list[1]
	open := func(user, password, addr string) *sql.DB {
		mc, err := config.ParseDSN(testdb.DSN())
		require.NoError(t, err)
		mc.User, mc.Passwd, mc.Timeout = user, password, 5*time.Second
		if addr != "" {
			mc.Net, mc.Addr = "tcp", addr
		}
		conn, err := mysql.NewConnector(mc)
		require.NoError(t, err)
		db := sql.OpenDB(conn)
		t.Cleanup(func() { db.Close() })
		return db
	}
	asA := open(a.DBUser, a.DBPassword(), "")
	wrongPassword := open(a.DBUser, a.DBPassword()+"x", "")
	noServer := open(a.DBUser, a.DBPassword(), fmt.Sprintf("127.0.0.1:%d", closedPort(t)))
	root := env.Server.DB
	other := tenants.QuoteIdent(b.Database)
	missing := tenants.QuoteIdent(env.Prefix + "missing")
	for _, c := range []struct {
		name    string
		db      *sql.DB
		query   string
		refused bool
	}{
		{"table access denied", asA, "SELECT COUNT(*) FROM " + other + "." + table, true},
		{"database access denied", asA, "SHOW TABLES FROM " + other, true},
		{"login denied", wrongPassword, "SELECT 1", true},
		{"syntax error", asA, "SELEC 1", false},
		{"unknown database", root, "SHOW TABLES FROM " + missing, false},
		{"unknown table", root, "SELECT COUNT(*) FROM " + other + ".no_such_table", false},
		{"no server", noServer, "SELECT 1", false},
		{"answered", root, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'x'", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			refusal, evidence := tryRead(context.Background(), c.db, c.query, readCount)
			if c.refused {
				require.Empty(t, evidence)
				require.Contains(t, refusal, "denied")
				return
			}
			require.Empty(t, refusal)
			require.Contains(t, evidence, c.query)
		})
	}
}

// closedPort is a loopback port nothing listens on (any more).
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	return port
}
