package lifecycle

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// movesTable records every move, one row each, phase by phase.
const movesTable = "tenancy_moves"

const movesDDL = "CREATE TABLE IF NOT EXISTS `tenancy_moves` (" +
	"`id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY," +
	"`tenant_id` VARCHAR(255) NOT NULL," +
	"`database_name` VARCHAR(64) NOT NULL," +
	"`db_user` VARCHAR(80) NOT NULL DEFAULT ''," +
	"`from_server` VARCHAR(255) NOT NULL," +
	"`to_server` VARCHAR(255) NOT NULL," +
	"`phase` VARCHAR(16) NOT NULL," +
	"`was_down` TINYINT(1) NOT NULL DEFAULT 0," +
	"`keep_source_s` BIGINT NOT NULL DEFAULT 0," +
	"`keep_until` DATETIME(6) NULL," +
	"`bytes` BIGINT NOT NULL DEFAULT 0," +
	"`copy_ms` BIGINT NOT NULL DEFAULT 0," +
	"`freeze_ms` BIGINT NOT NULL DEFAULT 0," +
	"`host` VARCHAR(255) NOT NULL DEFAULT ''," +
	"`pid` INT NOT NULL DEFAULT 0," +
	"`started_at` DATETIME(6) NOT NULL," +
	"`updated_at` DATETIME(6) NOT NULL," +
	"`finished_at` DATETIME(6) NULL," +
	"`error` TEXT NULL," +
	"INDEX `tenancy_moves_tenant_index` (`tenant_id`, `phase`)," +
	"INDEX `tenancy_moves_phase_index` (`phase`)" +
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"

// Init creates the moves table when it is absent and returns its name
// if it did (for `tenancy init`).
func Init(ctx context.Context, central *sqlx.DB) ([]string, error) {
	var n int
	if err := central.GetContext(ctx, &n, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?", movesTable); err != nil {
		return nil, fmt.Errorf("look for table %s: %w", movesTable, err)
	}
	if n > 0 {
		return nil, nil
	}
	if _, err := central.ExecContext(ctx, movesDDL); err != nil {
		return nil, fmt.Errorf("create table %s: %w", movesTable, err)
	}
	return []string{movesTable}, nil
}
