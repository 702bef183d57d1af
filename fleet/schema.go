package fleet

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Table names in the central database.
const (
	runsTable  = "tenancy_runs"
	itemsTable = "tenancy_run_items"
)

const runsDDL = "CREATE TABLE IF NOT EXISTS `tenancy_runs` (" +
	"`id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY," +
	"`operation` VARCHAR(64) NOT NULL," +
	"`args` LONGTEXT NOT NULL," +
	"`selection` TEXT NOT NULL," +
	"`state` VARCHAR(16) NOT NULL," +
	"`parallel` INT NOT NULL DEFAULT 0," +
	"`per_server` INT NOT NULL DEFAULT 0," +
	"`canary` INT NOT NULL DEFAULT 0," +
	"`canary_pending` TINYINT(1) NOT NULL DEFAULT 0," +
	"`max_failures` VARCHAR(16) NOT NULL DEFAULT ''," +
	"`cancel_requested` TINYINT(1) NOT NULL DEFAULT 0," +
	"`started_by` VARCHAR(255) NOT NULL DEFAULT ''," +
	"`host` VARCHAR(255) NOT NULL DEFAULT ''," +
	"`pid` INT NOT NULL DEFAULT 0," +
	"`total` INT NOT NULL DEFAULT 0," +
	"`done` INT NOT NULL DEFAULT 0," +
	"`failed` INT NOT NULL DEFAULT 0," +
	"`skipped` INT NOT NULL DEFAULT 0," +
	"`cancelled` INT NOT NULL DEFAULT 0," +
	"`error` VARCHAR(2048) NOT NULL DEFAULT ''," +
	"`created_at` DATETIME(6) NOT NULL," +
	"`started_at` DATETIME(6) NULL," +
	"`finished_at` DATETIME(6) NULL," +
	"INDEX `tenancy_runs_state_index` (`state`)" +
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"

const itemsDDL = "CREATE TABLE IF NOT EXISTS `tenancy_run_items` (" +
	"`run_id` BIGINT UNSIGNED NOT NULL," +
	"`tenant_id` VARCHAR(255) NOT NULL," +
	"`tenant_name` VARCHAR(255) NOT NULL DEFAULT ''," +
	"`server` VARCHAR(255) NOT NULL," +
	"`database_name` VARCHAR(64) NOT NULL," +
	"`position` INT NOT NULL," +
	"`state` VARCHAR(16) NOT NULL," +
	"`attempts` INT NOT NULL DEFAULT 0," +
	"`started_at` DATETIME(6) NULL," +
	"`finished_at` DATETIME(6) NULL," +
	"`error` TEXT NULL," +
	"`result` TEXT NULL," +
	"`host` VARCHAR(255) NOT NULL DEFAULT ''," +
	"`pid` INT NOT NULL DEFAULT 0," +
	"PRIMARY KEY (`run_id`, `tenant_id`)," +
	"INDEX `tenancy_run_items_run_state_index` (`run_id`, `state`, `position`)" +
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"

// Init creates the central tables of runs if they are absent (`tenancy
// init` and Open call it) and reports the ones it created.
func Init(ctx context.Context, central *sqlx.DB) ([]string, error) {
	var created []string
	for _, tb := range []struct{ name, ddl string }{{runsTable, runsDDL}, {itemsTable, itemsDDL}} {
		var n int
		if err := central.GetContext(ctx, &n, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?", tb.name); err != nil {
			return created, fmt.Errorf("look for table %s: %w", tb.name, err)
		}
		if n > 0 {
			continue
		}
		if _, err := central.ExecContext(ctx, tb.ddl); err != nil {
			return created, fmt.Errorf("create table %s in the central database: %w (does the central user have CREATE?)", tb.name, err)
		}
		created = append(created, tb.name)
	}
	return created, nil
}
