package backup

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
)

// typeGroups are the round-trip fixtures, one per group of types.
var typeGroups = []struct {
	name  string
	stmts []string
}{
	{"strings", []string{
		"CREATE TABLE s (id INT PRIMARY KEY, v VARCHAR(100) NULL, t LONGTEXT NULL, l VARCHAR(20) CHARACTER SET latin1 NULL, c CHAR(5) NULL, UNIQUE KEY u (c, id), KEY `odd``name` (v(10), l DESC), KEY tx (t(20)))",
		"INSERT INTO s VALUES (1, NULL, NULL, NULL, NULL), (2, '', '', '', ''), (3, 'emoji 😀 𝄞 中文', 'a\\'b\"c\\\\d\\n\\r\\t\\0 \\Z end', 'café', 'abc')",
		"INSERT INTO s SELECT 100 + seq, CONCAT('row', seq), REPEAT(CHAR(seq USING utf8mb4), 3), CHAR(seq), 'x' FROM seq_1_to_127",
	}},
	{"binary", []string{
		"CREATE TABLE b (id INT PRIMARY KEY, bl BLOB NULL, bi BINARY(4) NULL, vb VARBINARY(300) NULL, lb LONGBLOB NULL)",
		"INSERT INTO b VALUES (1, NULL, NULL, NULL, NULL), (2, '', 0x00000000, '', '')",
		"INSERT INTO b SELECT 10 + seq, UNHEX(LPAD(HEX(seq), 2, '0')), UNHEX(CONCAT(LPAD(HEX(seq), 2, '0'), '00FF27')), UNHEX(LPAD(HEX(seq), 2, '0')), REPEAT(UNHEX(LPAD(HEX(seq), 2, '0')), 1000) FROM seq_0_to_255",
		"INSERT INTO b (id, vb) SELECT 1000, UNHEX(GROUP_CONCAT(LPAD(HEX(seq), 2, '0') SEPARATOR '')) FROM seq_0_to_255",
	}},
	{"numbers", []string{
		"CREATE TABLE n (id INT PRIMARY KEY, d DECIMAL(65,30) NULL, ub BIGINT UNSIGNED NULL, sb BIGINT NULL, ti TINYINT NULL, f FLOAT NULL, db DOUBLE NULL, b1 BIT(1) NULL, b64 BIT(64) NULL, y YEAR NULL)",
		"INSERT INTO n VALUES (1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
		"INSERT INTO n VALUES (2, '99999999999999999999999999999999999.999999999999999999999999999999', 18446744073709551615, -9223372036854775808, -128, 0.1, 0.1, b'1', b'1111111111111111111111111111111111111111111111111111111111111111', 2155)",
		"INSERT INTO n VALUES (3, '-0.000000000000000000000000000001', 0, 9223372036854775807, 127, 3.4028234e38, 1.7976931348623157e308, b'0', b'0', 1901)",
		"INSERT INTO n VALUES (4, 0, 1, -1, 0, 1.17549435e-38, 4.9406564584124654e-324, 0, 1, 0)",
		"INSERT INTO n SELECT 10 + seq, seq / 7, seq, -seq, seq % 100, seq / 3, PI() * seq / 7, seq % 2, seq * 12345, 1901 + seq FROM seq_1_to_200",
	}},
	{"time", []string{
		"CREATE TABLE tm (id INT PRIMARY KEY, dt DATETIME(6) NULL, ts TIMESTAMP(6) NULL DEFAULT NULL, t TIME NULL, t6 TIME(6) NULL, d DATE NULL, y YEAR NULL, dz DATETIME NULL)",
		"INSERT INTO tm VALUES (1, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
		"SET time_zone = '+05:30'",
		"INSERT INTO tm VALUES (2, '2024-02-29 23:59:59.999999', '2038-01-19 03:14:07.499999', '-838:59:59', '-00:00:00.000001', '1000-01-01', 1901, '0000-00-00 00:00:00')",
		"INSERT INTO tm VALUES (3, '9999-12-31 23:59:59.000000', '1970-01-01 05:30:01.000001', '838:59:59', '12:34:56.654321', '9999-12-31', 2155, '2001-00-00 00:00:00')",
	}},
	{"enum_set_json_generated_spatial", []string{
		"CREATE TABLE e (id INT PRIMARY KEY, en ENUM('a','b','c d') NULL, st SET('x','y','z') NULL, j JSON NULL, " +
			"g INT AS (id * 2) VIRTUAL, gs VARCHAR(20) AS (CONCAT('g', id)) STORED, " +
			"p POINT NULL, pg POLYGON NULL, geo GEOMETRY NULL)",
		"SET sql_mode = ''",
		"INSERT INTO e (id, en, st, j, p, pg, geo) VALUES (1, NULL, NULL, NULL, NULL, NULL, NULL), (2, '', '', '{}', POINT(0,0), NULL, NULL)",
		"INSERT INTO e (id, en, st, j, p, pg, geo) VALUES (3, 'c d', 'x,z', '{\"a\": [1, 2.5, \"é😀\", null, true], \"b\": {\"c\": \"\\\\n\"}}', ST_GeomFromText('POINT(1.5 -2.25)'), " +
			"ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 10,0 0),(1 1,2 1,2 2,1 1))'), ST_GeomFromText('LINESTRING(0 0,1 1,2 1)', 4326))",
	}},
}

// objectsFixture has foreign keys, views on views, a trigger, routines and
// an event.
var objectsFixture = []string{
	"CREATE TABLE parent (id INT PRIMARY KEY, name VARCHAR(20))",
	"CREATE TABLE child (id INT PRIMARY KEY AUTO_INCREMENT, parent_id INT, note VARCHAR(20), FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE)",
	"CREATE TABLE audit (id INT PRIMARY KEY AUTO_INCREMENT, what VARCHAR(40))",
	"INSERT INTO parent VALUES (1, 'one'), (2, 'two')",
	"INSERT INTO child (parent_id, note) VALUES (1, 'a'), (1, 'b'), (2, 'c')",
	"CREATE VIEW v_zlast AS SELECT p.name, c.note FROM parent p JOIN child c ON c.parent_id = p.id",
	"CREATE VIEW v_alpha AS SELECT name FROM v_zlast WHERE note <> ';'",
	"CREATE TRIGGER child_ai AFTER INSERT ON child FOR EACH ROW BEGIN INSERT INTO audit (what) VALUES (CONCAT('child;', NEW.id)); END",
	"CREATE PROCEDURE add_parent(IN n VARCHAR(20)) BEGIN INSERT INTO parent (id, name) SELECT MAX(id) + 1, n FROM parent; SELECT 1; END",
	"CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2",
	"CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE DO DELETE FROM audit WHERE id < 0",
}

func TestRoundTripThroughMariadbClient(t *testing.T) {
	f := newFixture(t)
	for _, g := range typeGroups {
		t.Run(g.name, func(t *testing.T) {
			tn := f.tenant(t, "types "+g.name, g.stmts...)
			b := f.backup(t, tn, KindFull, CompressZstd)
			target := f.env.Prefix + "client_" + g.name
			f.loadWithClient(t, f.bs.Path(b), target)
			f.requireSameData(t, tn.Database, target)
		})
	}
	t.Run("objects", func(t *testing.T) {
		tn := f.tenant(t, "objects", objectsFixture...)
		b := f.backup(t, tn, KindFull, CompressGzip)
		target := f.env.Prefix + "client_objects"
		f.loadWithClient(t, f.bs.Path(b), target)
		f.requireSameData(t, tn.Database, target)
		require.Equal(t, f.objects(t, tn.Database), f.objects(t, target))
	})
}

// TestRoundTripRestore restores each group into a new database, then over
// the (changed) original with the swap, and compares both with the source.
func TestRoundTripRestore(t *testing.T) {
	f := newFixture(t)
	groups := append(typeGroups, struct {
		name  string
		stmts []string
	}{"objects", objectsFixture})
	for i, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			tn := f.tenant(t, "restore "+g.name, g.stmts...)
			b := f.backup(t, tn, KindFull, []string{CompressZstd, CompressGzip, CompressNone}[i%3])
			copyDB := f.env.Prefix + "copy_" + g.name
			_, err := f.bs.Restore(context.Background(), RestoreRequest{Backup: b, Target: tn, NewDatabase: copyDB}, nil)
			require.NoError(t, err)
			f.requireSameData(t, tn.Database, copyDB)
			require.Equal(t, f.objects(t, tn.Database), f.objects(t, copyDB))

			f.env.Exec(t, "CREATE TABLE "+tenants.QuoteIdent(tn.Database)+".added (id INT)",
				"SET FOREIGN_KEY_CHECKS=0")
			for table := range f.checksums(t, tn.Database) {
				f.env.Exec(t, "DELETE FROM "+tenants.QuoteIdent(tn.Database)+"."+tenants.QuoteIdent(table)+" LIMIT 1")
			}
			res, err := f.bs.Restore(context.Background(), RestoreRequest{Backup: b, Target: tn}, nil)
			require.NoError(t, err)
			require.Equal(t, tn.Database, res.Database)
			f.requireSameData(t, copyDB, tn.Database)
			require.Equal(t, f.objects(t, copyDB), f.objects(t, tn.Database))
			f.requireNoScratch(t)
		})
	}
}

func TestScratchLeftSeesScratchDatabases(t *testing.T) {
	f := newFixture(t)
	require.Empty(t, f.scratchLeft(t))
	f.env.Exec(t, "CREATE DATABASE "+tenants.QuoteIdent(f.env.Prefix+"x__restore_0a1b"))
	require.Equal(t, []string{f.env.Prefix + "x__restore_0a1b"}, f.scratchLeft(t))
}
