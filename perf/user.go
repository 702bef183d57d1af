package perf

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
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
	// args are each kind's statement arguments, the constant ones filled
	// in once; dest receives a read's row. Both are reused by every
	// operation, so the driver-level path allocates almost nothing.
	args [numKinds][]driver.Value
	dest []driver.Value
	// With a connection of its own (dedicated), the user's statements are
	// the driver's, prepared on that connection and run inside conn.Raw
	// (database/sql's per-call locks, conversions and Rows are skipped);
	// otherwise they are the tenant's, on the shared pool.
	dedicated bool
	conn      *sql.Conn
	raw       rawStmts
	// yielded is when the user last gave its P back to the scheduler.
	yielded time.Time
}

// yieldEvery is how often a user running operations back to back yields.
// Its goroutine otherwise never reschedules (it only blocks in socket
// calls), and after 10 ms on one scheduling tick the runtime's monitor
// preempts it by taking its P away in the middle of a read: the thread
// hand-over that follows, every 10 ms for every user, cost a third more
// CPU per point select with 16 users (18 against 11 µs) and as many
// extra context switches.
const yieldEvery = 5 * time.Millisecond

// maybeYield yields when the last yield is yieldEvery ago and says
// whether it did; now is the clock reading the caller already has.
func (u *user) maybeYield(now time.Time) bool {
	if now.Sub(u.yielded) < yieldEvery {
		return false
	}
	u.yielded = now
	runtime.Gosched()
	return true
}

// attach gives the user a connection of its own with its statements
// prepared on it: no pool hand-over and no session reset per operation.
func (u *user) attach(ctx context.Context) error {
	conn, err := u.t.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	if err := conn.Raw(func(dc any) error { return u.raw.prepare(ctx, dc) }); err != nil {
		conn.Close()
		return err
	}
	u.conn = conn
	return nil
}

// detach closes the user's own connection, if it has one.
func (u *user) detach() {
	if u.conn == nil {
		return
	}
	_ = u.conn.Raw(func(any) error { u.raw.close(); return nil })
	u.conn.Close()
	u.conn = nil
}

func newUser(no int, t *target, seed uint64, payloadBytes int) *user {
	u := &user{no: no, t: t, rng: rand.New(rand.NewPCG(seed, uint64(no))), payload: make([]byte, payloadBytes)}
	u.stats.cur = newAcc()
	// The variable arguments (ids, payloads) are set per operation.
	u.args = [numKinds][]driver.Value{
		Read:   {nil},
		Insert: {t.marker, t.runID, int64(no), nil},
		Update: {nil, nil, t.marker, t.runID},
		Delete: {nil, t.marker, t.runID},
	}
	u.dest = make([]driver.Value, 1)
	return u
}

// errSuspect ends a session on a connection that failed without the
// server's answer: database/sql discards a connection on ErrBadConn.
var errSuspect = fmt.Errorf("connection suspect: %w", driver.ErrBadConn)

// loop runs operations until the run stops them.
func (u *user) loop(r *run) {
	if !u.dedicated {
		for now, ok := time.Now(), true; ok; {
			now, ok, _ = u.step(r, &u.t.stmts, now)
		}
		return
	}
	for {
		if u.conn == nil {
			if err := u.attach(context.Background()); err != nil {
				// Counted as the operation it kept from running.
				if _, ok, _ := u.step(r, failed{err}, time.Now()); !ok {
					return
				}
				continue
			}
		}
		if u.conn.Raw(func(any) error { return u.session(r) }) == nil {
			return
		}
		u.conn = nil // suspect: database/sql closed it, the next session opens another
	}
}

// session runs operations on the user's own connection until the run
// stops them (nil) or one leaves the connection suspect (errSuspect).
func (u *user) session(r *run) error {
	now := time.Now()
	for {
		var ok, suspect bool
		now, ok, suspect = u.step(r, &u.raw, now)
		switch {
		case !ok:
			return nil
		case suspect:
			return errSuspect
		}
	}
}

// step waits for the next operation's start, runs it on st and records
// it; ok is false once the run stops. now is when the previous operation
// ended: in closed loop it is the next one's start, so one clock reading
// per operation serves both. step returns when this one ended.
func (u *user) step(r *run, st stmts, now time.Time) (end time.Time, ok, suspect bool) {
	scheduled, ok := r.pace.nextStart(now)
	if !ok || !scheduled.Before(r.measureFrom) && !r.claim() {
		return now, false, false
	}
	kind := r.opts.Mix.pick(u.rng.IntN(100))
	res := u.do(st, kind)
	end = time.Now()
	suspect = u.account(kind, res, end.Sub(scheduled))
	if u.maybeYield(end) {
		end = time.Now() // the yield is no operation's latency
	}
	return end, true, suspect
}

// result is what one operation (with its retries) did.
type result struct {
	err                  error
	deadlocks, lockWaits int64
	rows                 int64
}

// do runs one operation, retrying deadlocks and lock wait timeouts. No
// context reaches the driver, so stopping the run never interrupts a
// statement half-way (its outcome would be unknown to the row check); the
// connection's read and write timeouts bound a stalled server. Without a
// context the driver also starts no watcher per query.
func (u *user) do(st stmts, kind Kind) result {
	var res result
	for attempt := 0; ; attempt++ {
		res.rows, res.err = u.exec(st, kind)
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

func (u *user) exec(st stmts, kind Kind) (int64, error) {
	args := u.args[kind]
	switch kind {
	case Read:
		args[0] = u.randomID()
		return st.query(kind, args, u.dest)
	case Insert:
		args[3] = u.nextPayload()
		res, err := st.exec(kind, args)
		if err != nil {
			return 0, err
		}
		if id, err := res.LastInsertId(); err == nil {
			u.t.sawID(id)
		}
		return 1, nil
	case Update:
		args[0], args[1] = u.nextPayload(), u.randomID()
	default:
		args[0] = u.randomID()
	}
	res, err := st.exec(kind, args)
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

// nextPayload refills the user's payload buffer; the driver copies it
// into the packet before the call returns, so the buffer is reused.
func (u *user) nextPayload() []byte {
	for i := range u.payload {
		u.payload[i] = payloadAlphabet[u.rng.IntN(len(payloadAlphabet))]
	}
	return u.payload
}

// account records one operation's outcome and says whether it left the
// connection suspect.
func (u *user) account(kind Kind, res result, lat time.Duration) (suspect bool) {
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
		return false
	}
	errKind, uncertain := classify(res.err)
	s.cur.fail(kind.String()+": "+errKind, res.err.Error())
	if uncertain {
		switch kind {
		case Insert:
			s.committed.UncertainInserts++
		case Delete:
			s.committed.UncertainDeletes++
		}
	}
	return uncertain
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
	stmts  poolStmts
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
