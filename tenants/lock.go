package tenants

import (
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Lock is a tenant's cross-process lock: a MySQL GET_LOCK held on one
// central connection, so two tenancy processes on two machines exclude
// each other too.
type Lock struct {
	conn *sql.Conn
	name string
}

func lockName(tenantID string) string {
	name := "tenancy:tenant:" + tenantID
	if len(name) > 64 { // MySQL's limit on lock names
		sum := sha1.Sum([]byte(tenantID))
		name = "tenancy:tenant:" + hex.EncodeToString(sum[:])
	}
	return name
}

// AcquireLock takes the tenant's lock without waiting. When another
// session holds it, it returns a *LockedError that says who.
//
// Work done under a lock its caller holds (a fleet run's item) carries it
// in ctx (WithHeldLock): taking the same tenant's lock again with that ctx
// returns a lock that releases nothing, instead of finding it busy.
func AcquireLock(ctx context.Context, db *sqlx.DB, tenantID string) (*Lock, error) {
	if held, ok := ctx.Value(heldLockKey{}).(*Lock); ok && held.name == lockName(tenantID) {
		return &Lock{}, nil
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("lock tenant %s: %w", tenantID, err)
	}
	name := lockName(tenantID)
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0)", name).Scan(&got); err != nil {
		conn.Close()
		return nil, fmt.Errorf("lock tenant %s: %w", tenantID, err)
	}
	if got.Int64 != 1 {
		holder := describeHolder(ctx, conn, name)
		conn.Close()
		return nil, &LockedError{TenantID: tenantID, Holder: holder}
	}
	return &Lock{conn: conn, name: name}, nil
}

type heldLockKey struct{}

// WithHeldLock returns ctx for work done under l: within it, AcquireLock
// of l's tenant succeeds without taking the lock a second time (GET_LOCK
// is per session: another connection would find it busy).
func WithHeldLock(ctx context.Context, l *Lock) context.Context {
	return context.WithValue(ctx, heldLockKey{}, l)
}

// Release frees the lock and returns its connection to the pool.
func (l *Lock) Release() error {
	if l == nil || l.conn == nil {
		return nil
	}
	_, err := l.conn.ExecContext(context.Background(), "DO RELEASE_LOCK(?)", l.name)
	cerr := l.conn.Close()
	l.conn = nil
	if err != nil {
		return err
	}
	return cerr
}

func describeHolder(ctx context.Context, conn *sql.Conn, name string) string {
	var id sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT IS_USED_LOCK(?)", name).Scan(&id); err != nil || !id.Valid {
		return "another session"
	}
	var user, host, db sql.NullString
	err := conn.QueryRowContext(ctx,
		"SELECT USER, HOST, DB FROM information_schema.PROCESSLIST WHERE ID = ?", id.Int64).Scan(&user, &host, &db)
	if err != nil {
		return fmt.Sprintf("MySQL connection %d", id.Int64)
	}
	return fmt.Sprintf("MySQL connection %d, %s@%s", id.Int64, user.String, host.String)
}
