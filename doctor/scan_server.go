package doctor

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/jmoiron/sqlx"
	"golang.org/x/sync/errgroup"

	"github.com/tenancy-dev/tenancy/tenants"
)

// serverState is what one batched pass over a server found.
type serverState struct {
	Name string
	// Err is set when the server could not be read at all.
	Err            error
	Version        string
	MaxConnections int
	Databases      map[string]*dbState
	// Users is nil when mysql.user could not be read (UsersErr says why).
	Users    map[string][]account
	UsersErr error
	// Grants are the database-level grants (mysql.db) by user.
	Grants map[string][]dbGrant
	// OwnGrants is SHOW GRANTS of the configured account.
	OwnGrants []string
	queries   int
}

type dbState struct {
	Tables     int
	HasGoose   bool
	HasLaravel bool
	// Version is the newest applied goose version; -1 when unknown.
	Version int64
}

// account is one row of mysql.user.
type account struct {
	User, Host, Plugin, Auth string
	// Global lists the privileges the account has on every database.
	Global []string
}

// dbGrant is one row of mysql.db: privileges on a database pattern.
type dbGrant struct {
	User, Host, Pattern string
	Privs               []string
}

// privColumn maps mysql.db / mysql.user privilege columns to GRANT names.
var privColumn = map[string]string{
	"Create_tmp_table_priv": "CREATE TEMPORARY TABLES", "Lock_tables_priv": "LOCK TABLES",
	"Create_view_priv": "CREATE VIEW", "Show_view_priv": "SHOW VIEW", "Create_routine_priv": "CREATE ROUTINE",
	"Alter_routine_priv": "ALTER ROUTINE", "Grant_priv": "GRANT OPTION", "Delete_history_priv": "DELETE HISTORY",
	"Create_user_priv": "CREATE USER", "Show_db_priv": "SHOW DATABASES", "Super_priv": "SUPER",
	"Repl_slave_priv": "REPLICATION SLAVE", "Repl_client_priv": "REPLICATION CLIENT",
	"Create_tablespace_priv": "CREATE TABLESPACE",
}

func privName(col string) string {
	if n, ok := privColumn[col]; ok {
		return n
	}
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSuffix(col, "_priv"), "_", " "))
}

// scanServer reads one server in a fixed number of statements, whatever
// the number of databases on it (versions: one statement per 200).
func scanServer(ctx context.Context, db *sqlx.DB, name string, versionsOf func(string) bool) *serverState {
	s := &serverState{Name: name, Databases: map[string]*dbState{}, Grants: map[string][]dbGrant{}}
	if err := s.read(ctx, db, versionsOf); err != nil {
		s.Err = err
	}
	return s
}

func (s *serverState) read(ctx context.Context, db *sqlx.DB, versionsOf func(string) bool) error {
	s.queries++
	if err := db.QueryRowContext(ctx, "SELECT VERSION(), @@max_connections").Scan(&s.Version, &s.MaxConnections); err != nil {
		return fmt.Errorf("server %s: %w", s.Name, err)
	}
	var names []string
	s.queries++
	if err := db.SelectContext(ctx, &names, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA"); err != nil {
		return fmt.Errorf("server %s: list databases: %w", s.Name, err)
	}
	for _, n := range names {
		s.Databases[n] = &dbState{Version: -1}
	}
	s.queries++
	rows, err := db.QueryContext(ctx, "SELECT TABLE_SCHEMA, COUNT(*), SUM(TABLE_NAME = 'goose_db_version'), SUM(TABLE_NAME = 'migrations')"+
		" FROM information_schema.TABLES WHERE TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys') GROUP BY TABLE_SCHEMA")
	if err != nil {
		return fmt.Errorf("server %s: count tables: %w", s.Name, err)
	}
	for rows.Next() {
		var schema string
		var n, goose, laravel int
		if err := rows.Scan(&schema, &n, &goose, &laravel); err != nil {
			rows.Close()
			return fmt.Errorf("server %s: count tables: %w", s.Name, err)
		}
		if d, ok := s.Databases[schema]; ok {
			d.Tables, d.HasGoose, d.HasLaravel = n, goose > 0, laravel > 0
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("server %s: count tables: %w", s.Name, err)
	}
	s.readVersions(ctx, db, versionsOf)
	s.readAccounts(ctx, db)
	s.queries++
	_ = db.SelectContext(ctx, &s.OwnGrants, "SHOW GRANTS")
	return nil
}

// versionBatch is how many databases one UNION ALL statement reads, and
// versionConns how many such statements run at once on a server: each
// opens its 200 tables, which a server with a small table cache reads
// from disk (about 3 ms a table here), so a few connections overlap that.
const (
	versionBatch = 200
	versionConns = 4
)

// readVersions reads the newest goose version of every database with a
// goose table that versionsOf wants, 200 databases per statement, on at
// most versionConns connections.
func (s *serverState) readVersions(ctx context.Context, db *sqlx.DB, versionsOf func(string) bool) {
	var want []string
	for name, d := range s.Databases {
		if d.HasGoose && versionsOf(name) {
			want = append(want, name)
		}
	}
	sort.Strings(want)
	var sent atomic.Int64
	var g errgroup.Group
	g.SetLimit(versionConns)
	for start := 0; start < len(want); start += versionBatch {
		batch := want[start:min(start+versionBatch, len(want))]
		g.Go(func() error {
			sent.Add(1)
			if err := s.readVersionBatch(ctx, db, batch); err != nil {
				// One database dropped or unreadable since the listing fails
				// the whole statement: read that batch one by one instead.
				for _, name := range batch {
					sent.Add(1)
					_ = s.readVersionBatch(ctx, db, []string{name})
				}
			}
			return nil
		})
	}
	_ = g.Wait()
	s.queries += int(sent.Load())
}

// readVersionBatch sets the versions of batch. Batches are disjoint, so
// concurrent calls write different dbState values (the map is not
// written while they run).
func (s *serverState) readVersionBatch(ctx context.Context, db *sqlx.DB, batch []string) error {
	parts := make([]string, len(batch))
	args := make([]any, len(batch))
	for i, name := range batch {
		parts[i] = "SELECT ? AS db, COALESCE(MAX(`version_id`), 0) FROM " + tenants.QuoteIdent(name) + ".`goose_db_version` WHERE `is_applied`"
		args[i] = name
	}
	rows, err := db.QueryContext(ctx, strings.Join(parts, " UNION ALL "), args...)
	if err != nil {
		return fmt.Errorf("server %s: read migration versions: %w", s.Name, err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var v int64
		if err := rows.Scan(&name, &v); err != nil {
			return err
		}
		if d, ok := s.Databases[name]; ok {
			d.Version = v
		}
	}
	return rows.Err()
}

// readAccounts reads mysql.user and mysql.db; an account without the
// right to read them leaves Users nil and the user checks say so.
func (s *serverState) readAccounts(ctx context.Context, db *sqlx.DB) {
	s.queries++
	users, err := selectMaps(ctx, db, "SELECT * FROM mysql.user")
	if err != nil {
		s.UsersErr = fmt.Errorf("server %s: read mysql.user (the configured account needs SELECT on mysql.*): %w", s.Name, err)
		return
	}
	s.queries++
	grants, err := selectMaps(ctx, db, "SELECT * FROM mysql.db")
	if err != nil {
		s.UsersErr = fmt.Errorf("server %s: read mysql.db (the configured account needs SELECT on mysql.*): %w", s.Name, err)
		return
	}
	s.Users = map[string][]account{}
	for _, u := range users {
		a := account{User: u["User"], Host: u["Host"], Plugin: u["plugin"], Auth: u["authentication_string"]}
		if a.Auth == "" {
			a.Auth = u["Password"]
		}
		a.Global = privileges(u)
		s.Users[a.User] = append(s.Users[a.User], a)
	}
	for _, g := range grants {
		s.Grants[g["User"]] = append(s.Grants[g["User"]], dbGrant{User: g["User"], Host: g["Host"], Pattern: g["Db"], Privs: privileges(g)})
	}
}

// privileges lists the Y columns of a privilege table row.
func privileges(row map[string]string) []string {
	var out []string
	for col, v := range row {
		if strings.HasSuffix(col, "_priv") && v == "Y" {
			out = append(out, privName(col))
		}
	}
	sort.Strings(out)
	return out
}

// selectMaps reads every column of a query as text.
func selectMaps(ctx context.Context, db *sqlx.DB, q string) ([]map[string]string, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []map[string]string
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		m := make(map[string]string, len(cols))
		for i, c := range cols {
			m[c] = string(vals[i])
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
