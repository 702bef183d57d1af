package fleet

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/tenancy-dev/tenancy/sqlsplit"
	"github.com/tenancy-dev/tenancy/tenants"
)

// SQLName is the sql operation's name.
const SQLName = "sql"

// SQL runs a SQL script in each tenant database, one statement at a time
// on one connection (never multiStatements). With Transaction the script
// runs between BEGIN and COMMIT and is rolled back on the first error:
// only for DML, since MySQL commits DDL implicitly.
type SQL struct {
	File        string `json:"file"`
	Script      string `json:"script"`
	SHA256      string `json:"sha256"`
	Transaction bool   `json:"transaction,omitempty"`
	// Timeout limits each tenant's whole script; 0 is no limit.
	Timeout time.Duration `json:"timeout_ns,omitempty"`

	statements []string
}

// NewSQL splits script (read from file, named in messages) into
// statements and returns the operation. The script itself is recorded
// with the run, so a resume runs what the run started with even if the
// file changed since.
func NewSQL(file, script string, transaction bool, timeout time.Duration) (*SQL, error) {
	stmts, err := splitStatements(script)
	if err != nil {
		return nil, fmt.Errorf("sql file %s: %w", file, err)
	}
	if len(stmts) == 0 {
		return nil, fmt.Errorf("sql file %s holds no statement", file)
	}
	sum := sha256.Sum256([]byte(script))
	return &SQL{File: file, Script: script, SHA256: hex.EncodeToString(sum[:]), Transaction: transaction, Timeout: timeout, statements: stmts}, nil
}

func splitStatements(script string) ([]string, error) {
	sp := sqlsplit.New(strings.NewReader(script))
	var out []string
	for {
		p, err := sp.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if p.SQL != "" {
			out = append(out, p.SQL)
		}
	}
}

func sqlFactory(args json.RawMessage) (Operation, error) {
	var s SQL
	if err := json.Unmarshal(args, &s); err != nil {
		return nil, fmt.Errorf("sql run's recorded arguments: %w", err)
	}
	return NewSQL(s.File, s.Script, s.Transaction, s.Timeout)
}

// Name implements Operation.
func (s *SQL) Name() string { return SQLName }

// Args implements Operation.
func (s *SQL) Args() any { return s }

// Statements returns the script's statements.
func (s *SQL) Statements() []string { return s.statements }

// Describe implements Operation.
func (s *SQL) Describe(t tenants.Tenant) string {
	tx := ""
	if s.Transaction {
		tx = " in one transaction"
	}
	return fmt.Sprintf("run %d statements of %s in %s on %s%s", len(s.statements), s.File, t.Database, t.Server, tx)
}

// Do implements Operation.
func (s *SQL) Do(ctx context.Context, env Env, t tenants.Tenant) (Result, error) {
	if s.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.Timeout)
		defer cancel()
	}
	conn, closeConn, err := openTenantConn(ctx, env, t)
	if err != nil {
		return Result{}, err
	}
	defer closeConn()
	res := Result{}
	var rows int64
	if s.Transaction {
		if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
			return res, fmt.Errorf("begin a transaction in %s: %w", t.Database, err)
		}
	}
	for i, q := range s.statements {
		r, err := conn.ExecContext(ctx, q)
		if err != nil {
			if s.Transaction {
				_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
				res.Statements = 0
				res.Summary = fmt.Sprintf("rolled back at statement %d of %d", i+1, len(s.statements))
			} else {
				res.Summary = fmt.Sprintf("%d of %d statements ran", i, len(s.statements))
			}
			return res, fmt.Errorf("statement %d of %s (%s) in %s: %w", i+1, s.File, abbrev(q, 80), t.Database, err)
		}
		res.Statements = i + 1
		if n, err := r.RowsAffected(); err == nil {
			rows += n
		}
	}
	if s.Transaction {
		if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
			res.Statements = 0
			return res, fmt.Errorf("commit in %s: %w", t.Database, err)
		}
	}
	res.Summary = fmt.Sprintf("%d statements, %d rows affected", len(s.statements), rows)
	return res, nil
}

// openTenantConn opens one connection to the tenant's database on a
// private pool (closed by the returned func), so the item holds exactly
// one connection on its server. A server that does not answer gives a
// *ServerDownError.
func openTenantConn(ctx context.Context, env Env, t tenants.Tenant) (*sql.Conn, func(), error) {
	mc, err := env.Servers.MySQLConfig(t.Server, t.Database)
	if err != nil {
		return nil, nil, err
	}
	mc = mc.Clone()
	mc.MultiStatements = false
	if mc.Timeout == 0 {
		mc.Timeout = 5 * time.Second
	}
	connector, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, nil, fmt.Errorf("server %s: %w", t.Server, err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err == nil {
		err = conn.PingContext(ctx)
	}
	if err != nil {
		db.Close()
		var me *mysql.MySQLError
		if errors.As(err, &me) || ctx.Err() != nil {
			return nil, nil, fmt.Errorf("connect to %s on server %s: %w", t.Database, t.Server, err)
		}
		return nil, nil, &ServerDownError{Server: t.Server, Err: err}
	}
	return conn, func() { conn.Close(); db.Close() }, nil
}

func abbrev(q string, n int) string {
	q = strings.Join(strings.Fields(q), " ")
	if len(q) > n {
		return cut(q, n) + "…"
	}
	return q
}
