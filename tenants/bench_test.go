package tenants_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/tenancy-dev/tenancy/config"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/testdb"
)

const benchTenants = 50

// BenchmarkCreate50 creates 50 tenants with the default schema, first one
// after another, then 4 at a time, and sends the same statements through
// the `mariadb` client in the same run, printing the ratio.
func BenchmarkCreate50(b *testing.B) {
	// Rounds alternate client and tenancy runs, and medians are compared,
	// so a load spike from elsewhere on the machine hits both sides.
	const rounds = 5
	for i := 0; i < b.N; i++ {
		var client, seq, par []time.Duration
		for r := 0; r < rounds; r++ {
			client = append(client, timeClient(b))
			seq = append(seq, timeCreate(b, 1))
			par = append(par, timeCreate(b, 4))
		}
		c, s, p := median(client), median(seq), median(par)
		b.ReportMetric(float64(benchTenants)/s.Seconds(), "tenants/s-seq")
		b.ReportMetric(float64(benchTenants)/p.Seconds(), "tenants/s-4")
		b.ReportMetric(float64(benchTenants)/c.Seconds(), "tenants/s-client")
		b.ReportMetric(s.Seconds()/c.Seconds(), "seq/client")
		fmt.Printf("create %d tenants (median of %d alternating rounds): mariadb client %v (%.1f/s), tenancy sequential %v (%.1f/s), tenancy 4 at a time %v (%.1f/s); sequential/client = %.2fx (target <= 1.20x)\n",
			benchTenants, rounds, c.Round(time.Millisecond), float64(benchTenants)/c.Seconds(),
			s.Round(time.Millisecond), float64(benchTenants)/s.Seconds(),
			p.Round(time.Millisecond), float64(benchTenants)/p.Seconds(), s.Seconds()/c.Seconds())
	}
}

func median(ds []time.Duration) time.Duration {
	sorted := append([]time.Duration(nil), ds...)
	slices.Sort(sorted)
	return sorted[len(sorted)/2]
}

func timeCreate(b *testing.B, workers int) time.Duration {
	env := testdb.NewCentral(b)
	svc, err := tenants.Open(context.Background(), env.Config, tenants.Options{})
	require.NoError(b, err)
	defer svc.Close()
	ctx := context.Background()
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i := 0; i < benchTenants; i++ {
		g.Go(func() error {
			_, err := svc.Create(gctx, tenants.CreateRequest{Name: fmt.Sprintf("Bench %d", i), Domains: []string{fmt.Sprintf("bench%d.test", i)}}, nil)
			return err
		})
	}
	require.NoError(b, g.Wait())
	return time.Since(start)
}

// timeClient pipes the statements tenancy sends for 50 tenants (database,
// goose's version table and migrations, registry rows) to `mariadb`.
func timeClient(b *testing.B) time.Duration {
	env := testdb.NewCentral(b)
	ups := migrationUps(b)
	central := env.Prefix + "central"
	var script bytes.Buffer
	for i := 0; i < benchTenants; i++ {
		id := uuid.NewString()
		db := tenants.QuoteIdent(env.Config.Tenancy.DatabasePrefix + id)
		fmt.Fprintf(&script, "CREATE DATABASE %s CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\nUSE %s;\n", db, db)
		script.WriteString("CREATE TABLE goose_db_version (id serial NOT NULL, version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp NULL default now(), PRIMARY KEY(id));\n")
		script.WriteString("INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, 1);\n")
		for v, up := range ups {
			fmt.Fprintf(&script, "%s\nINSERT INTO goose_db_version (version_id, is_applied) VALUES (%d, 1);\n", up, v+1)
		}
		fmt.Fprintf(&script, "USE %s;\nINSERT INTO tenants (id, name, `database`, status, data, created_at, updated_at) VALUES ('%s', 'Bench %d', '%s', 'active', '{}', NOW(), NOW());\n",
			tenants.QuoteIdent(central), id, i, env.Config.Tenancy.DatabasePrefix+id)
		fmt.Fprintf(&script, "INSERT INTO domains (domain, tenant_id, created_at, updated_at) VALUES ('client%d.test', '%s', NOW(), NOW());\n", i, id)
	}
	mc, err := config.ParseDSN(testdb.DSN())
	require.NoError(b, err)
	host, port, _ := strings.Cut(mc.Addr, ":")
	args := []string{"--protocol=tcp", "-h", host, "-P", port, "-u", mc.User}
	if mc.Passwd != "" {
		args = append(args, "-p"+mc.Passwd)
	}
	cmd := exec.Command("mariadb", args...)
	cmd.Stdin = &script
	start := time.Now()
	out, err := cmd.CombinedOutput()
	require.NoError(b, err, "mariadb client: %s", out)
	return time.Since(start)
}

func migrationUps(b *testing.B) []string {
	files, err := filepath.Glob("migrations/*.sql")
	require.NoError(b, err)
	sort.Strings(files)
	var ups []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(b, err)
		text := string(data)
		up := text[strings.Index(text, "-- +goose Up")+len("-- +goose Up") : strings.Index(text, "-- +goose Down")]
		ups = append(ups, strings.TrimSpace(up))
	}
	return ups
}

// BenchmarkList10k lists a registry of 10,000 tenants (each with a domain).
func BenchmarkList10k(b *testing.B) {
	env := testdb.NewCentral(b)
	env.SeedRegistry(b, 10000)
	svc := env.Service(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		list, err := svc.List(ctx, tenants.ListOptions{Filter: "", Sort: tenants.SortName})
		require.NoError(b, err)
		require.Len(b, list, 10000)
	}
}
