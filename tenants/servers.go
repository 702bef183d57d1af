package tenants

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"

	"github.com/tenancy-dev/tenancy/config"
)

// Servers holds one connection pool per configured MySQL server (with no
// default database), opened on first use.
type Servers struct {
	cfg      *config.Config
	readOnly bool

	mu    sync.Mutex
	pools map[string]*sqlx.DB
}

// NewServers returns the pools for cfg's servers. With readOnly, every
// session is opened with transactions read-only.
func NewServers(cfg *config.Config, readOnly bool) *Servers {
	return &Servers{cfg: cfg, readOnly: readOnly, pools: map[string]*sqlx.DB{}}
}

// Names lists the configured servers, central first.
func (s *Servers) Names() []string {
	var out []string
	for _, sv := range s.cfg.AllServers() {
		out = append(out, sv.Name)
	}
	return out
}

// ReadOnly reports whether sessions are opened read-only.
func (s *Servers) ReadOnly() bool { return s.readOnly }

// DB returns the pool for a server by name.
func (s *Servers) DB(ctx context.Context, name string) (*sqlx.DB, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if db, ok := s.pools[name]; ok {
		return db, nil
	}
	mc, err := s.MySQLConfig(name, "")
	if err != nil {
		return nil, err
	}
	db, err := openDB(ctx, mc, s.readOnly)
	if err != nil {
		return nil, fmt.Errorf("server %s: %w", name, err)
	}
	s.pools[name] = db
	return db, nil
}

// MySQLConfig returns a driver config for a server, with database selected
// (or none when database is ""). Callers that open their own pools (the
// dump engine, load tests) start from it.
func (s *Servers) MySQLConfig(name, database string) (*mysql.Config, error) {
	sv, ok := s.cfg.Server(name)
	if !ok {
		return nil, fmt.Errorf("server %q is not configured: add a [[servers]] entry named %q or change the tenant's tenancy_db_connection", name, name)
	}
	mc, err := config.ParseDSN(sv.DSN)
	if err != nil {
		return nil, fmt.Errorf("server %s: %w", name, err)
	}
	mc.DBName = database
	return mc, nil
}

// Open opens a new pool on a server with database selected, honouring
// read-only mode. The caller closes it.
func (s *Servers) Open(ctx context.Context, name, database string) (*sqlx.DB, error) {
	mc, err := s.MySQLConfig(name, database)
	if err != nil {
		return nil, err
	}
	return openDB(ctx, mc, s.readOnly)
}

// Close closes every pool.
func (s *Servers) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var first error
	for name, db := range s.pools {
		if err := db.Close(); err != nil && first == nil {
			first = err
		}
		delete(s.pools, name)
	}
	return first
}

var readOnlyVar sync.Map // server address -> variable name

// openDB opens and pings a pool. Read-only sessions are set through the
// driver's per-connection system variables, so every pooled connection
// carries them (MySQL 8 names it transaction_read_only, MariaDB tx_read_only).
func openDB(ctx context.Context, mc *mysql.Config, readOnly bool) (*sqlx.DB, error) {
	mc = mc.Clone()
	if readOnly {
		name, err := readOnlyVariable(ctx, mc)
		if err != nil {
			return nil, err
		}
		mc.Params[name] = "1"
	}
	conn, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(conn)
	db.SetConnMaxIdleTime(2 * time.Minute)
	db.SetMaxIdleConns(8)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, describeConnectError(mc, err)
	}
	return sqlx.NewDb(db, "mysql"), nil
}

func readOnlyVariable(ctx context.Context, mc *mysql.Config) (string, error) {
	if v, ok := readOnlyVar.Load(mc.Addr); ok {
		return v.(string), nil
	}
	probe := mc.Clone()
	probe.DBName = ""
	conn, err := mysql.NewConnector(probe)
	if err != nil {
		return "", err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	name := "transaction_read_only"
	var v sql.NullString
	if err := db.QueryRowContext(ctx, "SELECT @@transaction_read_only").Scan(&v); err != nil {
		name = "tx_read_only"
		if err := db.QueryRowContext(ctx, "SELECT @@tx_read_only").Scan(&v); err != nil {
			return "", describeConnectError(probe, err)
		}
	}
	readOnlyVar.Store(mc.Addr, name)
	return name, nil
}

func describeConnectError(mc *mysql.Config, err error) error {
	var me *mysql.MySQLError
	if ok := asMySQL(err, &me); ok && me.Number == 1049 {
		return fmt.Errorf("database %s does not exist on %s: run `tenancy init` to create the central database, or fix the DSN", mc.DBName, mc.Addr)
	}
	return fmt.Errorf("connect to %s as %s: %w", mc.Addr, mc.User, err)
}
