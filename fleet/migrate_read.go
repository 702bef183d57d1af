package fleet

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/tenancy-dev/tenancy/tenants"
)

// ReadStats says what reading one server's tenant tables cost: the point
// of batching is that Connections stays 1 and Queries grows by two per
// readChunk databases, not per tenant.
type ReadStats struct {
	Server      string        `json:"server"`
	Tenants     int           `json:"tenants"`
	Connections int           `json:"connections"`
	Queries     int           `json:"queries"`
	Elapsed     time.Duration `json:"elapsed_ns"`
}

// readChunk is how many tenant databases one UNION ALL query reads.
const readChunk = 250

// readConns is how many connections read one server's chunks at once:
// the cost of a read is the server opening each tenant's table, and
// several connections overlap those opens (never one per tenant).
const readConns = 4

// queryer is the part of a connection the batch reader uses (a seam for
// the tests that count queries).
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// batchReader reads one table in many tenant databases with a few
// connections per server (up to conns, each reading whole chunks), chunk
// databases at a time: one information_schema query says which of the
// chunk's databases hold the table, then one UNION ALL returns their
// rows, tagged by the tenant's index. Two queries per chunk, never one
// per tenant.
type batchReader struct {
	servers *tenants.Servers
	open    func(ctx context.Context, server string) (queryer, func(), error)
	chunk   int
	conns   int
}

func newBatchReader(servers *tenants.Servers) *batchReader {
	r := &batchReader{servers: servers, chunk: readChunk, conns: readConns}
	r.open = r.openServer
	return r
}

// tableReads is what a batch read found, by the index of the tenant in
// the list it was given.
type tableReads struct {
	found []bool  // the database holds the table
	errs  []error // the database (or its server) could not be read
	stats []ReadStats
}

// read reads cols of table in each tenant's database. scan is called for
// every row (from one goroutine per server, never at once for the same
// tenant index); it must scan the tenant's index first, then cols.
func (r *batchReader) read(ctx context.Context, list []tenants.Tenant, table, cols string, scan func(rows *sql.Rows) error) tableReads {
	out := tableReads{found: make([]bool, len(list)), errs: make([]error, len(list))}
	byServer := map[string][]int{}
	var order []string
	for i, t := range list {
		if _, ok := byServer[t.Server]; !ok {
			order = append(order, t.Server)
		}
		byServer[t.Server] = append(byServer[t.Server], i)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, server := range order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := r.readServer(ctx, server, list, byServer[server], table, cols, &out, &mu, scan)
			mu.Lock()
			out.stats = append(out.stats, st)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

func (r *batchReader) readServer(ctx context.Context, server string, list []tenants.Tenant, idx []int, table, cols string,
	out *tableReads, mu *sync.Mutex, scan func(*sql.Rows) error) (st ReadStats) {
	began := time.Now()
	st = ReadStats{Server: server, Tenants: len(idx)}
	defer func() { st.Elapsed = time.Since(began) }()
	failAll := func(err error) {
		for _, i := range idx {
			out.errs[i] = err
		}
	}
	var chunks [][]int
	for start := 0; start < len(idx); start += r.chunk {
		chunks = append(chunks, idx[start:min(start+r.chunk, len(idx))])
	}
	var (
		smu    sync.Mutex // st and failed
		failed error
		wg     sync.WaitGroup
	)
	fail := func(err error) {
		smu.Lock()
		defer smu.Unlock()
		if failed == nil {
			failed = err
		}
	}
	stopped := func() bool {
		smu.Lock()
		defer smu.Unlock()
		return failed != nil
	}
	work := make(chan []int)
	for range min(r.conns, len(chunks)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, closeConn, err := r.open(ctx, server)
			if err != nil {
				fail(err)
				for range work { // the others read the rest, or stop
				}
				return
			}
			defer closeConn()
			queries := 0
			q := countingQueryer{q: conn, n: &queries}
			for part := range work {
				if stopped() {
					continue
				}
				if err := r.readChunk(ctx, q, server, list, part, table, cols, out, mu, scan); err != nil {
					fail(err)
				}
			}
			smu.Lock()
			st.Connections++
			st.Queries += queries
			smu.Unlock()
		}()
	}
	for _, part := range chunks {
		work <- part
	}
	close(work)
	wg.Wait()
	if failed != nil {
		failAll(failed)
	}
	return st
}

// readChunk asks which of the chunk's databases hold the table, then
// reads them with one UNION ALL. A UNION ALL that fails (a table with
// other columns, a database dropped since) is read again one database at
// a time, to find which; only a failure of the server is returned.
func (r *batchReader) readChunk(ctx context.Context, q queryer, server string, list []tenants.Tenant, part []int, table, cols string,
	out *tableReads, mu *sync.Mutex, scan func(*sql.Rows) error) error {
	names := make([]string, len(part))
	for n, i := range part {
		names[n] = list[i].Database
	}
	holders, err := databasesHolding(ctx, q, table, names)
	if err != nil {
		return fmt.Errorf("server %s: list the databases holding %s: %w", server, table, err)
	}
	var present []int
	for _, i := range part {
		if holders[list[i].Database] {
			out.found[i] = true
			present = append(present, i)
		}
	}
	if len(present) == 0 {
		return nil
	}
	if err := r.readUnion(ctx, q, list, present, table, cols, mu, scan); err == nil || ctx.Err() != nil {
		return ctx.Err()
	}
	for _, i := range present {
		if err := r.readUnion(ctx, q, list, []int{i}, table, cols, mu, scan); err != nil {
			out.errs[i] = fmt.Errorf("read %s.%s on server %s: %w", list[i].Database, table, server, err)
		}
	}
	return nil
}

// readUnion reads the chunk's rows with one query. A chunk that fails
// midway is read again one database at a time, so scan may see a row
// twice: callers key rows by their id.
func (r *batchReader) readUnion(ctx context.Context, q queryer, list []tenants.Tenant, part []int, table, cols string,
	mu *sync.Mutex, scan func(*sql.Rows) error) error {
	var b strings.Builder
	for n, i := range part {
		if n > 0 {
			b.WriteString(" UNION ALL ")
		}
		b.WriteString("SELECT " + strconv.Itoa(i) + ", " + cols + " FROM " + tenants.QuoteIdent(list[i].Database) + "." + tenants.QuoteIdent(table))
	}
	rows, err := q.QueryContext(ctx, b.String())
	if err != nil {
		return err
	}
	defer rows.Close()
	mu.Lock()
	defer mu.Unlock()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// databasesHolding says which of the databases hold table. Naming the
// databases lets the server look in those only, not in every database it
// holds (a selection of 5 tenants on a server of 10,000 databases).
func databasesHolding(ctx context.Context, q queryer, table string, databases []string) (map[string]bool, error) {
	args := make([]any, 0, len(databases)+1)
	args = append(args, table)
	for _, d := range databases {
		args = append(args, d)
	}
	rows, err := q.QueryContext(ctx, "SELECT TABLE_SCHEMA FROM information_schema.TABLES WHERE TABLE_NAME = ? AND TABLE_SCHEMA IN (?"+
		strings.Repeat(", ?", len(databases)-1)+")", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var db string
		if err := rows.Scan(&db); err != nil {
			return nil, err
		}
		out[db] = true
	}
	return out, rows.Err()
}

// openServer opens one connection to a server, no database selected.
func (r *batchReader) openServer(ctx context.Context, server string) (queryer, func(), error) {
	mc, err := r.servers.MySQLConfig(server, "")
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
		return nil, nil, fmt.Errorf("server %s: %w", server, err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		var me *mysql.MySQLError
		if errors.As(err, &me) || ctx.Err() != nil {
			return nil, nil, fmt.Errorf("connect to server %s: %w", server, err)
		}
		return nil, nil, &ServerDownError{Server: server, Err: err}
	}
	return conn, func() { conn.Close(); db.Close() }, nil
}

type countingQueryer struct {
	q queryer
	n *int
}

func (c countingQueryer) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	*c.n++
	return c.q.QueryContext(ctx, query, args...)
}
