package fleet

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/tenancy-dev/tenancy/tenants"
)

// store reads and writes the runs tables. Every item state change is one
// statement, so the record is right after a crash at any point.
type store struct {
	db *sqlx.DB
}

const runColumns = "`id`, `operation`, `args`, `selection`, `state`, `parallel`, `per_server`, `canary`, `canary_pending`, " +
	"`max_failures`, `cancel_requested`, `started_by`, `host`, `pid`, `total`, `done`, `failed`, `skipped`, `cancelled`, " +
	"`error`, `created_at`, `started_at`, `finished_at`"

const itemColumns = "`run_id`, `tenant_id`, `tenant_name`, `server`, `database_name`, `position`, `state`, `attempts`, " +
	"`started_at`, `finished_at`, COALESCE(`error`, '') AS `error`, COALESCE(`result`, '') AS `result`, `host`, `pid`"

// qualifiedItemColumns is itemColumns of the item table named i.
const qualifiedItemColumns = "`i`.`run_id`, `i`.`tenant_id`, `i`.`tenant_name`, `i`.`server`, `i`.`database_name`, `i`.`position`, " +
	"`i`.`state`, `i`.`attempts`, `i`.`started_at`, `i`.`finished_at`, COALESCE(`i`.`error`, '') AS `error`, " +
	"COALESCE(`i`.`result`, '') AS `result`, `i`.`host`, `i`.`pid`"

// ErrRunNotFound is returned for an unknown run id.
var ErrRunNotFound = errors.New("no such run (see `tenancy runs list`)")

func (st *store) create(ctx context.Context, r Run, list []tenants.Tenant) (int64, error) {
	tx, err := st.db.BeginTxx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("record the run: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	res, err := tx.ExecContext(ctx, "INSERT INTO `tenancy_runs` (`operation`, `args`, `selection`, `state`, `parallel`, `per_server`, "+
		"`canary`, `canary_pending`, `max_failures`, `started_by`, `host`, `pid`, `total`, `created_at`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		r.Operation, r.Args, r.Selection, r.State, r.Parallel, r.PerServer, r.Canary, r.CanaryPending, r.MaxFailures,
		r.StartedBy, r.Host, r.PID, len(list), r.CreatedAt)
	if err != nil {
		return 0, fmt.Errorf("record the run: %w (run `tenancy init` if the runs tables are missing)", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	const batch = 500
	for start := 0; start < len(list); start += batch {
		end := min(start+batch, len(list))
		var q strings.Builder
		q.WriteString("INSERT INTO `tenancy_run_items` (`run_id`, `tenant_id`, `tenant_name`, `server`, `database_name`, `position`, `state`) VALUES ")
		args := make([]any, 0, 7*(end-start))
		for i := start; i < end; i++ {
			if i > start {
				q.WriteString(",")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?)")
			t := list[i]
			args = append(args, id, t.ID, cut(t.Name, 255), t.Server, t.Database, i, ItemPending)
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return 0, fmt.Errorf("record the run's items: %w", err)
		}
	}
	return id, tx.Commit()
}

func (st *store) get(ctx context.Context, id int64) (Run, error) {
	var r Run
	err := st.db.GetContext(ctx, &r, "SELECT "+runColumns+" FROM `tenancy_runs` WHERE `id` = ?", id)
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, fmt.Errorf("run %d: %w", id, ErrRunNotFound)
	}
	if err != nil {
		return Run{}, fmt.Errorf("read run %d: %w", id, err)
	}
	return r, nil
}

func (st *store) list(ctx context.Context, limit int) ([]Run, error) {
	var out []Run
	err := st.db.SelectContext(ctx, &out, "SELECT "+runColumns+" FROM `tenancy_runs` ORDER BY `id` DESC LIMIT ?", limit)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return out, nil
}

func (st *store) items(ctx context.Context, runID int64) ([]Item, error) {
	var out []Item
	err := st.db.SelectContext(ctx, &out, "SELECT "+itemColumns+" FROM `tenancy_run_items` WHERE `run_id` = ? ORDER BY `position`", runID)
	if err != nil {
		return nil, fmt.Errorf("read the items of run %d: %w", runID, err)
	}
	return out, nil
}

// queuedItem reads an item and, in the same round trip, the fields of its
// run a worker checks before it starts the item (state, cancel, limits,
// canary, the operation): the first read of a queued item.
func (st *store) queuedItem(ctx context.Context, runID int64, tenantID string) (Item, Run, error) {
	var row struct {
		Item
		Run Run `db:"run"`
	}
	err := st.db.GetContext(ctx, &row, "SELECT "+qualifiedItemColumns+", `r`.`id` AS `run.id`, `r`.`operation` AS `run.operation`, "+
		"`r`.`args` AS `run.args`, `r`.`state` AS `run.state`, `r`.`canary` AS `run.canary`, `r`.`canary_pending` AS `run.canary_pending`, "+
		"`r`.`max_failures` AS `run.max_failures`, `r`.`cancel_requested` AS `run.cancel_requested`, `r`.`total` AS `run.total` "+
		"FROM `tenancy_run_items` AS `i` JOIN `tenancy_runs` AS `r` ON `r`.`id` = `i`.`run_id` WHERE `i`.`run_id` = ? AND `i`.`tenant_id` = ?", runID, tenantID)
	if errors.Is(err, sql.ErrNoRows) {
		return Item{}, Run{}, fmt.Errorf("run %d has no tenant %s: %w", runID, tenantID, ErrRunNotFound)
	}
	if err != nil {
		return Item{}, Run{}, fmt.Errorf("read tenant %s of run %d: %w", tenantID, runID, err)
	}
	return row.Item, row.Run, nil
}

func (st *store) failedTenants(ctx context.Context, runID int64) (map[string]bool, error) {
	if _, err := st.get(ctx, runID); err != nil {
		return nil, fmt.Errorf("--failed-of: %w", err)
	}
	var ids []string
	if err := st.db.SelectContext(ctx, &ids, "SELECT `tenant_id` FROM `tenancy_run_items` WHERE `run_id` = ? AND `state` = ?", runID, ItemFailed); err != nil {
		return nil, fmt.Errorf("read the failed items of run %d: %w", runID, err)
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// unfinished reports whether any of a run's items is pending or running:
// one index probe, where counts reads every item of the run.
func (st *store) unfinished(ctx context.Context, runID int64) (bool, error) {
	var n int
	err := st.db.GetContext(ctx, &n, "SELECT COUNT(*) FROM (SELECT 1 FROM `tenancy_run_items` WHERE `run_id` = ? AND `state` IN (?, ?) LIMIT 1) AS `any`", runID, ItemPending, ItemRunning)
	if err != nil {
		return false, fmt.Errorf("look for unfinished items of run %d: %w", runID, err)
	}
	return n > 0, nil
}

// counts recounts a run's items by state.
func (st *store) counts(ctx context.Context, runID int64) (map[ItemState]int, error) {
	rows, err := st.db.QueryContext(ctx, "SELECT `state`, COUNT(*) FROM `tenancy_run_items` WHERE `run_id` = ? GROUP BY `state`", runID)
	if err != nil {
		return nil, fmt.Errorf("count the items of run %d: %w", runID, err)
	}
	defer rows.Close()
	out := map[ItemState]int{}
	for rows.Next() {
		var s ItemState
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}

func (st *store) exec(ctx context.Context, what, q string, args ...any) (int64, error) {
	res, err := st.db.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// startItem marks a pending item running and counts the attempt; false
// when it was not pending (another process got it first).
func (st *store) startItem(ctx context.Context, it *Item, host string, pid int, at time.Time) (bool, error) {
	n, err := st.exec(ctx, "record the start of tenant "+it.TenantID,
		"UPDATE `tenancy_run_items` SET `state` = ?, `attempts` = `attempts` + 1, `started_at` = ?, `finished_at` = NULL, "+
			"`error` = NULL, `result` = NULL, `host` = ?, `pid` = ? WHERE `run_id` = ? AND `tenant_id` = ? AND `state` = ?",
		ItemRunning, at, host, pid, it.RunID, it.TenantID, ItemPending)
	return n == 1, err
}

// startQueuedItem is startItem for a queued item, which may also be
// left running by a worker that died (the queue retries it).
func (st *store) startQueuedItem(ctx context.Context, it *Item, host string, pid int, at time.Time) (bool, error) {
	n, err := st.exec(ctx, "record the start of tenant "+it.TenantID,
		"UPDATE `tenancy_run_items` SET `state` = ?, `attempts` = `attempts` + 1, `started_at` = ?, `finished_at` = NULL, "+
			"`error` = NULL, `result` = NULL, `host` = ?, `pid` = ? WHERE `run_id` = ? AND `tenant_id` = ? AND `state` IN (?, ?)",
		ItemRunning, at, host, pid, it.RunID, it.TenantID, ItemPending, ItemRunning)
	if n == 1 {
		it.State, it.Attempts, it.Host, it.PID = ItemRunning, it.Attempts+1, host, pid
	}
	return n == 1, err
}

func (st *store) finishItem(ctx context.Context, it *Item, state ItemState, res Result, errText string, at time.Time) error {
	var e any
	if errText != "" {
		e = cut(errText, 8192)
	}
	_, err := st.exec(ctx, "record the end of tenant "+it.TenantID,
		"UPDATE `tenancy_run_items` SET `state` = ?, `finished_at` = ?, `error` = ?, `result` = ? WHERE `run_id` = ? AND `tenant_id` = ?",
		state, at, e, res, it.RunID, it.TenantID)
	return err
}

// failUnstarted fails an item that never started (its server is down).
func (st *store) failUnstarted(ctx context.Context, it *Item, errText, host string, pid int, at time.Time) error {
	_, err := st.exec(ctx, "record the failure of tenant "+it.TenantID,
		"UPDATE `tenancy_run_items` SET `state` = ?, `attempts` = `attempts` + 1, `started_at` = ?, `finished_at` = ?, `error` = ?, "+
			"`result` = NULL, `host` = ?, `pid` = ? WHERE `run_id` = ? AND `tenant_id` = ? AND `state` = ?",
		ItemFailed, at, at, cut(errText, 8192), host, pid, it.RunID, it.TenantID, ItemPending)
	return err
}

// setPending turns items in the given states back to pending.
func (st *store) setPending(ctx context.Context, runID int64, from ...ItemState) error {
	q, args, err := sqlx.In("UPDATE `tenancy_run_items` SET `state` = ? WHERE `run_id` = ? AND `state` IN (?)", ItemPending, runID, from)
	if err != nil {
		return err
	}
	_, err = st.exec(ctx, fmt.Sprintf("reset the items of run %d", runID), q, args...)
	return err
}

// closePending turns the still pending items into state (skipped, cancelled).
func (st *store) closePending(ctx context.Context, runID int64, state ItemState, reason string) error {
	_, err := st.exec(ctx, fmt.Sprintf("close the pending items of run %d", runID),
		"UPDATE `tenancy_run_items` SET `state` = ?, `error` = ? WHERE `run_id` = ? AND `state` = ?", state, reason, runID, ItemPending)
	return err
}

// finishRun writes the run's state and counts (finished_at unless paused).
func (st *store) finishRun(ctx context.Context, runID int64, state RunState, errText string, at time.Time) error {
	c, err := st.counts(ctx, runID)
	if err != nil {
		return err
	}
	var fin any
	if state != RunPaused {
		fin = at
	}
	_, err = st.exec(ctx, fmt.Sprintf("record the end of run %d", runID),
		"UPDATE `tenancy_runs` SET `state` = ?, `error` = ?, `finished_at` = ?, `done` = ?, `failed` = ?, `skipped` = ?, `cancelled` = ?, "+
			"`cancel_requested` = 0 WHERE `id` = ?",
		state, cut(errText, 2048), fin, c[ItemDone], c[ItemFailed], c[ItemSkipped], c[ItemCancelled], runID)
	return err
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
