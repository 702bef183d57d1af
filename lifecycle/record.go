package lifecycle

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/jmoiron/sqlx"
)

// Phase is where a move stands. A move goes copying → frozen → switched
// → done (the source kept read-only) → cleaned; one that fails before the
// switch is rolled back.
type Phase string

// The phases, in order.
const (
	PhaseCopying    Phase = "copying"
	PhaseFrozen     Phase = "frozen"
	PhaseSwitched   Phase = "switched"
	PhaseDone       Phase = "done"
	PhaseCleaned    Phase = "cleaned"
	PhaseRolledBack Phase = "rolled_back"
)

// Active reports whether a move in phase p is unfinished: resumed by the
// next move of its tenant, or rolled back.
func (p Phase) Active() bool { return p == PhaseCopying || p == PhaseFrozen || p == PhaseSwitched }

// Move is one row of tenancy_moves.
type Move struct {
	ID         int64          `db:"id" json:"id"`
	TenantID   string         `db:"tenant_id" json:"tenant_id"`
	Database   string         `db:"database_name" json:"database"`
	DBUser     string         `db:"db_user" json:"db_user,omitempty"`
	From       string         `db:"from_server" json:"from"`
	To         string         `db:"to_server" json:"to"`
	Phase      Phase          `db:"phase" json:"phase"`
	WasDown    bool           `db:"was_down" json:"was_down"`
	KeepSource int64          `db:"keep_source_s" json:"keep_source_s"`
	KeepUntil  *time.Time     `db:"keep_until" json:"keep_until,omitempty"`
	Bytes      int64          `db:"bytes" json:"bytes"`
	CopyMS     int64          `db:"copy_ms" json:"copy_ms"`
	FreezeMS   int64          `db:"freeze_ms" json:"freeze_ms"`
	Host       string         `db:"host" json:"host"`
	PID        int            `db:"pid" json:"pid"`
	StartedAt  time.Time      `db:"started_at" json:"started_at"`
	UpdatedAt  time.Time      `db:"updated_at" json:"updated_at"`
	FinishedAt *time.Time     `db:"finished_at" json:"finished_at,omitempty"`
	Error      sql.NullString `db:"error" json:"-"`
}

const moveColumns = "`id`,`tenant_id`,`database_name`,`db_user`,`from_server`,`to_server`,`phase`,`was_down`,`keep_source_s`,`keep_until`,`bytes`,`copy_ms`,`freeze_ms`,`host`,`pid`,`started_at`,`updated_at`,`finished_at`,`error`"

// insertMove records a new move in its first phase.
func insertMove(ctx context.Context, db *sqlx.DB, m *Move) error {
	host, _ := os.Hostname()
	now := time.Now().UTC()
	m.Phase, m.Host, m.PID, m.StartedAt, m.UpdatedAt = PhaseCopying, host, os.Getpid(), now, now
	res, err := db.ExecContext(ctx, "INSERT INTO `tenancy_moves` (`tenant_id`,`database_name`,`db_user`,`from_server`,`to_server`,`phase`,`was_down`,`keep_source_s`,`host`,`pid`,`started_at`,`updated_at`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
		m.TenantID, m.Database, m.DBUser, m.From, m.To, m.Phase, m.WasDown, m.KeepSource, m.Host, m.PID, now, now)
	if err != nil {
		return fmt.Errorf("record the move of tenant %s: %w", m.TenantID, err)
	}
	m.ID, err = res.LastInsertId()
	return err
}

// execer is the central pool or a transaction on it.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// setPhase records m's new phase (with its counters) on db.
func setPhase(ctx context.Context, db execer, m *Move, p Phase) error {
	now := time.Now().UTC()
	var finished *time.Time
	if !p.Active() {
		finished = &now
	}
	host, _ := os.Hostname()
	_, err := db.ExecContext(ctx, "UPDATE `tenancy_moves` SET `phase` = ?, `keep_until` = ?, `bytes` = ?, `copy_ms` = ?, `freeze_ms` = ?, `host` = ?, `pid` = ?, `updated_at` = ?, `finished_at` = ?, `error` = ? WHERE `id` = ?",
		p, m.KeepUntil, m.Bytes, m.CopyMS, m.FreezeMS, host, os.Getpid(), now, finished, m.Error, m.ID)
	if err != nil {
		return fmt.Errorf("record phase %s of the move of tenant %s: %w", p, m.TenantID, err)
	}
	m.Phase, m.UpdatedAt, m.FinishedAt = p, now, finished
	return nil
}

// activeMove returns the tenant's unfinished move, if any.
func activeMove(ctx context.Context, db *sqlx.DB, tenantID string) (*Move, error) {
	var m Move
	err := db.GetContext(ctx, &m, "SELECT "+moveColumns+" FROM `tenancy_moves` WHERE `tenant_id` = ? AND `phase` IN (?,?,?) ORDER BY `id` DESC LIMIT 1",
		tenantID, PhaseCopying, PhaseFrozen, PhaseSwitched)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look for an unfinished move of tenant %s: %w", tenantID, err)
	}
	return &m, nil
}

// Moves lists the recorded moves, newest first; with phase set, only
// those in it.
func (s *Service) Moves(ctx context.Context, phase Phase) ([]Move, error) {
	q, args := "SELECT "+moveColumns+" FROM `tenancy_moves`", []any{}
	if phase != "" {
		q += " WHERE `phase` = ?"
		args = append(args, phase)
	}
	var out []Move
	if err := s.tenants.Central().SelectContext(ctx, &out, q+" ORDER BY `id` DESC", args...); err != nil {
		return nil, fmt.Errorf("list moves: %w", err)
	}
	return out, nil
}
