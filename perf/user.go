package perf

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
)

// maxRetries bounds how often one operation is retried after a deadlock
// or lock wait timeout before it counts as an error.
const maxRetries = 10

const (
	errDeadlock = 1213
	errLockWait = 1205
)

// user is one simulated user of a tenant.
type user struct {
	no      int
	t       *target
	rng     *rand.Rand
	payload []byte
	stats   userStats
	// With a connection of its own (dedicated), the user's statements are
	// prepared on it; otherwise they are the tenant's, on the shared pool.
	dedicated bool
	conn      *sql.Conn
	stmts     [numKinds]*sql.Stmt
}

// attach gives the user a connection of its own with its statements
// prepared on it: no pool hand-over and no session reset per operation.
func (u *user) attach(ctx context.Context) error {
	conn, err := u.t.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	stmts, err := prepareStatements(ctx, conn)
	if err != nil {
		conn.Close()
		return err
	}
	u.conn, u.stmts = conn, stmts
	return nil
}

// detach closes the user's own connection, if it has one.
func (u *user) detach() {
	if u.conn == nil {
		return
	}
	closeStatements(u.stmts)
	u.conn.Close()
	u.conn = nil
}

func newUser(no int, t *target, seed uint64, payloadBytes int) *user {
	u := &user{no: no, t: t, rng: rand.New(rand.NewPCG(seed, uint64(no))), payload: make([]byte, payloadBytes)}
	u.stats.cur = newAcc()
	return u
}

// loop runs operations until the run stops them.
func (u *user) loop(r *run) {
	for {
		scheduled, ok := r.pace.nextStart()
		if !ok {
			return
		}
		measured := !scheduled.Before(r.measureFrom)
		if measured && !r.claim() {
			return
		}
		kind := r.opts.Mix.pick(u.rng.IntN(100))
		res := u.do(kind)
		u.account(kind, res, time.Since(scheduled))
	}
}

// result is what one operation (with its retries) did.
type result struct {
	err                  error
	deadlocks, lockWaits int64
	rows                 int64
}

// do runs one operation, retrying deadlocks and lock wait timeouts. It
// runs on a context that is never cancelled, so stopping the run never
// interrupts a statement half-way (its outcome would be unknown to the row
// check); the pool's read and write timeouts bound a stalled server. A
// context without Done also spares database/sql and the driver a watcher
// per query, which is most of a client's CPU time per point select.
func (u *user) do(kind Kind) result {
	ctx := context.Background()
	var res result
	for attempt := 0; ; attempt++ {
		res.rows, res.err = u.exec(ctx, kind)
		var me *mysql.MySQLError
		if attempt >= maxRetries || !errors.As(res.err, &me) {
			return res
		}
		switch me.Number {
		case errDeadlock:
			res.deadlocks++
		case errLockWait:
			res.lockWaits++
		default:
			return res
		}
	}
}

func (u *user) exec(ctx context.Context, kind Kind) (int64, error) {
	if u.dedicated && u.conn == nil {
		if err := u.attach(ctx); err != nil {
			return 0, err
		}
	}
	t := u.t
	st := u.stmts[kind]
	switch kind {
	case Read:
		return readRow(st.QueryContext(ctx, u.randomID()))
	case Insert:
		res, err := st.ExecContext(ctx, t.marker, t.runID, u.no, u.nextPayload())
		if err != nil {
			return 0, err
		}
		id, err := res.LastInsertId()
		if err == nil {
			t.sawID(id)
		}
		return 1, nil
	case Update:
		res, err := st.ExecContext(ctx, u.nextPayload(), u.randomID(), t.marker, t.runID)
		return affected(res, err)
	default:
		res, err := st.ExecContext(ctx, u.randomID(), t.marker, t.runID)
		return affected(res, err)
	}
}

// readRow reads the payload without copying it, as a point select does.
func readRow(rows *sql.Rows, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var payload sql.RawBytes
	n := int64(0)
	for rows.Next() {
		if err := rows.Scan(&payload); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

func affected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (u *user) randomID() int64 {
	top := u.t.maxID.Load()
	if top < 1 {
		return 1
	}
	return 1 + u.rng.Int64N(top)
}

const payloadAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

func (u *user) nextPayload() string {
	for i := range u.payload {
		u.payload[i] = payloadAlphabet[u.rng.IntN(len(payloadAlphabet))]
	}
	return string(u.payload)
}

// account records one operation's outcome.
func (u *user) account(kind Kind, res result, lat time.Duration) {
	s := &u.stats
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cur.deadlocks += res.deadlocks
	s.cur.lockWaits += res.lockWaits
	if res.err == nil {
		s.cur.record(kind, lat)
		switch kind {
		case Insert:
			s.committed.Inserted++
		case Delete:
			s.committed.Deleted += res.rows
		}
		return
	}
	errKind, uncertain := classify(res.err)
	if uncertain {
		u.detach() // the connection is suspect: the next operation opens another
	}
	s.cur.fail(kind.String()+": "+errKind, res.err.Error())
	if uncertain {
		switch kind {
		case Insert:
			s.committed.UncertainInserts++
		case Delete:
			s.committed.UncertainDeletes++
		}
	}
}

// classify names an error's kind; uncertain errors ended without the
// server's answer, so a write may have committed anyway.
func classify(err error) (kind string, uncertain bool) {
	var me *mysql.MySQLError
	switch {
	case errors.As(err, &me):
		switch me.Number {
		case errDeadlock:
			return "deadlock (retries exhausted)", false
		case errLockWait:
			return "lock wait timeout (retries exhausted)", false
		}
		return "MySQL error " + strconv.Itoa(int(me.Number)), false
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout", true
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, mysql.ErrInvalidConn):
		return "lost connection", true
	}
	return "other error", true
}

// target is one tenant under load.
type target struct {
	index  int
	name   string
	marker string
	runID  string
	db     *sql.DB
	stmts  [numKinds]*sql.Stmt
	maxID  atomic.Int64
	seeded int64
	users  []*user

	interval, total *acc
}

// sawID raises the highest id users pick from.
func (t *target) sawID(id int64) {
	for {
		cur := t.maxID.Load()
		if id <= cur || t.maxID.CompareAndSwap(cur, id) {
			return
		}
	}
}
