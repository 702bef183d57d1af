package backup

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
)

// TestCopyStreamsEveryType copies each type group and the objects fixture
// into a new database through the pipe: same checksums, rows, DDL and
// objects; then CopyTables brings a changed table (with a trigger on it)
// over again without touching the others.
func TestCopyStreamsEveryType(t *testing.T) {
	f := newFixture(t)
	f.bs.chunkBytes = 64 << 10 // several key ranges per table, on both workers
	var stmts []string
	for _, g := range typeGroups {
		stmts = append(stmts, g.stmts...)
	}
	stmts = append(stmts, "SET sql_mode = DEFAULT", "SET time_zone = DEFAULT")
	stmts = append(stmts, objectsFixture...)
	tn := f.tenant(t, "copy source", stmts...)
	dst := f.env.Prefix + "copy_dst"
	f.env.Exec(t, "CREATE DATABASE "+tenants.QuoteIdent(dst))
	var reports int
	res, err := f.bs.Copy(context.Background(), tn, tn.Server, dst, func(Progress) { reports++ })
	require.NoError(t, err)
	require.Positive(t, reports)
	require.Equal(t, len(f.checksums(t, tn.Database)), res.Tables)
	f.requireSameData(t, tn.Database, dst)
	require.Equal(t, f.objects(t, tn.Database), f.objects(t, dst))

	f.env.Exec(t, "INSERT INTO "+tenants.QuoteIdent(tn.Database)+".child (parent_id, note) VALUES (2, 'late')",
		"UPDATE "+tenants.QuoteIdent(tn.Database)+".s SET v = 'changed' WHERE id = 3")
	before := f.checksums(t, dst)
	_, err = f.bs.CopyTables(context.Background(), tn, tn.Server, dst, []string{"child", "audit", "s"}, nil)
	require.NoError(t, err)
	f.requireSameData(t, tn.Database, dst)
	require.Equal(t, f.objects(t, tn.Database), f.objects(t, dst), "the trigger on child is back")
	after := f.checksums(t, dst)
	require.Equal(t, before["b"], after["b"], "a table not asked for is untouched")
	f.requireNoScratch(t)
}

// TestCopyFailureStopsBothSides: a load that fails (the target database
// does not exist) ends the dump too, with the load's error.
func TestCopyFailureStopsBothSides(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant(t, "copy fails", "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))", "INSERT INTO t VALUES (1, 'a')")
	_, err := f.bs.Copy(context.Background(), tn, tn.Server, f.env.Prefix+"missing", nil)
	require.ErrorContains(t, err, "missing")
	_, err = f.bs.CopyTables(context.Background(), tn, tn.Server, tn.Database, []string{"nope"}, nil)
	require.ErrorContains(t, err, "0 of the 1 tables")
	f.requireNoScratch(t)
}
