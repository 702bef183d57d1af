package lifecycle

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	mathrand "math/rand/v2"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
)

// slotPoll is how often a move waiting for a server's slot tries again.
const slotPoll = 250 * time.Millisecond

// slots limits how many moves of one run touch a server at once, as
// source or as target: per slots per server, each one a named lock
// (GET_LOCK) in the central database, so that the limit holds across
// every process working the run (the CLI, the dashboard, every queue
// worker) and a slot dies with the session of a killed process. The
// fleet engine limits a run's items per source server only; a move also
// loads its target.
type slots struct {
	central *sqlx.DB
	scope   string // the run's: its recorded arguments carry it
	per     int
}

// newScope returns a fresh scope for a run's slots.
func newScope() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// lockName is slot i of server: at most 64 characters (a long server
// name is hashed).
func (s slots) lockName(server string, i int) string {
	name := fmt.Sprintf("tenancy_move:%s:%s:%d", s.scope, server, i)
	if len(name) > 64 {
		sum := sha256.Sum256([]byte(server))
		name = fmt.Sprintf("tenancy_move:%s:%x:%d", s.scope, sum[:12], i)
	}
	return name
}

// heldSlots are the slots one move holds, on one central connection.
type heldSlots struct {
	conn  *sql.Conn
	names []string
}

// take waits until it holds a slot of each server (all or none at a
// time, so two moves never hold one end each and wait for the other's)
// and says how long it waited. A zero limit takes nothing.
func (s slots) take(ctx context.Context, servers ...string) (*heldSlots, time.Duration, error) {
	if s.per <= 0 {
		return &heldSlots{}, 0, nil
	}
	servers = slices.Compact(slices.Sorted(slices.Values(servers)))
	start := time.Now()
	conn, err := s.central.Conn(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("take a move slot of %v: %w", servers, err)
	}
	h := &heldSlots{conn: conn}
	for {
		ok, err := s.try(ctx, h, servers)
		if err != nil {
			h.release()
			return nil, time.Since(start), err
		}
		if ok {
			return h, time.Since(start), nil
		}
		select {
		case <-ctx.Done():
			h.release()
			return nil, time.Since(start), fmt.Errorf("wait for a move slot of %v (at most %d moves at once per server): %w", servers, s.per, ctx.Err())
		case <-time.After(slotPoll + mathrand.N(slotPoll/2)):
		}
	}
}

// try takes a free slot of each server; when one server has none, it
// gives back what it took and reports false.
func (s slots) try(ctx context.Context, h *heldSlots, servers []string) (bool, error) {
	for _, server := range servers {
		got := false
		for i := 0; i < s.per && !got; i++ {
			name := s.lockName(server, i)
			var res sql.NullInt64
			if err := h.conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0)", name).Scan(&res); err != nil {
				return false, fmt.Errorf("take a move slot of %s: %w", server, err)
			}
			if got = res.Int64 == 1; got {
				h.names = append(h.names, name)
			}
		}
		if !got {
			return false, h.giveBack()
		}
	}
	return true, nil
}

// giveBack releases the slots held, keeping the connection.
func (h *heldSlots) giveBack() error {
	for _, name := range h.names {
		if _, err := h.conn.ExecContext(context.Background(), "DO RELEASE_LOCK(?)", name); err != nil {
			return fmt.Errorf("give back move slot %s: %w", name, err)
		}
	}
	h.names = nil
	return nil
}

// release gives the slots back and the connection to the pool; a
// connection that could not release them is closed instead (its session
// ends, and its locks with it).
func (h *heldSlots) release() {
	if h == nil || h.conn == nil {
		return
	}
	if err := h.giveBack(); err != nil {
		_ = h.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	_ = h.conn.Close()
	h.conn = nil
}
