package doctor

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/tenancy-dev/tenancy/tenants"
)

// makeDatabases gives the first n seeded rows a database with a goose
// table at version 3 (what the built-in migrations reach).
func makeDatabases(t testing.TB, f *fixture, n int) {
	t.Helper()
	all, err := f.ts.List(context.Background(), tenants.ListOptions{})
	require.NoError(t, err)
	var g errgroup.Group
	g.SetLimit(4)
	for _, tn := range all[:min(n, len(all))] {
		q := tenants.QuoteIdent(tn.Database)
		g.Go(func() error {
			for _, stmt := range []string{"CREATE DATABASE " + q,
				"CREATE TABLE " + q + ".goose_db_version (id BIGINT AUTO_INCREMENT PRIMARY KEY, version_id BIGINT NOT NULL, is_applied BOOL NOT NULL, tstamp TIMESTAMP NULL DEFAULT NOW())",
				"INSERT INTO " + q + ".goose_db_version (version_id, is_applied) VALUES (0, 1), (3, 1)"} {
				if _, err := f.env.Server.Exec(stmt); err != nil {
					return err
				}
			}
			return nil
		})
	}
	require.NoError(t, g.Wait())
	if n > 1000 {
		// testdb's own cleanup gives up after a minute; thousands of
		// drops take longer on a loaded server.
		t.Cleanup(func() {
			var drops errgroup.Group
			drops.SetLimit(4)
			for _, tn := range all[:min(n, len(all))] {
				drops.Go(func() error {
					_, err := f.env.Server.Exec("DROP DATABASE IF EXISTS " + tenants.QuoteIdent(tn.Database))
					return err
				})
			}
			if err := drops.Wait(); err != nil {
				t.Logf("drop the benchmark's databases: %v", err)
			}
		})
	}
}

func fixtureOf(t testing.TB, rows, dbs int) *fixture {
	f := newFixtureTB(t)
	f.env.SeedRegistry(t, rows)
	makeDatabases(t, f, dbs)
	return f
}

// The scan sends the same statements to a server whatever the number of
// tenants, on a bounded number of connections: never one per tenant.
func TestScanDoesNotGrowWithTenants(t *testing.T) {
	small := fixtureOf(t, 50, 20)
	large := fixtureOf(t, 1500, 20)
	repSmall := small.run(t, Options{})
	central, err := large.ts.Servers().DB(context.Background(), "central")
	require.NoError(t, err)
	repLarge := large.run(t, Options{})
	require.Equal(t, repSmall.Queries, repLarge.Queries, "statements per scan")
	require.LessOrEqual(t, central.Stats().OpenConnections, versionConns+1, "connections the scan held on the server")
	require.Len(t, find(repLarge, "database-missing", ""), 1480)
	require.Empty(t, find(repLarge, "schema-drift", ""))
	require.Equal(t, 1500, repLarge.Tenants)
}

// BenchmarkScan10k: the whole doctor (no --deep) over 10,000 registry
// rows, 1,000 of them with a database (the rest are reported missing;
// TENANCY_DOCTOR_BENCH_DBS=10000 gives every row one).
func BenchmarkScan10k(b *testing.B) {
	dbs := 1000
	if v, err := strconv.Atoi(os.Getenv("TENANCY_DOCTOR_BENCH_DBS")); err == nil {
		dbs = v
	}
	f := fixtureOf(b, 10000, dbs)
	var rep Report
	var conns int
	for b.Loop() {
		var err error
		rep, err = f.doc.Run(context.Background(), Options{})
		require.NoError(b, err)
		db, _ := f.ts.Servers().DB(context.Background(), "central")
		conns = max(conns, stats(db))
	}
	b.ReportMetric(float64(rep.Queries), "queries/scan")
	b.ReportMetric(float64(conns), "max-conns")
	b.ReportMetric(float64(rep.ScanTook.Milliseconds()), "scan-ms")
	for _, c := range rep.Checks {
		b.Logf("check %s: %d findings in %s", c.Name, c.Findings, c.Took)
	}
	b.Logf("%d tenants, %d findings, %d queries, scan %s, total %s", rep.Tenants, len(rep.Findings), rep.Queries, rep.ScanTook, rep.Took)
}

func stats(db *sqlx.DB) int { return db.Stats().OpenConnections }
