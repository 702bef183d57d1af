package fleet

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// A runner holds a MySQL lock named for its run on a central connection of
// its own while it works the run. The server frees it when the process
// dies (its connection closes), so a free lock on a "running" run means
// nobody is working it: its running items were left by a dead process.
//
// Lock names are global to a MySQL server, and two fleets (or two test
// runs) may keep their central databases on one server with the same run
// ids: the name carries a hash of the central database's name, computed
// by the server on the connection that takes it.
const runLockName = "CONCAT('tenancy:run:', LEFT(SHA1(DATABASE()), 16), ':', ?)"

type runLock struct {
	conn *sql.Conn
	id   int64
}

// acquireRunLock takes the run's lock without waiting; ok is false when
// another session holds it.
func acquireRunLock(ctx context.Context, db *sqlx.DB, id int64) (*runLock, bool, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("lock run %d: %w", id, err)
	}
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK("+runLockName+", 0)", id).Scan(&got); err != nil {
		conn.Close()
		return nil, false, fmt.Errorf("lock run %d: %w", id, err)
	}
	if got.Int64 != 1 {
		conn.Close()
		return nil, false, nil
	}
	return &runLock{conn: conn, id: id}, true, nil
}

func (l *runLock) release() {
	_, _ = l.conn.ExecContext(context.Background(), "DO RELEASE_LOCK("+runLockName+")", l.id)
	l.conn.Close()
}

func runLockHeld(ctx context.Context, db *sqlx.DB, id int64) (bool, error) {
	var holder sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT IS_USED_LOCK("+runLockName+")", id).Scan(&holder); err != nil {
		return false, fmt.Errorf("look at the lock of run %d: %w", id, err)
	}
	return holder.Valid, nil
}
