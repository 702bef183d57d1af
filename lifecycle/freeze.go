package lifecycle

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/tenancy-dev/tenancy/tenants"
)

// barrier holds LOCK TABLES ... READ on every base table of the source
// database in one session: other sessions still read, every write waits.
// It is the database's half of the freeze (maintenance mode is the
// application's): an app that ignores maintenance mode still cannot
// change the source between the last copy and the switch.
type barrier struct {
	conn *sql.Conn
	id   int64
}

// lockWaitTimeout bounds how long the barrier waits for transactions
// already writing to the source to end.
const lockWaitTimeout = 30

func holdBarrier(ctx context.Context, server *sqlx.DB, database string) (*barrier, error) {
	names, err := baseTables(ctx, server, database)
	if err != nil {
		return nil, err
	}
	c, err := server.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("freeze writes to %s: %w", database, err)
	}
	b := &barrier{conn: c}
	if err := c.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&b.id); err != nil {
		b.release()
		return nil, fmt.Errorf("freeze writes to %s: %w", database, err)
	}
	if _, err := c.ExecContext(ctx, fmt.Sprintf("SET SESSION lock_wait_timeout = %d", lockWaitTimeout)); err != nil {
		b.release()
		return nil, fmt.Errorf("freeze writes to %s: %w", database, err)
	}
	if len(names) == 0 {
		return b, nil
	}
	locks := make([]string, len(names))
	for i, n := range names {
		locks[i] = tenants.QuoteIdent(database) + "." + tenants.QuoteIdent(n) + " READ"
	}
	if _, err := c.ExecContext(ctx, "LOCK TABLES "+strings.Join(locks, ", ")); err != nil {
		b.release()
		return nil, fmt.Errorf("freeze writes to %s (a transaction writing to it for more than %d s blocks the move; try again when it ends): %w", database, lockWaitTimeout, err)
	}
	return b, nil
}

// release lets writes through again and returns the session.
func (b *barrier) release() {
	if b == nil || b.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _ = b.conn.ExecContext(ctx, "UNLOCK TABLES")
	_, _ = b.conn.ExecContext(ctx, "SET SESSION lock_wait_timeout = DEFAULT") // the session goes back to the pool
	b.conn.Close()
	b.conn = nil
}
